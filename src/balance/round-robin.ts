import { type Candidate, sortById } from './candidate.js';
import type { Cursor } from './state.js';

/**
 * The id-sorted ring, rotated one further on each call. The failover order continues around the
 * ring, so when the pick fails its retries spread the same way the picks do.
 */
export function roundRobin<T extends Candidate>(cursor: Cursor, candidates: readonly T[]): T[] {
  const ring = sortById(candidates);
  const n = ring.length;
  if (n === 0) return ring;
  // Kept below n rather than counting up forever, so it never loses precision; when membership
  // changes the rotation just carries on from a valid position.
  const start = cursor.rotation % n;
  cursor.rotation = (start + 1) % n;
  return [...ring.slice(start), ...ring.slice(0, start)];
}
