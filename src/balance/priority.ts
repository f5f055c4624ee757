import type { Candidate } from './candidate.js';

/**
 * The candidates of the most preferred priority present. The input holds only healthy instances,
 * so backups are served exactly when no primary is healthy, and primaries take over again as soon
 * as one is back.
 */
export function lowestPriorityGroup<T extends Candidate>(candidates: readonly T[]): T[] {
  let best = Number.POSITIVE_INFINITY;
  for (const c of candidates) best = Math.min(best, priorityOf(c));
  return candidates.filter((c) => priorityOf(c) === best);
}

/** NaN equals nothing, not even itself; counting it as the least preferred keeps the filter total. */
function priorityOf(c: Candidate): number {
  return Number.isNaN(c.priority) ? Number.POSITIVE_INFINITY : c.priority;
}
