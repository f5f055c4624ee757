import { type Candidate, compareIds, sortById, weightOf } from './candidate.js';
import { roundRobin } from './round-robin.js';
import type { Cursor } from './state.js';

/**
 * nginx's smooth weighted round robin: each call every instance's current weight grows by its
 * weight, the largest wins and gives back the total. Picks are exactly proportional over every
 * cycle of sum-of-weights calls and interleaved (5:1:1 gives a a b a c a a, not a a a a a b c), so
 * a heavy instance never receives a burst. The rest is ordered by weight for failover.
 */
export function smoothWeighted<T extends Candidate>(cursor: Cursor, candidates: readonly T[]): T[] {
  const sorted = sortById(candidates);
  forgetAbsent(cursor.current, sorted);
  let total = 0;
  let best = -1;
  let bestCurrent = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < sorted.length; i++) {
    const c = sorted[i]!;
    const w = weightOf(c);
    // Weight 0 must never win, and it would if every other current weight were negative.
    if (w === 0) continue;
    const current = (cursor.current.get(c.id) ?? 0) + w;
    cursor.current.set(c.id, current);
    total += w;
    // Strictly greater: ties go to the smallest id, as nginx gives them to the first peer.
    if (current > bestCurrent) {
      best = i;
      bestCurrent = current;
    }
  }
  if (best < 0) return roundRobin(cursor, candidates);
  const pick = sorted[best]!;
  cursor.current.set(pick.id, bestCurrent - total);
  const rest = sorted.filter((_, i) => i !== best);
  rest.sort((a, b) => weightOf(b) - weightOf(a) || compareIds(a.id, b.id));
  return [pick, ...rest];
}

/** Instances come and go; remembering the departed would grow the map without bound. */
function forgetAbsent(current: Map<string, number>, present: readonly Candidate[]): void {
  if (current.size === 0) return;
  const ids = new Set(present.map((c) => c.id));
  for (const id of current.keys()) if (!ids.has(id)) current.delete(id);
}
