/** Figures in the JSON lines carry `d` decimals: more would be noise on a shared machine. */
export const round = (n: number, d = 2): number => Number(n.toFixed(d));

/** The sum, or null when any part is unknown: a partial total would read as a real (too small) figure. */
export const sumIfAllKnown = (xs: readonly (number | null)[]): number | null =>
  xs.reduce<number | null>((a, x) => (a === null || x === null ? null : a + x), 0);

/** Quantile `p` of ascending `sorted` values (nearest rank below), in ms to two decimals; null for none. */
export const quantile = (sorted: ArrayLike<number>, p: number): number | null =>
  sorted.length === 0
    ? null
    : round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number);
