import type { FastifyRequest } from 'fastify';
import type { Consistency } from '../server/index.js';
import { parseDuration } from '../state/index.js';
import { badRequest, HttpError } from './errors.js';

export type Query = Record<string, string | string[] | undefined>;

export function query(req: FastifyRequest): Query {
  return req.query as Query;
}

/** The first value of a query parameter. */
export function param(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

export function params(q: Query, name: string): string[] {
  const v = q[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** Consul's boolean flags count by presence: `?recurse=false` still recurses. */
export function flag(q: Query, name: string): boolean {
  return q[name] !== undefined;
}

/** The few flags Consul parses as booleans (`passing`, `enable`, `replace-existing-checks`). */
export function boolParam(q: Query, name: string): boolean {
  const v = param(q, name);
  if (v === undefined) return false;
  if (v === '' || /^(1|t|true)$/i.test(v)) return true;
  if (/^(0|f|false)$/i.test(v)) return false;
  throw badRequest(name, `"${v}" is not a boolean`);
}

export function consistency(q: Query): Consistency {
  let stale = flag(q, 'stale');
  const consistent = flag(q, 'consistent');
  // As Consul: an empty max_stale is ignored, and a positive one asks for a stale read.
  const maxStale = param(q, 'max_stale');
  if (maxStale !== undefined && maxStale !== '') {
    const ms = parseDuration(maxStale);
    if (ms === null) throw badRequest('max_stale', `"${maxStale}" is not a duration`);
    if (ms > 0) stale = true;
  }
  if (stale && consistent) {
    throw new HttpError(
      'HTTP_CONFLICTING_PARAMS',
      'Cannot specify ?stale with ?consistent, conflicting semantics.',
    );
  }
  if (consistent) return 'consistent';
  return stale ? 'stale' : 'default';
}

const DEFAULT_WAIT_MS = 5 * 60_000;
const MAX_WAIT_MS = 10 * 60_000;

export interface Blocking {
  /** Wait for an index above this one; 0 = answer at once. */
  readonly minIndex: number;
  readonly waitMs: number;
}

export function blocking(q: Query): Blocking {
  const rawIndex = param(q, 'index');
  let minIndex = 0;
  if (rawIndex !== undefined && rawIndex !== '') {
    if (!/^\d+$/.test(rawIndex) || !Number.isSafeInteger(Number(rawIndex))) {
      throw new HttpError('HTTP_INVALID_INDEX', 'Invalid index');
    }
    minIndex = Number(rawIndex);
  }
  let waitMs = DEFAULT_WAIT_MS;
  const rawWait = param(q, 'wait');
  if (rawWait !== undefined && rawWait !== '') {
    const ms = parseDuration(rawWait);
    if (ms === null || ms < 0) throw new HttpError('HTTP_INVALID_WAIT', 'Invalid wait time');
    // As Consul: a zero wait means the default wait, not "answer at once".
    if (ms > 0) waitMs = Math.min(ms, MAX_WAIT_MS);
  }
  return { minIndex, waitMs };
}

/** A non-negative integer query parameter, or `fallback`. */
export function intParam(q: Query, name: string, fallback: number): number {
  const v = param(q, name);
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw badRequest(name, `"${v}" is not a non-negative integer`);
  }
  return Number(v);
}

/** `node-meta=key:value`, repeatable, all must match. */
export function nodeMeta(q: Query): [string, string][] {
  return params(q, 'node-meta').map((kv) => {
    const i = kv.indexOf(':');
    if (i <= 0) throw badRequest('node-meta', `"${kv}" is not key:value`);
    return [kv.slice(0, i), kv.slice(i + 1)];
  });
}

/** Whether a node's Meta has every `node-meta` pair (no pairs: every node does). */
export function nodeMetaMatches(
  pairs: readonly (readonly [string, string])[],
  meta: Readonly<Record<string, string>> | undefined,
): boolean {
  return pairs.every(([k, v]) => meta?.[k] === v);
}

/** Path remainder after a wildcard route (`*`), decoded by fastify. */
export function rest(req: FastifyRequest, what: string): string {
  const v = (req.params as Record<string, string>)['*'] ?? '';
  if (v === '') throw new HttpError('HTTP_MISSING_PARAM', `Missing ${what}`);
  return v;
}
