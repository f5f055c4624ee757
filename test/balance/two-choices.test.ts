import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pickTwoChoices } from '../../src/balance/index.js';
import { mulberry32, seedArb } from './support.js';

interface Item {
  readonly name: string;
  readonly ms: number | null;
}
const score = (i: Item) => i.ms;

describe('pickTwoChoices', () => {
  it('returns undefined for none and the only item for one', () => {
    expect(pickTwoChoices([], score, () => 0)).toBeUndefined();
    const only = { name: 'a', ms: 5 };
    expect(pickTwoChoices([only], score, () => 0)).toBe(only);
  });

  it('always picks an item, never the worst of distinct scores, the best more often', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { minLength: 2, maxLength: 10 }),
        seedArb,
        (scores, seed) => {
          const random = mulberry32(seed);
          const items = scores.map((ms, i) => ({ name: `i${i}`, ms }));
          const best = items.reduce((a, b) => (b.ms < a.ms ? b : a));
          const worst = items.reduce((a, b) => (b.ms > a.ms ? b : a));
          let bestCount = 0;
          let worstCount = 0;
          let strays = 0;
          for (let i = 0; i < 500; i++) {
            const pick = pickTwoChoices(items, score, random);
            if (pick === best) bestCount++;
            if (pick === worst) worstCount++;
            if (pick === undefined || !items.includes(pick)) strays++;
          }
          expect(strays, `seed=${seed}`).toBe(0);
          expect(worstCount, `seed=${seed}`).toBe(0);
          expect(bestCount, `seed=${seed}`).toBeGreaterThan(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('compares two distinct items even when the generator repeats itself', () => {
    const slow = { name: 'slow', ms: 900 };
    const fast = { name: 'fast', ms: 1 };
    expect(pickTwoChoices([slow, fast], score, () => 0)).toBe(fast);
    expect(pickTwoChoices([fast, slow], score, () => 0.999)).toBe(fast);
  });

  it('treats an unknown score as 0 so a new instance gets tried', () => {
    const fresh = { name: 'fresh', ms: null };
    const known = { name: 'known', ms: 3 };
    const random = mulberry32(4);
    for (let i = 0; i < 50; i++) expect(pickTwoChoices([known, fresh], score, random), 'seed=4').toBe(fresh);
    const zero = { name: 'zero', ms: 0 };
    const picks = new Set(
      Array.from({ length: 100 }, () => pickTwoChoices([zero, fresh], score, random)!.name),
    );
    expect([...picks].sort(), 'seed=4').toEqual(['fresh', 'zero']);
  });
});
