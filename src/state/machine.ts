import { Packr } from 'msgpackr';
import type { Index, StateMachine } from '../raft/index.js';
import { Catalog, type CatalogImage } from './catalog.js';
import type { Command } from './commands.js';
import { readCommand, UnreadableCommandError } from './commands.js';
import { type ApplyResult, failure, OK } from './errors.js';
import type { WriteMeta } from './kv.js';
import { type KvImage, KvStore } from './kv.js';
import { applyKv, writeMeta } from './kv-apply.js';
import { Members, type MembersImage } from './members.js';
import { SessionStore, type SessionsImage } from './sessions.js';
import { packInSlices } from './slice-pack.js';
import { Touched } from './topics.js';
import type { HealthStatus } from './types.js';
import type { RegistryView } from './view.js';
import { WatchHub } from './watch-hub.js';

interface Image {
  readonly v: 1 | 2;
  readonly applied: Index;
  readonly catalog: CatalogImage;
  readonly members: MembersImage;
  /** From v2. */
  readonly kv?: KvImage;
  readonly sessions?: SessionsImage;
}

const packr = new Packr({ useRecords: false, moreTypes: false });

/** A command applied as a no-op because its writer marked it safe for older servers to skip. */
export interface SkippedCommand {
  readonly index: Index;
  readonly type: string;
  readonly reason: string;
}

/**
 * The replicated state: every server applies the same commands in the same
 * order and ends in the same state. Knows nothing of Raft beyond the
 * StateMachine interface (DESIGN.md, principle 2).
 */
export class RegistryState implements StateMachine<ApplyResult>, RegistryView {
  readonly catalog = new Catalog();
  readonly members = new Members();
  readonly kv = new KvStore();
  readonly sessions = new SessionStore();
  readonly hub = new WatchHub();
  private appliedIndex: Index = 0;

  /**
   * `clock` times lock-delays, which (as in Consul) each server keeps by its own clock, outside the
   * replicated state. `onSkipped` hears of each command skipped as unknown but marked skippable, so
   * the server can warn.
   */
  constructor(
    private readonly clock: () => number = Date.now,
    private readonly onSkipped: (skipped: SkippedCommand) => void = () => {},
  ) {}

  /**
   * Throws UnreadableCommandError, having changed nothing, for a command this version cannot read:
   * the server must stop there, since skipping it would diverge from servers that apply it.
   */
  apply(bytes: Uint8Array, index: Index): ApplyResult {
    const read = readCommand(bytes);
    if (read.kind === 'unreadable') throw new UnreadableCommandError(index, read.type, read.reason);
    this.appliedIndex = index;
    if (read.kind === 'skip') {
      this.onSkipped({ index, type: read.type, reason: read.reason });
      return failure('invalid', `skipped: ${read.reason}`);
    }
    const cmd = read.command;
    const touched = new Touched();
    let result: ApplyResult;
    switch (cmd.type) {
      case 'memberUpsert':
      case 'memberLeft':
      case 'memberHttps':
        result = this.members.apply(cmd, index, touched);
        break;
      case 'register':
      case 'deregisterService':
      case 'deregisterCheck':
      case 'deregisterNode':
      case 'checkStatus':
      case 'reap':
      case 'loads':
        result = this.catalog.apply(cmd, index, touched);
        if (this.sessions.size > 0) this.endSessionsOfFailedChecks(index, touched);
        break;
      case 'kvSet':
      case 'kvDelete':
      case 'txn':
        result = applyKv(this.kv, this.sessions, cmd, index, touched);
        break;
      case 'kvReap':
        // Nothing visible changes (reads of a deleted key look the same), so nothing is touched.
        this.kv.reapTombstones(cmd.upTo);
        result = OK;
        break;
      case 'sessionCreate':
        result = this.createSession(cmd, index, touched);
        break;
      case 'sessionEnd':
        for (const id of cmd.ids) this.endSession(id, writeMeta(cmd.write, index), touched);
        result = OK;
        break;
      default: {
        // readCommand let through only known types: reaching here is a type missing from this switch.
        const unhandled: never = cmd;
        throw new UnreadableCommandError(index, (unhandled as { type: string }).type, 'no handler for it');
      }
    }
    this.hub.notify(touched.topics, index);
    return result;
  }

