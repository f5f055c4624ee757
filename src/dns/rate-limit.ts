/**
 * Per-source query rate limit: a token bucket per address, refilled at `rate` tokens a second up
 * to `rate` (one second's worth of burst). Pure: the caller passes the clock.
 */
export class SourceRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /**
   * @param rate queries per second per source (> 0).
   * @param maxSources buckets kept at most: spoofed UDP sources must not grow memory without bound.
   */
  constructor(
    private readonly rate: number,
    private readonly maxSources = 65_536,
  ) {
    if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate ${rate} is not a positive number`);
  }

  /** Takes one token for `source` at `nowMs`; false if its bucket is empty (the query is over the limit). */
  allow(source: string, nowMs: number): boolean {
    let b = this.buckets.get(source);
    if (b === undefined) {
      if (this.buckets.size >= this.maxSources) this.evict(nowMs);
      b = { tokens: this.rate, at: nowMs };
      this.buckets.set(source, b);
    } else if (nowMs > b.at) {
      b.tokens = Math.min(this.rate, b.tokens + ((nowMs - b.at) / 1000) * this.rate);
      b.at = nowMs;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Buckets held (for tests). */
  get size(): number {
    return this.buckets.size;
  }

  /**
   * Drops buckets that have refilled (forgetting them changes nothing); if none has, the oldest
   * tenth. Forgetting a busy source only gives it a fresh second's worth: the limit fails open
   * for it rather than shutting out sources not yet seen.
   */
  private evict(nowMs: number): void {
    const refill = 1000;
    for (const [source, b] of this.buckets) {
      if (nowMs - b.at >= refill) this.buckets.delete(source);
    }
    if (this.buckets.size < this.maxSources) return;
    let drop = Math.max(1, Math.floor(this.maxSources / 10));
    for (const source of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(source);
    }
  }
}
