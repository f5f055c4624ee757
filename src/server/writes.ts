import type { RaftNode } from '../raft/index.js';
import { TransportError } from '../raft/index.js';
import {
  type ApplyResult,
  type Command,
  encodeCommand,
  failure,
  lockDelayRefusal,
  readCommand,
} from '../state/index.js';
import type { AppliedWaiters } from './applied-waiters.js';
import { Coalescer } from './coalescer.js';
import { ServerError } from './errors.js';
import { FORWARD_TIMEOUT_MS, type Forwarding, notSent } from './forwarding.js';
import type { Applied, Failure, Response } from './rpc.js';

const WRITE_DEADLINE_MS = 10_000;

export interface ApplyOutcome {
  readonly index: number;
  readonly result: ApplyResult;
}

/** What the write path reads of the local state: the applied index, and the keys in lock-delay. */
export interface WriteState {
  readonly applied: number;
  readonly kv: { lockDelayed(key: string, now: number): boolean };
}

export interface WritesDeps {
  /** This server's name (its Raft id). */
  readonly self: string;
  readonly raft: Pick<RaftNode<ApplyResult>, 'leader' | 'propose'>;
  readonly state: WriteState;
  readonly forwarding: Forwarding;
  readonly applied: AppliedWaiters;
  /** The leader's clock, by which lock-delays are kept. */
  now(): number;
}

/**
 * Commands through Raft: proposed here on the leader (after the leader's own checks), forwarded
 * from a follower, whose writes of one turn of the event loop travel together.
 */
export class Writes {
  private readonly batch: Coalescer<Uint8Array, Applied | Failure>;

  constructor(private readonly deps: WritesDeps) {
    this.batch = new Coalescer<Uint8Array, Applied | Failure>((cmds) => this.forwardBatch(cmds), 512);
  }

  close(): void {
    this.batch.close();
  }

  /**
   * Applies a command: proposed here on the leader, forwarded to it from a
   * follower. Retries while the outcome is known not to have happened (no
   * leader yet, leader changed); reports unknownOutcome when it may have
   * happened. Reads that follow on this server see the write.
   */
  async apply(cmd: Command): Promise<ApplyOutcome> {
    const bytes = encodeCommand(cmd);
    const { raft, self, forwarding, applied } = this.deps;
    const lead = raft.leader();
    if (lead && lead.id !== self) {
      // The common case on a follower: ride along with the other writes of this turn.
      const out = await this.batch.add(bytes);
      if (out.ok) {
        await applied.wait(out.index, FORWARD_TIMEOUT_MS);
        return { index: out.index, result: out.result };
      }
      // The leader moved before it proposed this one: it surely did not apply; take the slow path.
      if (out.kind !== 'noLeader') throw new ServerError(out.kind, out.message);
    }
    return forwarding.onLeader({
      deadlineMs: WRITE_DEADLINE_MS,
      here: () => this.proposeHere(bytes),
      request: { t: 'apply', cmd: bytes },
      // A write that may have reached the leader must not be sent twice.
      idempotent: false,
      answer: async (res) => {
        if (!(res.ok && res.t === 'apply')) return undefined;
        await applied.wait(res.index, FORWARD_TIMEOUT_MS);
        return { index: res.index, result: res.result };
      },
    });
  }

  /** Proposes on this server, which leads (Raft refuses otherwise), unless the leader's checks answer first. */
  async proposeHere(bytes: Uint8Array): Promise<ApplyOutcome> {
    return this.precheck(bytes) ?? (await this.deps.raft.propose(bytes));
  }

  /**
   * What the leader answers without proposing: a command it cannot read, and an acquire of a key
   * still in its lock-delay (the rule: state/lock-delay.ts).
   */
  private precheck(bytes: Uint8Array): ApplyOutcome | null {
    const { state } = this.deps;
    const read = readCommand(bytes);
    if (read.kind !== 'command') {
      // Proposing it would stop this server (and any other that cannot read it) once committed:
      // a follower running a newer version forwarded it, or the bytes are damaged.
      const why = `the leader cannot apply this command (${read.reason})`;
      return { index: state.applied, result: failure('invalid', why) };
    }
    const now = this.deps.now();
    const refused = lockDelayRefusal(read.command, (key) => state.kv.lockDelayed(key, now));
    return refused === null ? null : { index: state.applied, result: refused };
  }

  /** Sends coalesced writes to the leader in one request; one outcome per write. */
  private async forwardBatch(cmds: readonly Uint8Array[]): Promise<readonly (Applied | Failure)[]> {
    const notApplied = (message: string): Failure[] =>
      cmds.map(() => ({ ok: false, kind: 'noLeader', message }));
    const lead = this.deps.raft.leader();
    if (!lead || lead.id === this.deps.self) return notApplied('the leader changed');
    let res: Response;
    try {
      res = await this.deps.forwarding.request(lead.id, { t: 'applyBatch', cmds }, FORWARD_TIMEOUT_MS);
    } catch (e) {
      if (e instanceof TransportError && notSent(e)) return notApplied(e.message);
      throw new ServerError('unknownOutcome', `forwarding to the leader failed: ${(e as Error).message}`);
    }
    if (!res.ok) {
      if (res.kind === 'noLeader') return notApplied(res.message);
      throw new ServerError(res.kind, res.message);
    }
    if (res.t !== 'applyBatch' || res.outcomes.length !== cmds.length) {
      throw new ServerError('unknownOutcome', 'unexpected answer from the leader');
    }
    return res.outcomes;
  }
}
