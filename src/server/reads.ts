import type { RaftNode } from '../raft/index.js';
import { RaftError } from '../raft/index.js';
import type { AppliedWaiters } from './applied-waiters.js';
import { toServerError } from './errors.js';
import { FORWARD_TIMEOUT_MS, type Forwarding } from './forwarding.js';
import { ReadBatcher } from './read-batcher.js';

export type Consistency = 'stale' | 'default' | 'consistent';

export interface ReadsDeps {
  readonly raft: Pick<RaftNode<unknown>, 'isLeader' | 'readBarrier'>;
  readonly forwarding: Forwarding;
  readonly applied: AppliedWaiters;
}

/** Read barriers: how fresh the local state must be before a read at a consistency mode. */
export class Reads {
  private readonly leaseReads = new ReadBatcher(() => this.leaderReadIndex(true));
  private readonly quorumReads = new ReadBatcher(() => this.leaderReadIndex(false));

  constructor(private readonly deps: ReadsDeps) {}

  /**
   * Makes the local state fresh enough for `mode`: stale reads go ahead at
   * once; default reads ride the leader's lease (a follower asks the leader
   * for its commit index and waits to apply it); consistent reads confirm
   * leadership with a quorum first.
   */
  async barrier(mode: Consistency): Promise<void> {
    if (mode === 'stale') return;
    const lease = mode === 'default';
    const { raft } = this.deps;
    if (raft.isLeader()) {
      try {
        await raft.readBarrier(lease);
        return;
      } catch (e) {
        if (!(e instanceof RaftError && e.code === 'RAFT_NOT_LEADER')) throw toServerError(e);
      }
    }
    const started = performance.now();
    const index = await (lease ? this.leaseReads : this.quorumReads).index();
    await this.deps.applied.wait(index, Math.max(0, FORWARD_TIMEOUT_MS - (performance.now() - started)));
  }

  /** The leader's confirmed read index, asked from wherever the leader is (this server included). */
  private leaderReadIndex(lease: boolean): Promise<number> {
    return this.deps.forwarding.onLeader({
      deadlineMs: FORWARD_TIMEOUT_MS,
      here: () => this.deps.raft.readBarrier(lease),
      request: { t: 'read', lease },
      idempotent: true,
      answer: (res) => (res.ok && res.t === 'read' ? res.index : undefined),
    });
  }
}
