import { type ErrorCode, errorText, httpStatus } from '../errors/index.js';
import { ServerError } from '../server/index.js';
import { type ApplyFailure, applyErrorCode } from '../state/index.js';
import { FilterError } from './filter/index.js';

/**
 * A failure answered over HTTP, as plain text (as Consul does). Its status comes from
 * the error catalog by its code, and so does any prefix of its message.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly code: ErrorCode,
    detail: string,
    /** The parameter or body field the error is about; the message starts with it. */
    readonly field?: string,
  ) {
    super(errorText(code, detail, field));
  }

  get status(): number {
    return httpStatus(this.code);
  }
}

/** 400 naming the field that is wrong. */
export const badRequest = (field: string, problem: string) =>
  new HttpError('HTTP_INVALID_FIELD', problem, field);

/** Any error another module raised, as it is answered over HTTP; null for an unexpected one. */
export function toHttpError(e: unknown): HttpError | null {
  if (e instanceof HttpError) return e;
  if (e instanceof ServerError) return new HttpError(e.code, e.message);
  if (e instanceof FilterError) return new HttpError(e.code, e.message);
  return null;
}

/** What the error handler answers for any thrown error: its status, text and code. */
export function answerFor(e: unknown, bodyLimit: number): { status: number; code: ErrorCode; text: string } {
  const known = toHttpError(e);
  if (known) return { status: known.status, code: known.code, text: known.message };
  const f = e as { statusCode?: unknown; code?: unknown; message?: unknown };
  const message = typeof f.message === 'string' ? f.message : String(e);
  if (f.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const code = 'HTTP_BODY_TOO_LARGE';
    return { status: httpStatus(code), code, text: `Request body too large: more than ${bodyLimit} bytes` };
  }
  // fastify's own refusals before routing (a malformed URL or Content-Length) keep its 4xx.
  if (typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
    return { status: f.statusCode, code: 'HTTP_MALFORMED_REQUEST', text: message };
  }
  return { status: httpStatus('HTTP_INTERNAL'), code: 'HTTP_INTERNAL', text: `Internal error: ${message}` };
}

/** A command the state machine refused. */
export function fromApplyFailure(f: ApplyFailure): HttpError {
  return new HttpError(applyErrorCode(f), f.message);
}
