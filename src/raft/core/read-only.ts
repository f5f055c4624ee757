import type { Index, NodeId } from '../types.js';
import { committedBy } from './quorum.js';

/** A read waiting for the leader to confirm that it still leads. */
export interface PendingRead {
  readonly ctx: string;
  /** Who asked: this server, or a follower that forwarded the read. */
  readonly from: NodeId;
  /** The commit index when the read arrived: the read must see at least this. */
  readonly index: Index;
  /** The heartbeat round whose quorum acknowledgement confirms it. */
  readonly seq: number;
}

/**
 * ReadIndex and lease bookkeeping for one leader term. Every heartbeat round
 * carries a new sequence number; a follower that answers round `s` has
 * accepted this leader at a moment after round `s` was sent. A read that
 * arrived before round `s` was sent is safe once a quorum answered `s` or a
 * later round. The tick at which each round was sent also gives the lease.
 */
export class ReadOnly {
  /** The newest heartbeat round sent. */
  seq = 0;
  private readonly acked = new Map<NodeId, number>();
  private readonly sentAt = new Map<number, number>();
  private pending: PendingRead[] = [];

  /** Starts a new heartbeat round at `tick`; returns its sequence number. */
  nextRound(tick: number): number {
    this.seq++;
    this.sentAt.set(this.seq, tick);
    return this.seq;
  }

  add(read: PendingRead): void {
    this.pending.push(read);
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Records that `from` answered round `seq`. */
  ack(from: NodeId, seq: number): void {
    if ((this.acked.get(from) ?? 0) < seq) this.acked.set(from, seq);
  }

  /** The newest round that a quorum of `voters` (counting `self`) has answered. */
  quorumSeq(voters: readonly NodeId[], self: NodeId): number {
    const q = committedBy(voters, (id) => (id === self ? this.seq : (this.acked.get(id) ?? 0)));
    return Number.isFinite(q) ? q : this.seq;
  }

  /** Removes and returns the reads confirmed by the quorum's answers. */
  release(voters: readonly NodeId[], self: NodeId): PendingRead[] {
    if (this.pending.length === 0) return [];
    const q = this.quorumSeq(voters, self);
    const ready = this.pending.filter((r) => r.seq <= q);
    if (ready.length > 0) this.pending = this.pending.filter((r) => r.seq > q);
    this.prune(q);
    return ready;
  }

  /**
   * The tick at which the newest quorum-acknowledged round was sent. Voters
   * that answered it will not vote for another leader until an election
   * timeout after that tick, which is what makes a lease safe.
   */
  quorumSentAt(voters: readonly NodeId[], self: NodeId): number | undefined {
    const q = this.quorumSeq(voters, self);
    this.prune(q);
    return this.sentAt.get(q);
  }

  private prune(upTo: number): void {
    if (this.sentAt.size < 64) return;
    for (const s of this.sentAt.keys()) {
      if (s < upTo) this.sentAt.delete(s);
    }
  }

  reset(): void {
    this.seq = 0;
    this.acked.clear();
    this.sentAt.clear();
    this.pending = [];
  }
}
