import { describe, expect, it } from 'vitest';
import { SourceRateLimiter } from '../../src/dns/index.js';
import { mulberry32 } from '../support/random.js';

const SEED = Number(process.env.DNS_RATE_SEED ?? 20261202);

describe('SourceRateLimiter', () => {
  it('allows `rate` queries at once per source, then none until time passes', () => {
    const r = new SourceRateLimiter(5);
    const t = 1_000_000;
    const a = Array.from({ length: 8 }, () => r.allow('10.0.0.1', t));
    expect(a).toEqual([true, true, true, true, true, false, false, false]);
    // Another source has its own bucket.
    expect(r.allow('10.0.0.2', t)).toBe(true);
    // 200 ms at 5/s refills one query.
    expect([r.allow('10.0.0.1', t + 200), r.allow('10.0.0.1', t + 200)]).toEqual([true, false]);
    // A long pause refills to the burst (one second's worth), no more.
    const later = Array.from({ length: 7 }, () => r.allow('10.0.0.1', t + 60_000));
    expect(later.filter(Boolean)).toHaveLength(5);
  });

  it('a clock that goes backwards takes nothing extra', () => {
    const r = new SourceRateLimiter(2);
    expect([r.allow('a', 5_000), r.allow('a', 5_000), r.allow('a', 4_000)]).toEqual([true, true, false]);
  });

  it(`over any span, a source gets at most rate × seconds + rate (seed ${SEED})`, () => {
    const random = mulberry32(SEED);
    for (let run = 0; run < 20; run++) {
      const rate = 1 + Math.floor(random() * 50);
      const r = new SourceRateLimiter(rate);
      let t = 0;
      let allowed = 0;
      for (let i = 0; i < 2_000; i++) {
        t += Math.floor(random() * 30);
        if (r.allow('s', t)) allowed++;
      }
      expect(allowed, `seed ${SEED} run ${run} rate ${rate}`).toBeLessThanOrEqual(
        Math.floor((rate * t) / 1000) + rate,
      );
      expect(allowed, `seed ${SEED} run ${run} rate ${rate}`).toBeGreaterThan(0);
    }
  });

  it('memory stays bounded under many sources (spoofed UDP): refilled buckets go first, else the oldest', () => {
    const r = new SourceRateLimiter(10, 100);
    for (let i = 0; i < 1_000; i++) r.allow(`10.1.${i >> 8}.${i & 255}`, 0);
    expect(r.size).toBeLessThanOrEqual(100);
    // After a second every bucket is full again: all forgotten at the next new source.
    r.allow('192.0.2.1', 1_000);
    expect(r.size).toBe(1);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new SourceRateLimiter(0)).toThrow(RangeError);
    expect(() => new SourceRateLimiter(Number.NaN)).toThrow(RangeError);
  });
});
