import type { Message } from '../messages.js';
import { entriesBytes } from '../messages.js';
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Index,
  NodeId,
  ReadState,
  Snapshot,
  SoftState,
} from '../types.js';
import { encodeConfChange } from './confchange.js';
import { type CoreOptions, validateCoreConfig } from './config.js';
import { RaftLog } from './log.js';
import { type ProposeResult, Raft } from './raft.js';

/**
 * Everything the driver must do after one round of inputs, in this order:
 *
 * 1. persist `entries` (replacing stored entries from the first one's index
 *    on), `hardState` and `snapshot` in one write, synced when `mustSync`;
 *    a leader may send its `append` messages before that write finishes;
 * 2. send `messages` (all the others only after the write);
 * 3. install `snapshot` into the state machine, then apply
 *    `committedEntries` in order, and serve `readStates` once applied;
 * 4. call `advance(ready)`.
 *
 * Only one Ready is processed at a time; inputs that arrive meanwhile are
 * stepped into the core and come out together in the next one: that is the
 * group commit.
 */
export interface Ready {
  readonly softState: SoftState | null;
  readonly hardState: HardState | null;
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | null;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
  readonly mustSync: boolean;
  /**
   * The term or vote changed: it must be durable before any message of this Ready is sent
   * (a leader may otherwise send appends while its own entries are written).
   */
  readonly termOrVoteChanged: boolean;
}

export interface RestartState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
}

export interface Status {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly lead: NodeId | null;
  readonly role: SoftState['role'];
  readonly commit: Index;
  readonly applied: Index;
  readonly lastIndex: Index;
  readonly firstIndex: Index;
  readonly conf: ConfState;
  readonly progress: ReadonlyMap<NodeId, { match: Index; next: Index; state: string }>;
  readonly leaseValid: boolean;
  readonly transferee: NodeId | null;
}

/**
 * The core as the driver uses it: inputs in, {@link Ready} out. Pure and
 * synchronous, so a simulation can drive any number of them from one seed.
 */
export class RawNode {
  readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;

  private constructor(raft: Raft) {
    this.raft = raft;
    this.prevSoft = { lead: null, role: 'follower' };
    this.prevHard = this.hardState();
  }

  /** A server with no history: founding member of a new cluster (`bootstrap`) or a joiner waiting to be added. */
  static create(opts: CoreOptions): RawNode {
    return new RawNode(new Raft(validateCoreConfig(opts), new RaftLog()));
  }

  /** A server restarting from what it persisted. */
  static restart(opts: CoreOptions, state: RestartState): RawNode {
    const log = RaftLog.restore(state.snapshot, state.entries, state.hardState.commit);
    const raft = new Raft(validateCoreConfig(opts), log);
    raft.term = state.hardState.term;
    raft.vote = state.hardState.vote;
    if (state.snapshot) raft.setConf(state.snapshot.meta.conf);
    const node = new RawNode(raft);
    node.prevHard = node.hardState();
    return node;
  }

  /**
   * Starts a new cluster with `voters` as its founding members. Every
   * founding server must call this with the same list; the configuration
   * becomes the first log entry, so servers added later learn it too.
   */
  bootstrap(voters: readonly NodeId[]): void {
    if (this.raft.log.lastIndex() !== 0 || this.raft.term !== 0)
      throw new Error('bootstrap: log is not empty');
    const change: ConfChange = { type: 'bootstrap', voters: [...voters].sort() };
    this.raft.log.append([{ index: 1, term: 1, kind: 'conf', data: encodeConfChange(change) }]);
    this.raft.log.commitTo(1);
    this.raft.term = 1;
  }

  tick(): void {
    this.raft.tick();
  }

  step(m: Message): void {
    if (m.to !== this.raft.id) return;
    this.raft.step(m);
  }

  campaign(): void {
    this.raft.campaign('normal');
  }

  propose(data: Uint8Array): ProposeResult {
    return this.raft.propose(data);
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    return this.raft.proposeConfChange(change);
  }

  /**
   * Asks for a read barrier; the answer comes as a ReadState with `ctx`.
   * `allowLease` lets a leader holding a lease answer without a round.
   */
  readIndex(ctx: string, allowLease = true): boolean {
    return this.raft.readIndex(ctx, allowLease);
  }

