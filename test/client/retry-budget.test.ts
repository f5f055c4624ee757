import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RetryBudget } from '../../src/client/index.js';

describe('retry budget', () => {
  it('allows the floor when idle, then a share of the calls', () => {
    const b = new RetryBudget({ ratio: 0.1, minPerSecond: 1, windowMs: 10_000 });
    let granted = 0;
    while (b.tryRetry(0)) granted++;
    expect(granted).toBe(10);
    for (let i = 0; i < 100; i++) b.recordCall(1);
    granted = 0;
    while (b.tryRetry(2)) granted++;
    expect(granted).toBe(10);
  });

  it('refills as the window slides past old retries', () => {
    const b = new RetryBudget({ ratio: 0, minPerSecond: 1, windowMs: 1000 });
    expect(b.tryRetry(0)).toBe(true);
    expect(b.tryRetry(0)).toBe(false);
    expect(b.tryRetry(500)).toBe(false);
    expect(b.tryRetry(1100)).toBe(true);
  });

  it('never grants more than floor + ratio x calls within a window', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 300 }), call: fc.boolean() }), { maxLength: 300 }),
        (ops) => {
          const W = 1000;
          const B = W / 10;
          const b = new RetryBudget({ ratio: 0.2, minPerSecond: 2, windowMs: W });
          const calls: number[] = [];
          const retries: number[] = [];
          let t = 0;
          for (const op of ops) {
            t += op.dt;
            if (op.call) {
              b.recordCall(t);
              calls.push(t);
              continue;
            }
            if (!b.tryRetry(t)) continue;
            retries.push(t);
            // The budget counts whole buckets (a tenth of the window), so it may look back one bucket further.
            const r = retries.filter((x) => x > t - W).length;
            const c = calls.filter((x) => x > t - W - B).length;
            expect(r).toBeLessThanOrEqual(2 + 0.2 * c + 1e-9);
          }
        },
      ),
    );
  });
});
