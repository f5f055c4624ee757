import { type Candidate, compareIds } from './candidate.js';
import { pickOfTwo } from './two-choices.js';

/**
 * Power of two choices on reported load. Loads are reported by heartbeats and are stale by the
 * time many clients read them; always taking the least loaded would send all of them to the same
 * instance until its next report. The rest is sorted by load, so failover tries the lightest next.
 */
export function leastLoad<T extends Candidate>(candidates: readonly T[], random: () => number): T[] {
  const sorted = [...candidates].sort((a, b) => compareLoads(a, b) || compareIds(a.id, b.id));
  if (sorted.length < 2) return sorted;
  const w = pickOfTwo(sorted, compareLoads, random);
  return [sorted[w]!, ...sorted.slice(0, w), ...sorted.slice(w + 1)];
}

/**
 * Unknown load sorts after every known one: an instance that has never reported may be
 * overloaded, while a known light one certainly is not.
 */
function compareLoads(a: Candidate, b: Candidate): number {
  const x = loadOf(a);
  const y = loadOf(b);
  if (x === null) return y === null ? 0 : 1;
  if (y === null) return -1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** NaN would compare neither lower nor higher than anything and break the sort, so it counts as unknown. */
function loadOf(c: Candidate): number | null {
  return c.load === null || Number.isNaN(c.load) ? null : c.load;
}
