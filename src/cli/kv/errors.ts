import type { CliErrorCode } from '../errors.js';

/**
 * Failures of `cairn kv` that are not usage mistakes (those are UsageError,
 * exit 2). Each carries its exit status; src/cli/main.ts prints the message
 * as one line after "cairn: " and exits with it.
 */
export abstract class CliFailure extends Error {
  abstract readonly exitCode: number;
  abstract readonly code: CliErrorCode;
}

/** A key, version or prefix that does not exist: exit 1. */
export class NotFoundError extends CliFailure {
  override readonly name = 'NotFoundError';
  readonly code = 'CLI_NOT_FOUND' satisfies CliErrorCode;
  readonly exitCode = 1;
}

/** A check-and-set the server answered `false`: exit 1. */
export class CasFailedError extends CliFailure {
  override readonly name = 'CasFailedError';
  readonly code = 'CLI_CAS_FAILED' satisfies CliErrorCode;
  readonly exitCode = 1;
}

/** The server answered, but refused (4xx other than 404, 5xx): exit 1. */
export class ServerError extends CliFailure {
  override readonly name = 'ServerError';
  readonly code = 'CLI_SERVER_REFUSED' satisfies CliErrorCode;
  readonly exitCode = 1;

  constructor(
    readonly status: number,
    text: string,
  ) {
    super(`server answered ${status}${text === '' ? '' : `: ${text}`}`);
  }
}

/** No answer from the server (refused, unresolvable, timed out, not speaking HTTP or our JSON): exit 2. */
export class ConnectionError extends CliFailure {
  override readonly name = 'ConnectionError';
  readonly code = 'CLI_CONNECTION' satisfies CliErrorCode;
  readonly exitCode = 2;
}

/** Collapses whitespace (line breaks included) so a message stays on one line. */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** A write the server answered `false` without a CAS to blame: exit 1. */
export class RefusedError extends CliFailure {
  override readonly name = 'RefusedError';
  readonly code = 'CLI_REFUSED' satisfies CliErrorCode;
  readonly exitCode = 1;
}
