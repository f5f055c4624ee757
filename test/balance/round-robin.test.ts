import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BalancerState, orderCandidates } from '../../src/balance/index.js';
import { cand, firstCounts, ids, mulberry32, seedArb, shuffled } from './support.js';

const idsArb = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 12 });

describe('round_robin', () => {
  it('puts each instance first exactly k times in any window of k*N calls', () => {
    fc.assert(
      fc.property(idsArb, fc.integer({ min: 1, max: 5 }), fc.nat(20), seedArb, (names, k, warmUp, seed) => {
        const random = mulberry32(seed);
        const input = names.map((id) => cand(id));
        const state = new BalancerState();
        // Calls with a different membership first, so the window starts from an arbitrary position.
        const other = [...input, cand('~extra')];
        for (let i = 0; i < warmUp; i++) orderCandidates(state, 'round_robin', 'g', other, { random });
        const counts = firstCounts(k * names.length, () =>
          orderCandidates(state, 'round_robin', 'g', shuffled(input, random), { random }),
        );
        for (const id of names) expect(counts.get(id), `seed=${seed} id=${id}`).toBe(k);
      }),
      { numRuns: 200 },
    );
  });

  it('orders by id and rotates the start by one per call, whatever the input order', () => {
    const state = new BalancerState();
    const random = mulberry32(1);
    const input = ['c', 'a', 'd', 'b'].map((id) => cand(id));
    const seen = Array.from({ length: 5 }, () =>
      ids(orderCandidates(state, 'round_robin', 'g', shuffled(input, random), { random })).join(''),
    );
    expect(seen, 'seed=1').toEqual(['abcd', 'bcda', 'cdab', 'dabc', 'abcd']);
  });

  it('keeps a separate rotation per group', () => {
    const state = new BalancerState();
    const input = ['a', 'b', 'c'].map((id) => cand(id));
    const first = (g: string) => orderCandidates(state, 'round_robin', g, input, { random: () => 0 })[0]!.id;
    expect([first('x'), first('x'), first('y'), first('x'), first('y')]).toEqual(['a', 'b', 'a', 'c', 'b']);
  });
});
