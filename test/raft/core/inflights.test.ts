import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Inflights } from '../../../src/raft/core/index.js';

describe('Inflights', () => {
  it('is full at maxCount messages', () => {
    const f = new Inflights(3, 0);
    f.add(1, 10);
    f.add(2, 10);
    expect(f.full()).toBe(false);
    f.add(5, 10);
    expect(f.full()).toBe(true);
    expect(f.count).toBe(3);
    expect(f.inflightBytes).toBe(30);
  });

  it('is full once the byte budget is reached, even below the count', () => {
    const f = new Inflights(100, 25);
    f.add(1, 10);
    f.add(2, 10);
    expect(f.full()).toBe(false);
    f.add(3, 5);
    expect(f.full()).toBe(true);
  });

  it('maxBytes 0 means no byte limit', () => {
    const f = new Inflights(2, 0);
    f.add(1, 1_000_000_000);
    expect(f.full()).toBe(false);
  });

  it('freeLE releases acknowledged messages in order, with their bytes', () => {
    const f = new Inflights(10, 0);
    f.add(3, 1);
    f.add(6, 2);
    f.add(9, 4);
    f.freeLE(5);
    expect(f.count).toBe(2);
    expect(f.inflightBytes).toBe(6);
    f.freeLE(5); // idempotent
    expect(f.count).toBe(2);
    f.freeLE(100);
    expect(f.count).toBe(0);
    expect(f.inflightBytes).toBe(0);
  });

  it('freeFirstOne lets exactly one more message through', () => {
    const f = new Inflights(2, 0);
    f.add(1, 1);
    f.add(2, 1);
    expect(f.full()).toBe(true);
    f.freeFirstOne();
    expect(f.full()).toBe(false);
    expect(f.count).toBe(1);
    f.freeFirstOne();
    f.freeFirstOne(); // on an empty window: nothing happens
    expect(f.count).toBe(0);
  });

  it('rejects indexes that do not increase', () => {
    const f = new Inflights(5, 0);
    f.add(4, 1);
    expect(() => f.add(4, 1)).toThrow(/not above 4/);
    expect(() => f.add(2, 1)).toThrow(/not above 4/);
    // Once everything is freed, any index may start the window again.
    f.freeLE(4);
    f.add(2, 1);
    expect(f.count).toBe(1);
  });

  it('reset empties the window', () => {
    const f = new Inflights(2, 10);
    f.add(1, 10);
    f.add(2, 10);
    f.reset();
    expect(f.count).toBe(0);
    expect(f.inflightBytes).toBe(0);
    expect(f.full()).toBe(false);
  });

  type Op =
    | { op: 'add'; size: number; gap: number }
    | { op: 'free'; back: number }
    | { op: 'first' }
    | { op: 'reset' };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        op: fc.constant('add' as const),
        size: fc.nat(20),
        gap: fc.integer({ min: 1, max: 3 }),
      }),
    },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('free' as const), back: fc.nat(6) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('first' as const) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('reset' as const) }) },
  );

  // Enough operations to cross the internal compaction threshold (64 freed slots).
  it('agrees with a plain array model (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.nat(60),
        fc.array(opArb, { maxLength: 300 }),
        (maxCount, maxBytes, ops) => {
          const f = new Inflights(maxCount, maxBytes);
          let model: { last: number; size: number }[] = [];
          let last = 0;
          for (const o of ops) {
            if (o.op === 'add') {
              if (model.length >= maxCount) continue; // the leader never adds to a full window
              last += o.gap;
              f.add(last, o.size);
              model.push({ last, size: o.size });
            } else if (o.op === 'free') {
              const upTo = last - o.back;
              f.freeLE(upTo);
              model = model.filter((m) => m.last > upTo);
            } else if (o.op === 'first') {
              f.freeFirstOne();
              model = model.slice(1);
            } else {
              f.reset();
              model = [];
            }
            const bytes = model.reduce((s, m) => s + m.size, 0);
            expect(f.count).toBe(model.length);
            expect(f.inflightBytes).toBe(bytes);
            expect(f.full()).toBe(model.length >= maxCount || (maxBytes > 0 && bytes >= maxBytes));
          }
        },
      ),
    );
  });
});
