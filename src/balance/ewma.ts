/**
 * Exponentially weighted moving average of latency, for least-latency picking.
 *
 * Time-weighted rather than per-sample: a sample's weight grows with the time since the previous
 * one, so the half-life means the same thing however busy the instance is. Samples with the same
 * timestamp therefore add nothing after the first.
 *
 * While no samples arrive the value decays toward 0 with the same half-life. A least-latency
 * picker stops sending to a slow instance, and with a frozen average it would never measure it
 * again even after it recovered; decaying makes it look attractive again after a few half-lives,
 * so it is retried and re-measured (as Finagle's and Tower's peak-EWMA balancers do).
 */
export class Ewma {
  readonly #halfLifeMs: number;
  #value: number | null = null;
  #at = 0;

  constructor(halfLifeMs: number) {
    if (!(Number.isFinite(halfLifeMs) && halfLifeMs > 0)) {
      throw new RangeError(`halfLifeMs must be a positive finite number, got ${halfLifeMs}`);
    }
    this.#halfLifeMs = halfLifeMs;
  }

  observe(valueMs: number, nowMs: number): void {
    if (!(Number.isFinite(valueMs) && valueMs >= 0)) {
      throw new RangeError(`latency must be a non-negative finite number, got ${valueMs}`);
    }
    if (!Number.isFinite(nowMs)) throw new RangeError(`nowMs must be finite, got ${nowMs}`);
    if (this.#value === null) {
      // Starting from 0 would make a new instance look fast until several samples arrived.
      this.#value = valueMs;
    } else {
      const kept = this.#kept(nowMs);
      this.#value = this.#value * kept + valueMs * (1 - kept);
    }
    // A clock that steps back must not make the next read decay from a moment in the future.
    this.#at = Math.max(this.#at, nowMs);
  }

  /** The average as of `nowMs`, or null before the first sample. */
  value(nowMs: number): number | null {
    return this.#value === null ? null : this.#value * this.#kept(nowMs);
  }

  /** The share of the average that survives until `nowMs`; a clock stepping back counts as no time. */
  #kept(nowMs: number): number {
    const elapsed = Math.max(0, nowMs - this.#at);
    return 2 ** (-elapsed / this.#halfLifeMs);
  }
}
