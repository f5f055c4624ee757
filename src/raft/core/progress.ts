import type { Index } from '../types.js';
import { Inflights } from './inflights.js';

/**
 * How the leader replicates to one follower:
 *
 *   probe ──(append accepted)──▶ replicate
 *     ▲  ◀──(append rejected)────────┘
 *     │                              │ (needed entry compacted)
 *     └──(snapshot acked/failed)── snapshot ◀── (from probe too)
 *
 * probe:     one append at a time, until the follower's match is found;
 * replicate: optimistic pipelining, bounded by the in-flight window;
 * snapshot:  paused while the follower installs a snapshot.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  /** Highest index known to be on the follower's disk. Invariant: match < next. */
  match: Index = 0;
  /** Next index to send. */
  next: Index;
  state: ProgressState = 'probe';
  /** In probe state: an append is out and we wait for its answer or a heartbeat response. */
  probeSent = false;
  /** In snapshot state: the index of the snapshot being installed. */
  pendingSnapshot: Index = 0;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(
    next: Index,
    readonly isLearner: boolean,
    maxInflightMsgs: number,
    maxInflightBytes: number,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs, maxInflightBytes);
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    } else {
      this.next = this.match + 1;
    }
    this.state = 'probe';
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  becomeSnapshot(snapshotIndex: Index): void {
    this.state = 'snapshot';
    this.pendingSnapshot = snapshotIndex;
    this.probeSent = false;
    this.inflights.reset();
  }

  /** Records an acknowledgement up to `n`; reports whether the match moved. */
  maybeUpdate(n: Index): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      this.probeSent = false;
      updated = true;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * Handles a rejection of the append whose previous index was `rejected`,
   * moving `next` back to just after `matchHint`. Reports false for a stale
   * rejection (one that answers an append we no longer care about).
   */
  maybeDecrTo(rejected: Index, matchHint: Index): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Whether the leader must hold further appends to this follower. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  /** Records that an append ending at `lastIndex` (possibly empty) was sent. */
  sentEntries(lastIndex: Index, count: number, bytes: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex, bytes);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }
}
