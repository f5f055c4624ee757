import { ServerError } from './errors.js';

interface Waiter {
  readonly index: number;
  readonly resolve: () => void;
}

/**
 * Callers waiting for this server to apply an index: a write through a follower, or a read after
 * the leader's read index, must see the state at least that far.
 */
export class AppliedWaiters {
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly applied: () => number,
    private readonly stopping: () => boolean,
  ) {}

  /** Resolves once this server has applied `index` (or at once when stopping); rejects at the timeout. */
  wait(index: number, timeoutMs: number): Promise<void> {
    if (this.applied() >= index || this.stopping()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(w);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new ServerError('unavailable', 'this server is behind the leader; try again'));
      }, timeoutMs);
      const w: Waiter = {
        index,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiting.push(w);
    });
  }

  /** This server applied up to `index`. */
  release(index: number): void {
    if (this.waiting.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of this.waiting) {
      if (w.index <= index) w.resolve();
      else keep.push(w);
    }
    this.waiting.length = 0;
    this.waiting.push(...keep);
  }

  /** Stopping: everyone waiting goes on (and meets the stopped server). */
  releaseAll(): void {
    for (const w of this.waiting.splice(0)) w.resolve();
  }
}
