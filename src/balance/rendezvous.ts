import { type Candidate, compareIds, weightOf } from './candidate.js';
import { murmur3 } from './murmur3.js';

const utf8 = new TextEncoder();
// 0xff never occurs in UTF-8, so no two (id, key) pairs can produce the same bytes by moving
// characters from one to the other.
const SEPARATOR = 0xff;
const TWO_POW_32 = 2 ** 32;

interface Scored<T> {
  readonly candidate: T;
  readonly hash: number;
  readonly score: number;
}

/**
 * Rendezvous (highest random weight) hashing: every instance scores the key independently and the
 * highest score wins. An instance leaving only moves the keys it held (each to its own runner-up)
 * and one joining only takes keys, so caches keyed this way stay warm; there is no ring to build.
 *
 * Weighted: the score is -w / ln(u) with u uniform from the hash, which picks each instance with
 * probability w / sum(w). With equal weights this orders exactly as plain rendezvous on u.
 */
export function rendezvous<T extends Candidate>(candidates: readonly T[], key: string): T[] {
  const keyBytes = utf8.encode(key);
  // All weights zero is "no preference", not "nobody": spread the keys evenly instead.
  const anyWeight = candidates.some((c) => weightOf(c) > 0);
  const scored = candidates.map((candidate): Scored<T> => {
    const hash = hashPair(candidate.id, keyBytes);
    const w = anyWeight ? weightOf(candidate) : 1;
    // +0.5 keeps u strictly inside (0, 1): ln(0) and ln(1) would give scores of 0 and infinity.
    const score = w > 0 ? -w / Math.log((hash + 0.5) / TWO_POW_32) : 0;
    return { candidate, hash, score };
  });
  scored.sort(
    (a, b) =>
      descending(a.score, b.score) ||
      descending(a.hash, b.hash) ||
      compareIds(a.candidate.id, b.candidate.id),
  );
  return scored.map((s) => s.candidate);
}

function hashPair(id: string, keyBytes: Uint8Array): number {
  const idBytes = utf8.encode(id);
  const bytes = new Uint8Array(idBytes.length + 1 + keyBytes.length);
  bytes.set(idBytes);
  bytes[idBytes.length] = SEPARATOR;
  bytes.set(keyBytes, idBytes.length + 1);
  return murmur3(bytes);
}

function descending(a: number, b: number): number {
  return a > b ? -1 : a < b ? 1 : 0;
}
