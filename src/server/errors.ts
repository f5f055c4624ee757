/**
 * Failures the server reports to its callers (the HTTP API, DNS). Each has a
 * stable `code` (SERVER_*), whose status and meaning are in src/errors/catalog.ts.
 *
 * `kind` is the form that travels between servers in forwarding answers (rpc.ts),
 * so it keeps its old spelling; `code` is derived from it.
 *
 * - noLeader        no leader is known, or it cannot be reached now
 * - notFound        the thing named does not exist
 * - invalid         the request cannot be applied as given
 * - notTtl          a TTL update for a check without a TTL (Consul's exact wording matters to clients)
 * - unknownOutcome  a write may or may not have been applied (timeout, leader lost mid-write)
 * - unavailable     the server is stopping or overloaded; retry elsewhere
 */
import { RaftError } from '../raft/index.js';

export type ServerErrorKind =
  | 'noLeader'
  | 'notFound'
  | 'invalid'
  | 'notTtl'
  | 'unknownOutcome'
  | 'unavailable';

const CODE_BY_KIND = {
  noLeader: 'SERVER_NO_LEADER',
  notFound: 'SERVER_NOT_FOUND',
  invalid: 'SERVER_INVALID',
  notTtl: 'SERVER_NOT_TTL',
  unknownOutcome: 'SERVER_UNKNOWN_OUTCOME',
  unavailable: 'SERVER_UNAVAILABLE',
} as const satisfies Record<ServerErrorKind, string>;

export type ServerErrorCode = (typeof CODE_BY_KIND)[ServerErrorKind];
export const SERVER_ERROR_CODES: readonly ServerErrorCode[] = Object.values(CODE_BY_KIND);

export class ServerError extends Error {
  override readonly name = 'ServerError';

  constructor(
    readonly kind: ServerErrorKind,
    message: string,
  ) {
    super(message);
  }

  get code(): ServerErrorCode {
    return CODE_BY_KIND[this.kind];
  }
}

export const noLeader = () => new ServerError('noLeader', 'No cluster leader');

/** Any failure below the server (Raft, the transport, a bug), as the ServerError callers see. */
export function toServerError(e: unknown): ServerError {
  if (e instanceof ServerError) return e;
  if (e instanceof RaftError) {
    switch (e.code) {
      case 'RAFT_NOT_LEADER':
        return noLeader();
      case 'RAFT_READ_TIMEOUT':
        return new ServerError('noLeader', 'No cluster leader (leadership could not be confirmed)');
      case 'RAFT_UNKNOWN_OUTCOME':
        return new ServerError('unknownOutcome', e.message);
      case 'RAFT_BAD_MEMBERSHIP':
        return new ServerError('invalid', e.message);
      default:
        return new ServerError('unavailable', e.message);
    }
  }
  return new ServerError('unavailable', e instanceof Error ? e.message : String(e));
}
