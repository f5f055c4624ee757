import type { Index } from '../raft/index.js';

type Wake = (index: Index) => void;

/**
 * Wakes the blocking queries and watches waiting on topics that an applied
 * entry touched. Waiters are woken in batches of `batchSize` per turn of the
 * event loop, so ten thousand of them never hold the loop at once.
 */
export class WatchHub {
  private readonly waiters = new Map<string, Set<Wake>>();
  /** Waiters to wake, each once however many of its topics were touched. */
  private pending = new Map<Wake, Index>();
  private draining = false;
  private count = 0;

  constructor(private readonly batchSize = 500) {}

  /** Calls `wake` once, the first time any of `topics` is touched. Returns a cancel function. */
  wait(topics: readonly string[], wake: Wake): () => void {
    let active = true;
    const remove = () => {
      if (!active) return;
      active = false;
      this.count--;
      for (const t of topics) {
        const s = this.waiters.get(t);
        if (!s) continue;
        s.delete(entry);
        if (s.size === 0) this.waiters.delete(t);
      }
    };
    const entry: Wake = (index) => {
      if (!active) return;
      remove();
      wake(index);
    };
    for (const t of topics) {
      let s = this.waiters.get(t);
      if (!s) {
        s = new Set();
        this.waiters.set(t, s);
      }
      s.add(entry);
    }
    this.count++;
    return remove;
  }

  /** How many waiters are registered. */
  get size(): number {
    return this.count;
  }

  notify(topics: Iterable<string>, index: Index): void {
    for (const t of topics) {
      const s = this.waiters.get(t);
      if (!s) continue;
      for (const w of s) if (!this.pending.has(w)) this.pending.set(w, index);
    }
    if (this.pending.size > 0 && !this.draining) {
      this.draining = true;
      setImmediate(() => this.drain());
    }
  }

  /** Wakes every waiter (after a snapshot restore replaced the whole state). */
  notifyAll(index: Index): void {
    this.notify([...this.waiters.keys()], index);
  }

  private drain(): void {
    const batch: [Wake, Index][] = [];
    for (const entry of this.pending) {
      batch.push(entry);
      this.pending.delete(entry[0]);
      if (batch.length >= this.batchSize) break;
    }
    try {
      for (const [wake, index] of batch) {
        try {
          wake(index);
        } catch {
          // One waiter's failure must not stop the others from waking.
        }
      }
    } finally {
      if (this.pending.size > 0) setImmediate(() => this.drain());
      else this.draining = false;
    }
  }
}
