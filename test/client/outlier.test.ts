import { describe, expect, it } from 'vitest';
import { OutlierDetector } from '../../src/client/index.js';

describe('outlier ejection', () => {
  it('ejects after N failures in a row, for a period that doubles while it keeps failing', () => {
    const o = new OutlierDetector({ consecutiveFailures: 3, baseEjectionMs: 1000, maxEjectionMs: 3000 });
    expect(o.failure('a', 0, 4)).toBe(false);
    expect(o.failure('a', 1, 4)).toBe(false);
    expect(o.failure('a', 2, 4)).toBe(true);
    expect(o.isEjected('a', 500)).toBe(true);
    expect(o.isEjected('a', 1002)).toBe(false);
    // Failures while ejected do not count; back, it fails again: twice as long.
    for (let t = 1002; t < 1005; t++) o.failure('a', t, 4);
    expect(o.isEjected('a', 1004 + 1999)).toBe(true);
    expect(o.isEjected('a', 1004 + 2001)).toBe(false);
    for (let t = 4000; t < 4003; t++) o.failure('a', t, 4);
    // Capped at maxEjectionMs.
    expect(o.isEjected('a', 4002 + 2999)).toBe(true);
    expect(o.isEjected('a', 4002 + 3001)).toBe(false);
  });

  it('a success clears the record: failures must be in a row', () => {
    const o = new OutlierDetector({ consecutiveFailures: 2, baseEjectionMs: 1000 });
    o.failure('a', 0, 4);
    o.success('a');
    expect(o.failure('a', 1, 4)).toBe(false);
    expect(o.failure('a', 2, 4)).toBe(true);
    o.success('a');
    expect(o.isEjected('a', 3)).toBe(false);
  });

  it('never ejects more than the allowed share, nor a lone instance', () => {
    const o = new OutlierDetector({ consecutiveFailures: 1, maxEjectedShare: 0.5 });
    expect(o.failure('a', 0, 4)).toBe(true);
    expect(o.failure('b', 0, 4)).toBe(true);
    expect(o.failure('c', 0, 4)).toBe(false);
    expect(o.ejectedCount(0)).toBe(2);
    const lone = new OutlierDetector({ consecutiveFailures: 1 });
    expect(lone.failure('x', 0, 1)).toBe(false);
    // Two instances: one may go even at a share that rounds down to zero.
    expect(new OutlierDetector({ consecutiveFailures: 1, maxEjectedShare: 0.1 }).failure('x', 0, 2)).toBe(
      true,
    );
  });

  it('forgets departed instances', () => {
    const o = new OutlierDetector({ consecutiveFailures: 1 });
    o.failure('a', 0, 4);
    o.retain(new Set(['b']));
    expect(o.isEjected('a', 1)).toBe(false);
    expect(o.ejectedCount(1)).toBe(0);
  });
});
