import { type Candidate, compareIds, weightOf } from './candidate.js';
import { murmur3 } from './murmur3.js';

const utf8 = new TextEncoder();
// 0xff never occurs in UTF-8, so no two (id, key) pairs can produce the same bytes by moving
// characters from one to the other.
const SEPARATOR = 0xff;
const TWO_POW_32 = 2 ** 32;

/**
 * Instance ids seen lately, encoded once: a client hashing every call over the same instances
 * would otherwise encode each id again per call. Bounded, since ids come and go.
 */
const idBytesCache = new Map<string, Uint8Array>();
const ID_CACHE_MAX = 10_000;

function idBytes(id: string): Uint8Array {
  let bytes = idBytesCache.get(id);
  if (bytes === undefined) {
    if (idBytesCache.size >= ID_CACHE_MAX) idBytesCache.clear();
    bytes = utf8.encode(id);
    idBytesCache.set(id, bytes);
  }
  return bytes;
}

/** One buffer for all `id ‖ 0xff ‖ key` inputs; grown when a pair does not fit. */
let scratch = new Uint8Array(256);

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
  const n = candidates.length;
  // All weights zero is "no preference", not "nobody": spread the keys evenly instead.
  const anyWeight = candidates.some((c) => weightOf(c) > 0);
  const hashes = new Float64Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const candidate = candidates[i] as T;
    const hash = hashPair(idBytes(candidate.id), keyBytes);
    const w = anyWeight ? weightOf(candidate) : 1;
    hashes[i] = hash;
    // +0.5 keeps u strictly inside (0, 1): ln(0) and ln(1) would give scores of 0 and infinity.
    scores[i] = w > 0 ? -w / Math.log((hash + 0.5) / TWO_POW_32) : 0;
  }
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort(
    (a, b) =>
      descending(scores[a] as number, scores[b] as number) ||
      descending(hashes[a] as number, hashes[b] as number) ||
      compareIds((candidates[a] as T).id, (candidates[b] as T).id),
  );
  return order.map((i) => candidates[i] as T);
}

function hashPair(id: Uint8Array, key: Uint8Array): number {
  const length = id.length + 1 + key.length;
  if (scratch.length < length) scratch = new Uint8Array(Math.max(length, scratch.length * 2));
  scratch.set(id);
  scratch[id.length] = SEPARATOR;
  scratch.set(key, id.length + 1);
  return murmur3(scratch, 0, length);
}

function descending(a: number, b: number): number {
  return a > b ? -1 : a < b ? 1 : 0;
}
