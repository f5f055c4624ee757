/**
 * Capped exponential backoff with jitter, so that servers which lost the
 * same peer at the same moment do not all knock on it in lockstep.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt: the doubled (capped) step, jittered into [step/2, step]. */
  next(): number {
    const step = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    if (step < this.maxMs) this.attempt++;
    return step / 2 + (this.random() * step) / 2;
  }

  reset(): void {
    this.attempt = 0;
  }
}
