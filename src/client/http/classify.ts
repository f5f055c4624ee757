/**
 * What one failed attempt on one server means for the request: whether another server may be
 * tried, and whether the request may have reached this one.
 *
 * - connect      never reached the server (refused, unreachable, connect timeout): always retry
 * - timeout      no answer in time: the request may have been applied; retry if idempotent
 * - io           the connection broke mid-request: as timeout
 * - noLeader     the server has no leader (500 "No cluster leader"): not applied; retry elsewhere
 * - unavailable  503: stopping, behind the leader, or a write of unknown outcome; retry if idempotent
 */
export type FailureKind = 'connect' | 'timeout' | 'io' | 'noLeader' | 'unavailable';

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** An exception thrown by the HTTP library for one attempt (timeouts are detected by the caller). */
export function classifyError(e: unknown): FailureKind {
  const code = errorCode(e);
  return code !== null && CONNECT_CODES.has(code) ? 'connect' : 'io';
}

/** A status that means "try another server"; null when the answer stands. */
export function classifyStatus(status: number, body: string): FailureKind | null {
  if (status === 500 && body.startsWith('No cluster leader')) return 'noLeader';
  if (status === 503) return 'unavailable';
  return null;
}

/** Whether a request may be sent again (to another server) after this failure. */
export function mayRetry(kind: FailureKind, idempotent: boolean): boolean {
  return kind === 'connect' || kind === 'noLeader' || idempotent;
}

export function errorCode(e: unknown): string | null {
  let cur: unknown = e;
  // Node wraps connection errors (AggregateError for several addresses, `cause` chains).
  for (let depth = 0; depth < 4 && typeof cur === 'object' && cur !== null; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const errors = (cur as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) cur = errors[0];
    else cur = (cur as { cause?: unknown }).cause;
  }
  return null;
}
