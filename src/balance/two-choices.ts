/**
 * Power of two choices: compare two random entries and take the better. Nearly as good as always
 * taking the best, but many clients acting on the same stale scores do not all pile onto one
 * instance, and it needs no sort.
 */

/** Clamped so that a generator straying outside [0,1) (or returning NaN) cannot index out of range. */
function indexFrom(r: number, n: number): number {
  const i = Math.floor(r * n);
  return i >= 0 ? Math.min(i, n - 1) : 0;
}

/**
 * Index of the better (compare < 0 means the first is better) of two distinct random entries of
 * `items`, which must hold at least two. A tie goes to the first draw: that is already a uniform
 * choice between the two, so equal instances share the traffic without a third draw.
 */
export function pickOfTwo<T>(
  items: readonly T[],
  compare: (a: T, b: T) => number,
  random: () => number,
): number {
  const n = items.length;
  const i = indexFrom(random(), n);
  let j = indexFrom(random(), n - 1);
  if (j >= i) j++;
  const c = compare(items[i]!, items[j]!);
  return c > 0 ? j : i;
}

/** Power-of-two-choices pick of the lowest score; score null = unknown (treated as 0 so new instances get tried). */
export function pickTwoChoices<T>(
  items: readonly T[],
  score: (t: T) => number | null,
  random: () => number,
): T | undefined {
  if (items.length < 2) return items[0];
  const known = (t: T): number => {
    const s = score(t);
    return s === null || Number.isNaN(s) ? 0 : s;
  };
  return items[pickOfTwo(items, (a, b) => compareNumbers(known(a), known(b)), random)];
}

function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
