/**
 * Codes of the CLI's failures (src/errors/catalog.ts gives each its exit status and meaning).
 * They are printed as one line after "cairn: ", never with a stack.
 */
export const CLI_ERROR_CODES = [
  'CLI_USAGE',
  'CLI_NOT_FOUND',
  'CLI_CAS_FAILED',
  'CLI_SERVER_REFUSED',
  'CLI_CONNECTION',
  'CLI_REFUSED',
  'CLI_HALTED',
] as const;
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];

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
