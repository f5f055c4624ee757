/**
 * A running server halted on a failure it cannot recover from (its storage failed): the CLI prints
 * it as one line and exits 1, so that a supervisor sees a failure and not a clean stop.
 */
export class HaltedError extends Error {
  override readonly name = 'HaltedError';

  constructor(cause: unknown) {
    super(`halted: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
