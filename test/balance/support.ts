import fc from 'fast-check';
import type { Candidate } from '../../src/balance/index.js';

export { mulberry32 } from '../support/random.js';

export function cand(id: string, over: Partial<Omit<Candidate, 'id'>> = {}): Candidate {
  return { id, weight: 1, load: null, priority: 0, ...over };
}

/** Fisher–Yates with the seeded generator: callers may pass instances in any order. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function ids(cs: readonly Candidate[]): string[] {
  return cs.map((c) => c.id);
}

/** Same multiset of objects (by identity), regardless of order. */
export function isPermutationOf<T>(out: readonly T[], input: readonly T[]): boolean {
  if (out.length !== input.length) return false;
  const left = new Map<T, number>();
  for (const x of input) left.set(x, (left.get(x) ?? 0) + 1);
  for (const x of out) {
    const n = left.get(x);
    if (!n) return false;
    left.set(x, n - 1);
  }
  return true;
}

export const seedArb = fc.integer({ min: 0, max: 0xffffffff });

/** Candidates with unique ids and every field varied, including zero weights and unknown loads. */
export const candidatesArb = (minLength = 0, maxLength = 10): fc.Arbitrary<Candidate[]> =>
  fc.uniqueArray(
    fc.record({
      id: fc.string({ minLength: 1, maxLength: 6 }),
      weight: fc.oneof(
        fc.constant(0),
        fc.integer({ min: 1, max: 10 }),
        fc.double({ min: 0, max: 5, noNaN: true }),
      ),
      load: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: null }),
      priority: fc.integer({ min: 0, max: 3 }),
    }),
    { selector: (c) => c.id, minLength, maxLength },
  );

/** How often each id came first over `calls` orderings. */
export function firstCounts(calls: number, order: () => readonly Candidate[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < calls; i++) {
    const first = order()[0];
    if (first) counts.set(first.id, (counts.get(first.id) ?? 0) + 1);
  }
  return counts;
}