  transferLeadership(to: NodeId): boolean {
    return this.raft.transferLeadership(to);
  }

  reportUnreachable(id: NodeId): void {
    this.raft.reportUnreachable(id);
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.reportSnapshot(id, ok);
  }

  /**
   * The state machine took a snapshot at `snap.meta.index` (and the driver
   * stored it): drop log entries before `keepFrom` from memory.
   */
  compact(snap: Snapshot, keepFrom: Index): void {
    this.raft.log.compact(snap, keepFrom);
  }

  hasReady(): boolean {
    const r = this.raft;
    return (
      r.hasPendingBcast ||
      r.msgs.length > 0 ||
      r.readStates.length > 0 ||
      r.log.hasUnstable() ||
      r.log.pendingSnapshot !== null ||
      r.log.hasNextCommitted() ||
      !sameHard(this.hardState(), this.prevHard) ||
      r.lead !== this.prevSoft.lead ||
      r.role !== this.prevSoft.role
    );
  }

  /**
   * Collects the outputs. Takes them out of the core, so call it once per
   * round and always follow it with {@link advance}. Membership changes in
   * `committedEntries` take effect here, as they are handed out to apply.
   */
  ready(): Ready {
    const r = this.raft;
    r.flushProposals();
    const snapshot = r.log.pendingSnapshot;
    const entries = r.log.takeUnstable();
    const committedEntries = r.log.nextCommitted(r.cfg.maxApplyBytes);
    for (const e of committedEntries) {
      if (e.kind === 'conf') r.applyConfEntry(e);
    }
    if (committedEntries.length > 0) {
      r.log.appliedTo(committedEntries[committedEntries.length - 1]!.index);
      r.releaseUncommitted(entriesBytes(committedEntries));
    }
    const soft: SoftState = { lead: r.lead, role: r.role };
    const softChanged = soft.lead !== this.prevSoft.lead || soft.role !== this.prevSoft.role;
    const hard = this.hardState();
    const hardChanged = !sameHard(hard, this.prevHard);
    const termOrVoteChanged = hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote;
    const mustSync = entries.length > 0 || snapshot !== null || termOrVoteChanged;
    const messages = r.msgs;
    const readStates = r.readStates;
    r.msgs = [];
    r.readStates = [];
    if (softChanged) this.prevSoft = soft;
    if (hardChanged) this.prevHard = hard;
    return {
      softState: softChanged ? soft : null,
      hardState: hardChanged ? hard : null,
      entries,
      snapshot,
      committedEntries,
      messages,
      readStates,
      mustSync,
      termOrVoteChanged,
    };
  }

  /**
   * The read states confirmed so far, taken out of the next Ready. A read state names a committed
   * index: serving it needs that index applied, never the log entries a Ready is writing, so the
   * driver may take them between Readies instead of waiting for the write in progress.
   */
  takeReadStates(): ReadState[] {
    const out = this.raft.readStates;
    this.raft.readStates = [];
    return out;
  }

  /** The driver finished processing `rd` (persisted, sent, applied). */
  advance(rd: Ready): void {
    const log = this.raft.log;
    if (rd.snapshot && log.pendingSnapshot === rd.snapshot) log.pendingSnapshot = null;
    if (rd.entries.length > 0) {
      log.stableTo(rd.entries[rd.entries.length - 1]!.index);
      this.raft.selfPersisted(log.persisted);
    }
  }

  status(): Status {
    const r = this.raft;
    const progress = new Map<NodeId, { match: Index; next: Index; state: string }>();
    for (const [id, pr] of r.prs) progress.set(id, { match: pr.match, next: pr.next, state: pr.state });
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      lead: r.lead,
      role: r.role,
      commit: r.log.committed,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      firstIndex: r.log.firstIndex(),
      conf: r.conf,
      progress,
      leaseValid: r.leaseValid(),
      transferee: r.transferee,
    };
  }

  private hardState(): HardState {
    return { term: this.raft.term, vote: this.raft.vote, commit: this.raft.log.committed };
  }
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
