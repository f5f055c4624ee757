import type { ServerErrorKind } from '../server/index.js';
import { ServerError } from '../server/index.js';
import type { ApplyFailure } from '../state/index.js';

/** A failure with its HTTP status, answered as plain text (as Consul does). */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** 400 naming the field that is wrong. */
export const badRequest = (field: string, problem: string) => new HttpError(400, `${field}: ${problem}`);
export const notFound = (message: string) => new HttpError(404, message);

/** The one place where server failures become status codes. */
const STATUS_BY_KIND: Readonly<Record<ServerErrorKind, number>> = {
  noLeader: 500,
  notFound: 404,
  invalid: 400,
  // Consul answers a TTL update of a non-TTL check with 500, and clients match on the text.
  notTtl: 500,
  unknownOutcome: 503,
  unavailable: 503,
};

export function toHttpError(e: unknown): HttpError | null {
  if (e instanceof HttpError) return e;
  if (e instanceof ServerError) return new HttpError(STATUS_BY_KIND[e.kind], e.message);
  return null;
}

/** A command the state machine refused. */
export function fromApplyFailure(f: ApplyFailure): HttpError {
  return new HttpError(f.kind === 'notFound' ? 404 : 400, f.message);
}
