/**
 * What one failed attempt on one server means for the request: whether another server may be
 * tried, and whether the request may have reached this one.
 *
 * - connect      never reached the server (refused, unreachable, connect timeout): always retry
 * - timeout      no answer in time: the request may have been applied; retry if idempotent
 * - io           the connection broke mid-request: as timeout
 * - noLeader     the server has no leader (500 "No cluster leader"): not applied; retry elsewhere
 * - unavailable  503: stopping, behind the leader, or a write of unknown outcome; retry if idempotent
 * - tls          the TLS handshake failed (certificate not trusted, client certificate refused, not
 *                TLS at all): nothing was processed; another server may be tried, but a request
 *                whose every server fails so gives up at once, as waiting will not mend a certificate
 */
export type FailureKind = 'connect' | 'timeout' | 'io' | 'noLeader' | 'unavailable' | 'tls';

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
  if (isTlsError(e)) return 'tls';
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
  return kind === 'connect' || kind === 'noLeader' || kind === 'tls' || idempotent;
}

/** OpenSSL's and Node's TLS codes: certificate checks, alerts from the peer, handshake failures. */
const TLS_CODE =
  /^(?:ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|INVALID_CA|EPROTO$)/;

/** Whether a connection failed in its TLS handshake. */
export function isTlsError(e: unknown): boolean {
  const code = errorCode(e);
  if (code !== null && TLS_CODE.test(code)) return true;
  // A server that hangs up mid-handshake (it wanted a client certificate) leaves only this message.
  return /before secure TLS connection was established/.test(messageChain(e));
}

/** An attempt's error for messages: TLS failures say so, as OpenSSL's words often do not. */
export function describeFailure(e: unknown, described: string): string {
  if (!isTlsError(e)) return described;
  // OpenSSL's "8090...:error:0A00045C:SSL routines:ssl3_read_bytes:<reason>:../deps/...:SSL alert number 116".
  return `TLS: ${described.replace(/[0-9A-F]+:error:[0-9A-F]+:SSL routines:[^:]*:([^:]+):.*$/, '$1')}`;
}

function messageChain(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; depth < 4 && cur instanceof Error; depth++) {
    parts.push(cur.message);
    cur = cur.cause;
  }
  return parts.join(' | ');
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
