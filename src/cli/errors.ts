import type { CliErrorCode } from '../errors/index.js';

export { CLI_ERROR_CODES, type CliErrorCode } from '../errors/index.js';

/** A mistake in how the command was invoked: printed as one line, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code: CliErrorCode = 'CLI_USAGE';
}

/**
 * A running server halted on a failure it cannot recover from (its storage failed): printed as
 * one line, exit status 1, so that a supervisor sees a failure and not a clean stop.
 */
export class HaltedError extends Error {
  override readonly name = 'HaltedError';
  readonly code: CliErrorCode = 'CLI_HALTED';

  constructor(cause: unknown) {
    super(`halted: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
