import { describe, expect, it } from 'vitest';
import { aggregate, SampleTracker } from '../../src/metrics/sample-stats.js';
import { mulberry32 } from '../support/random.js';

describe('SampleTracker and aggregate', () => {
  it('gives count, sum, extremes, mean, sample stddev and rate per label set', () => {
    const t = new SampleTracker();
    for (const v of [2, 4, 4, 4, 5, 5, 7, 9]) t.observe({ a: '1', b: '2' }, v);
    t.observe({ b: '2', a: '1' }, 0); // the same label set, in another order
    t.observe({ a: 'other' }, 100);
    const [first, second] = t.entries();
    expect(first?.labels).toEqual({ a: '1', b: '2' });
    const g = aggregate(first?.stats ?? { count: 0, sum: 0, min: 0, max: 0, sumSquares: 0 }, 10);
    expect(g).toMatchObject({ Count: 9, Sum: 40, Min: 0, Max: 9, Rate: 4 });
    expect(g.Mean).toBeCloseTo(40 / 9, 12);
    // Sample stddev of 0,2,4,4,4,5,5,7,9.
    const values = [0, 2, 4, 4, 4, 5, 5, 7, 9];
    const m = 40 / 9;
    expect(g.Stddev).toBeCloseTo(Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / 8), 10);
    expect(second?.stats).toMatchObject({ count: 1, min: 100, max: 100 });
  });

  it('matches a direct computation on seeded random values', () => {
    const seed = 19;
    const rnd = mulberry32(seed);
    const values = Array.from({ length: 500 }, () => rnd() * 50);
    const t = new SampleTracker();
    for (const v of values) t.observe({}, v);
    const g = aggregate(t.entries()[0]?.stats ?? { count: 0, sum: 0, min: 0, max: 0, sumSquares: 0 }, 1);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
    expect(g.Min, `seed=${seed}`).toBe(Math.min(...values));
    expect(g.Max, `seed=${seed}`).toBe(Math.max(...values));
    expect(g.Mean, `seed=${seed}`).toBeCloseTo(mean, 9);
    expect(g.Stddev, `seed=${seed}`).toBeCloseTo(sd, 9);
  });

  it('a single value has no spread, and nothing observed is not listed', () => {
    const t = new SampleTracker();
    t.stats({ x: 'unused' });
    expect(t.entries()).toEqual([]);
    t.observe({}, 3);
    expect(
      aggregate(t.entries()[0]?.stats ?? { count: 0, sum: 0, min: 0, max: 0, sumSquares: 0 }, 0),
    ).toEqual({
      Count: 1,
      Rate: 0,
      Sum: 3,
      Min: 3,
      Max: 3,
      Mean: 3,
      Stddev: 0,
    });
  });
});
