import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BalancerState,
  type Candidate,
  isStrategyName,
  orderCandidates,
  STRATEGIES,
  type StrategyName,
} from '../../src/balance/index.js';
import { cand, candidatesArb, isPermutationOf, mulberry32, seedArb } from './support.js';

describe('strategy names', () => {
  it('lists the five strategies and recognises exactly those', () => {
    expect([...STRATEGIES].sort()).toEqual(['hash', 'least_load', 'priority', 'round_robin', 'weighted']);
    for (const s of STRATEGIES) expect(isStrategyName(s)).toBe(true);
    for (const s of ['', 'random', 'ROUND_ROBIN', 'round-robin', 'constructor', 'toString']) {
      expect(isStrategyName(s), s).toBe(false);
    }
  });

  it('cannot be altered by a caller', () => {
    expect(Object.isFrozen(STRATEGIES)).toBe(true);
  });
});

describe('orderCandidates', () => {
  it('every strategy returns a permutation (priority: exactly the lowest group) and never mutates input', () => {
    fc.assert(
      fc.property(
        candidatesArb(0, 10),
        fc.constantFrom(...STRATEGIES),
        fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
        seedArb,
        (raw, strategy, key, seed) => {
          const input = Object.freeze(raw.map((c) => Object.freeze({ ...c })));
          const before = JSON.stringify(input);
          const state = new BalancerState();
          const random = mulberry32(seed);
          for (let call = 0; call < 4; call++) {
            const out = orderCandidates(state, strategy, 'svc', input, { key, random });
            expect(out).not.toBe(input);
            if (strategy === 'priority') {
              const min = Math.min(...input.map((c) => c.priority));
              const group = input.filter((c) => c.priority === min);
              expect(isPermutationOf(out, group), `seed=${seed}`).toBe(true);
            } else {
              expect(isPermutationOf(out, input), `seed=${seed}`).toBe(true);
            }
          }
          expect(JSON.stringify(input)).toBe(before);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('returns an empty array for no candidates without remembering the group', () => {
    const state = new BalancerState();
    for (const s of STRATEGIES) {
      expect(orderCandidates(state, s, `g-${s}`, [], { key: 'k', random: () => 0.5 })).toEqual([]);
    }
    expect(state.size).toBe(0);
  });

  it('hands back the caller’s own objects, extra fields and all', () => {
    const input = [
      { ...cand('a'), address: '10.0.0.1' },
      { ...cand('b'), address: '10.0.0.2' },
    ];
    const out = orderCandidates(new BalancerState(), 'weighted', 'svc', input, { random: () => 0 });
    expect(out.map((c) => c.address).sort()).toEqual(['10.0.0.1', '10.0.0.2']);
    for (const c of out) expect(input).toContain(c);
  });

  it('rejects a strategy name that slipped past the type system', () => {
    const bogus = 'random' as string as StrategyName;
    expect(() =>
      orderCandidates(new BalancerState(), bogus, 'svc', [cand('a')], { random: () => 0 }),
    ).toThrow(RangeError);
  });

  it('uses the injected random and nothing else: same seed, same answers', () => {
    const input: Candidate[] = ['a', 'b', 'c', 'd', 'e'].map((id, i) => cand(id, { load: i % 2, weight: i }));
    const run = (seed: number): string[] => {
      const state = new BalancerState();
      const random = mulberry32(seed);
      const out: string[] = [];
      for (let i = 0; i < 50; i++) {
        for (const s of STRATEGIES) {
          out.push(
            orderCandidates(state, s, 'svc', input, { key: `k${i}`, random })
              .map((c) => c.id)
              .join(''),
          );
        }
      }
      return out;
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });
});
