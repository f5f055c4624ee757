import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BalancerState, type Candidate, orderCandidates } from '../../src/balance/index.js';
import { cand, candidatesArb, firstCounts, ids, isPermutationOf, mulberry32, seedArb } from './support.js';

const state = new BalancerState();
const order = (cs: readonly Candidate[], random: () => number) =>
  orderCandidates(state, 'least_load', 'g', cs, { random });

/** Known loads ascending, unknown after them. */
function loadsAscending(cs: readonly Candidate[]): boolean {
  const rank = (c: Candidate) => (c.load === null ? Number.POSITIVE_INFINITY : c.load);
  return cs.every((c, i) => i === 0 || rank(cs[i - 1]!) <= rank(c));
}

describe('least_load (power of two choices)', () => {
  it('puts the lightest instance first more often than the heaviest, which never wins', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 2, maxLength: 10 }),
        seedArb,
        (loads, seed) => {
          const random = mulberry32(seed);
          const input = loads.map((load, i) => cand(`i${i}`, { load }));
          const lightest = input.reduce((a, b) => (b.load! < a.load! ? b : a));
          const heaviest = input.reduce((a, b) => (b.load! > a.load! ? b : a));
          const counts = firstCounts(1000, () => order(input, random));
          const msg = `seed=${seed} loads=${loads}`;
          expect(counts.get(lightest.id) ?? 0, msg).toBeGreaterThan(counts.get(heaviest.id) ?? 0);
          expect(counts.get(heaviest.id) ?? 0, msg).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('returns a permutation whose tail is sorted by load, unknown last', () => {
    fc.assert(
      fc.property(candidatesArb(0, 10), seedArb, (input, seed) => {
        const random = mulberry32(seed);
        const out = order(input, random);
        expect(isPermutationOf(out, input), `seed=${seed}`).toBe(true);
        expect(loadsAscending(out.slice(1)), `seed=${seed} ${JSON.stringify(out)}`).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the lightest of N about 2/N of first picks', () => {
    const seed = 11;
    const random = mulberry32(seed);
    const input = [10, 20, 30, 40].map((load, i) => cand(`i${i}`, { load }));
    const counts = firstCounts(10_000, () => order(input, random));
    expect((counts.get('i0') ?? 0) / 10_000, `seed=${seed}`).toBeCloseTo(0.5, 1);
    expect((counts.get('i2') ?? 0) / 10_000, `seed=${seed}`).toBeCloseTo(1 / 6, 1);
  });

  it('counts an unknown load as worse than any known one', () => {
    const random = mulberry32(5);
    const input = [cand('unknown', { load: null }), cand('busy', { load: 1e9 })];
    const counts = firstCounts(200, () => order(input, random));
    expect(counts.get('busy'), 'seed=5').toBe(200);
    const nan = [cand('x', { load: Number.NaN }), cand('y', { load: 3 })];
    for (let i = 0; i < 50; i++) expect(ids(order(nan, random)), 'seed=5').toEqual(['y', 'x']);
  });

  it('settles ties with a coin flip so equal instances share', () => {
    const seed = 9;
    const random = mulberry32(seed);
    for (const load of [7, null]) {
      const input = [cand('a', { load }), cand('b', { load })];
      const counts = firstCounts(2000, () => order(input, random));
      expect(counts.get('a') ?? 0, `seed=${seed} load=${load}`).toBeGreaterThan(850);
      expect(counts.get('b') ?? 0, `seed=${seed} load=${load}`).toBeGreaterThan(850);
    }
  });

  it('survives a generator that strays outside [0,1)', () => {
    const input = [cand('a', { load: 1 }), cand('b', { load: 2 }), cand('c', { load: 3 })];
    for (const r of [1, 1.5, -0.1, Number.NaN]) {
      const out = order(input, () => r);
      expect(isPermutationOf(out, input), `random=${r}`).toBe(true);
    }
  });
});
