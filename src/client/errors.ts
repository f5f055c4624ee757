/**
 * Every failure the client reports is a `CairnError` with a stable `code`, so applications can
 * tell them apart without matching on messages.
 *
 * - NO_SERVER         no server could be reached (or none answered usefully) before the deadline
 * - HTTP_STATUS       a server answered with a status the request does not accept (4xx, 5xx)
 * - CLOSED            the client, registration, watch or resolver was closed
 * - NO_ENDPOINTS      a resolved service has no instance to call
 * - CALL_FAILED       `call` gave up: attempts, retry budget or instances exhausted
 * - TIMEOUT           an attempt took longer than its timeout
 * - PARSE             a config value could not be parsed by the requested parser
 * - PROTOCOL          a server sent something the client does not understand
 * - INVALID_ARGUMENT  a bad argument (service name, TTL, ...)
 */
export type CairnErrorCode =
  | 'NO_SERVER'
  | 'HTTP_STATUS'
  | 'CLOSED'
  | 'NO_ENDPOINTS'
  | 'CALL_FAILED'
  | 'TIMEOUT'
  | 'PARSE'
  | 'PROTOCOL'
  | 'INVALID_ARGUMENT';

export class CairnError extends Error {
  constructor(
    readonly code: CairnErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CairnError';
  }
}

/** One server tried during a request, and why it did not do. */
export interface ServerAttempt {
  readonly server: string;
  readonly error: string;
}

export class NoServerError extends CairnError {
  constructor(
    message: string,
    readonly attempts: readonly ServerAttempt[],
    options?: { cause?: unknown },
  ) {
    super('NO_SERVER', message, options);
    this.name = 'NoServerError';
  }
}

export class HttpStatusError extends CairnError {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly server: string,
    readonly method: string,
    readonly path: string,
  ) {
    super('HTTP_STATUS', `${method} ${path} on ${server}: ${status} ${body.slice(0, 300)}`.trim());
    this.name = 'HttpStatusError';
  }
}

export class ClosedError extends CairnError {
  constructor(what: string) {
    super('CLOSED', `${what} is closed`);
    this.name = 'ClosedError';
  }
}

export class NoEndpointsError extends CairnError {
  constructor(readonly service: string) {
    super('NO_ENDPOINTS', `no instance of "${service}" to call`);
    this.name = 'NoEndpointsError';
  }
}

/** Why `call` stopped retrying. */
export type GiveUpReason = 'attempts' | 'budget' | 'instances' | 'not_retryable';

export class CallFailedError extends CairnError {
  constructor(
    readonly service: string,
    readonly reason: GiveUpReason,
    /** Every attempt's error, oldest first; `cause` is the last. */
    readonly errors: readonly unknown[],
  ) {
    const last = errors[errors.length - 1];
    super(
      'CALL_FAILED',
      `call to "${service}" failed after ${errors.length} attempt(s) (${reason}): ${describe(last)}`,
      { cause: last },
    );
    this.name = 'CallFailedError';
  }
}

export class TimeoutError extends CairnError {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super('TIMEOUT', `${what} timed out after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

export class ConfigParseError extends CairnError {
  constructor(
    readonly key: string,
    readonly raw: string,
    problem: string,
  ) {
    super('PARSE', `config ${key}: ${problem}`);
    this.name = 'ConfigParseError';
  }
}

export class ProtocolError extends CairnError {
  constructor(message: string) {
    super('PROTOCOL', message);
    this.name = 'ProtocolError';
  }
}

export class InvalidArgumentError extends CairnError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
    this.name = 'InvalidArgumentError';
  }
}

export function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}
