/**
 * Failures the server reports to its callers (the HTTP API, DNS). Each kind
 * maps to one status code, in src/http/errors.ts.
 *
 * - noLeader        no leader is known, or it cannot be reached now
 * - notFound        the thing named does not exist
 * - invalid         the request cannot be applied as given
 * - notTtl          a TTL update for a check without a TTL (Consul's exact wording matters to clients)
 * - unknownOutcome  a write may or may not have been applied (timeout, leader lost mid-write)
 * - unavailable     the server is stopping or overloaded; retry elsewhere
 */
export type ServerErrorKind =
  | 'noLeader'
  | 'notFound'
  | 'invalid'
  | 'notTtl'
  | 'unknownOutcome'
  | 'unavailable';

export class ServerError extends Error {
  override readonly name = 'ServerError';

  constructor(
    readonly kind: ServerErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export const noLeader = () => new ServerError('noLeader', 'No cluster leader');
