import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BalancerState, type Candidate, orderCandidates } from '../../src/balance/index.js';
import { cand, firstCounts, ids, mulberry32, seedArb, shuffled } from './support.js';

const weightsArb = fc
  .array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 8 })
  .filter((ws) => ws.some((w) => w > 0));

describe('weighted (smooth weighted round robin)', () => {
  it('gives first picks in proportion to weight, within 1%', () => {
    fc.assert(
      fc.property(weightsArb, seedArb, (weights, seed) => {
        const random = mulberry32(seed);
        const input = weights.map((w, i) => cand(`i${i}`, { weight: w }));
        const sum = weights.reduce((a, b) => a + b, 0);
        const calls = 100 * sum;
        const state = new BalancerState();
        const counts = firstCounts(calls, () =>
          orderCandidates(state, 'weighted', 'g', shuffled(input, random), { random }),
        );
        input.forEach((c) => {
          const share = (counts.get(c.id) ?? 0) / calls;
          expect(
            Math.abs(share - c.weight / sum),
            `seed=${seed} weights=${weights} ${c.id}`,
          ).toBeLessThanOrEqual(0.01);
          if (c.weight === 0) expect(counts.get(c.id), `seed=${seed}`).toBeUndefined();
        });
      }),
      { numRuns: 60 },
    );
  });

  it('interleaves picks as nginx does (5:1:1 gives a a b a c a a)', () => {
    const state = new BalancerState();
    const input = [cand('a', { weight: 5 }), cand('b', { weight: 1 }), cand('c', { weight: 1 })];
    const picks = Array.from(
      { length: 14 },
      () => orderCandidates(state, 'weighted', 'g', input, { random: () => 0 })[0]!.id,
    );
    expect(picks.join('')).toBe('aabacaa'.repeat(2));
  });

  it('is proportional for fractional weights too', () => {
    const input = [cand('a', { weight: 0.5 }), cand('b', { weight: 1.25 }), cand('c', { weight: 2.25 })];
    const state = new BalancerState();
    const counts = firstCounts(8000, () =>
      orderCandidates(state, 'weighted', 'g', input, { random: () => 0 }),
    );
    expect((counts.get('a') ?? 0) / 8000).toBeCloseTo(0.125, 2);
    expect((counts.get('b') ?? 0) / 8000).toBeCloseTo(0.3125, 2);
    expect((counts.get('c') ?? 0) / 8000).toBeCloseTo(0.5625, 2);
  });

  it('orders the rest by weight descending, ties by id', () => {
    const input = [
      cand('d', { weight: 1 }),
      cand('a', { weight: 2 }),
      cand('c', { weight: 9 }),
      cand('b', { weight: 2 }),
      cand('e', { weight: 0 }),
    ];
    const out = ids(orderCandidates(new BalancerState(), 'weighted', 'g', input, { random: () => 0 }));
    expect(out).toEqual(['c', 'a', 'b', 'd', 'e']);
  });

  it('never picks a zero or invalid weight first while a positive one exists', () => {
    const input: Candidate[] = [
      cand('z', { weight: 0 }),
      cand('n', { weight: Number.NaN }),
      cand('m', { weight: -3 }),
      cand('i', { weight: Number.POSITIVE_INFINITY }),
      cand('p', { weight: 0.01 }),
    ];
    const state = new BalancerState();
    const counts = firstCounts(500, () =>
      orderCandidates(state, 'weighted', 'g', input, { random: () => 0 }),
    );
    expect([...counts.keys()]).toEqual(['p']);
  });

  it('behaves like round robin when every weight is 0', () => {
    const state = new BalancerState();
    const random = mulberry32(3);
    const input = ['c', 'a', 'b'].map((id) => cand(id, { weight: 0 }));
    const firsts = Array.from(
      { length: 6 },
      () => orderCandidates(state, 'weighted', 'g', shuffled(input, random), { random })[0]!.id,
    );
    expect(firsts.join(''), 'seed=3').toBe('abcabc');
  });

  it('keeps its proportions when an instance leaves and rejoins', () => {
    const a = cand('a', { weight: 3 });
    const b = cand('b', { weight: 1 });
    const c = cand('c', { weight: 1 });
    const state = new BalancerState();
    const order = (cs: Candidate[]) => orderCandidates(state, 'weighted', 'g', cs, { random: () => 0 });
    for (let i = 0; i < 7; i++) order([a, b, c]);
    for (let i = 0; i < 3; i++) order([a, b]);
    const counts = firstCounts(5000, () => order([a, b, c]));
    expect((counts.get('a') ?? 0) / 5000).toBeCloseTo(0.6, 2);
    expect((counts.get('c') ?? 0) / 5000).toBeCloseTo(0.2, 2);
  });
});
