export interface RetryBudgetOptions {
  /** Retries allowed per call made (default 0.2: at most one retry per five calls). */
  readonly ratio?: number;
  /** Retries always allowed per second, so a quiet client can still retry (default 10). */
  readonly minPerSecond?: number;
  /** The window calls and retries are counted over (default 10 s). */
  readonly windowMs?: number;
}

const BUCKETS = 10;

interface Bucket {
  start: number;
  calls: number;
  retries: number;
}

/**
 * A retry budget (as Finagle's and gRPC's): retries are allowed while they stay under a share of
 * the calls made in the last window, plus a small floor. When every instance is failing, this
 * is what stops retries from multiplying the load on a service that is already down. Pure:
 * callers pass the time.
 */
export class RetryBudget {
  readonly #ratio: number;
  readonly #reserve: number;
  readonly #windowMs: number;
  readonly #bucketMs: number;
  #buckets: Bucket[] = [];

  constructor(opts: RetryBudgetOptions = {}) {
    this.#ratio = Math.max(0, opts.ratio ?? 0.2);
    this.#windowMs = Math.max(1, opts.windowMs ?? 10_000);
    this.#bucketMs = this.#windowMs / BUCKETS;
    this.#reserve = Math.max(0, opts.minPerSecond ?? 10) * (this.#windowMs / 1000);
  }

  /** A call was made (its first attempt). */
  recordCall(now: number): void {
    this.#bucket(now).calls++;
  }

  /** Takes one retry from the budget if there is one left. */
  tryRetry(now: number): boolean {
    if (this.available(now) < 1) return false;
    this.#bucket(now).retries++;
    return true;
  }

  /** Retries left in the current window. */
  available(now: number): number {
    this.#roll(now);
    let calls = 0;
    let retries = 0;
    for (const b of this.#buckets) {
      calls += b.calls;
      retries += b.retries;
    }
    return this.#reserve + this.#ratio * calls - retries;
  }

  #bucket(now: number): Bucket {
    this.#roll(now);
    const start = Math.floor(now / this.#bucketMs) * this.#bucketMs;
    let last = this.#buckets[this.#buckets.length - 1];
    if (!last || last.start !== start) {
      last = { start, calls: 0, retries: 0 };
      this.#buckets.push(last);
    }
    return last;
  }

  #roll(now: number): void {
    const floor = now - this.#windowMs;
    // A clock that steps back keeps what it has rather than counting the future.
    while (this.#buckets.length > 0 && (this.#buckets[0] as Bucket).start + this.#bucketMs <= floor) {
      this.#buckets.shift();
    }
  }
}