  private createSession(
    cmd: Extract<Command, { type: 'sessionCreate' }>,
    index: Index,
    touched: Touched,
  ): ApplyResult {
    const spec = cmd.session;
    if (this.sessions.get(spec.id)) return failure('invalid', `session "${spec.id}" already exists`);
    if (!this.catalog.node(spec.node))
      return failure('invalid', `Missing node registration: node "${spec.node}" is not in the catalog`);
    for (const id of spec.nodeChecks) {
      const c = this.catalog.check(spec.node, id);
      if (!c) return failure('invalid', `Missing check '${id}' registration`);
      if (c.status === 'critical') return failure('invalid', `Check '${id}' is in critical state`);
    }
    for (const { id } of spec.serviceChecks) {
      const c = this.catalog.check(spec.node, id);
      if (!c) return failure('invalid', `Missing check '${id}' registration`);
      if (c.status === 'critical') return failure('invalid', `Check '${id}' is in critical state`);
    }
    this.sessions.put({ ...spec, createIndex: index, modifyIndex: index }, index, touched);
    return OK;
  }

  private endSession(id: string, meta: WriteMeta, touched: Touched): void {
    const s = this.sessions.remove(id, meta.index, touched);
    if (s) this.kv.releaseSession(id, s.behavior, s.lockDelayMs, this.clock(), meta, touched);
  }

  /** A session ends when its node is gone or one of its checks is gone or critical. */
  private endSessionsOfFailedChecks(index: Index, touched: Touched): void {
    const failed = (node: string, id: string): boolean => {
      const c = this.catalog.check(node, id);
      return !c || c.status === ('critical' satisfies HealthStatus);
    };
    for (const s of this.sessions.all()) {
      const dead =
        !this.catalog.node(s.node) ||
        s.nodeChecks.some((id) => failed(s.node, id)) ||
        s.serviceChecks.some(({ id }) => failed(s.node, id));
      // A catalog command does not carry the proposer's history setting: keep the most any
      // write may (writeMeta's cap), so an invalidation never trims history a key already keeps.
      if (dead)
        this.endSession(s.id, { index, at: 0, author: 'cairn: session invalidated', keep: 1000 }, touched);
    }
  }

  /** The index of the last applied entry (0 before any). */
  get applied(): Index {
    return this.appliedIndex;
  }

  snapshot(): () => Promise<Uint8Array> {
    const catalog = this.catalog.image();
    const members = this.members.image();
    const kv = this.kv.image();
    const sessions = this.sessions.image();
    const applied = this.appliedIndex;
    return () =>
      packInSlices(
        {
          v: 2,
          applied,
          catalog: catalog(),
          members: members(),
          kv: kv(),
          sessions: sessions(),
        } satisfies Image,
        packr,
        { sliceMs: 5, yieldToLoop: () => new Promise((resolve) => setImmediate(resolve)) },
      );
  }

  restore(data: Uint8Array): void {
    const img = readImage(data);
    this.catalog.restore(img.catalog);
    this.members.restore(img.members);
    this.kv.restore(img.kv ?? { entries: [], history: [], tombstones: [], index: 0 });
    this.sessions.restore(img.sessions ?? { sessions: [], index: 0 });
    this.appliedIndex = img.applied;
    // Everything may have changed: wake every waiter so it recomputes.
    this.hub.notifyAll(img.applied);
  }
}

/** Snapshot format versions this version reads; a newer one must stop the server, not be half read. */
const IMAGE_VERSIONS: readonly unknown[] = [1, 2];

function readImage(data: Uint8Array): Image {
  let value: unknown;
  try {
    value = packr.unpack(data);
  } catch (e) {
    throw new Error(`state snapshot is not MessagePack (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('state snapshot is not a state image');
  const v = (value as { v?: unknown }).v;
  if (!IMAGE_VERSIONS.includes(v))
    throw new Error(
      `state snapshot version ${JSON.stringify(v)} is not supported (this version reads ${IMAGE_VERSIONS.join(', ')}): written by a newer version?`,
    );
  return value as Image;
}
