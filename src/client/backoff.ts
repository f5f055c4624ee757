export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
  /** Uniform in [0,1). */
  readonly random: () => number;
}

/**
 * Capped exponential back-off with "equal jitter": each delay is half the step plus a random
 * share of the other half, so retries of many clients spread out but never come back at once
 * with a zero delay.
 */
export class Backoff {
  #attempt = 0;

  constructor(private readonly opts: BackoffOptions) {}

  get attempts(): number {
    return this.#attempt;
  }

  next(): number {
    const step = Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return step / 2 + (step / 2) * clamp01(this.opts.random());
  }

  reset(): void {
    this.#attempt = 0;
  }
}

export function clamp01(r: number): number {
  return Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
}
