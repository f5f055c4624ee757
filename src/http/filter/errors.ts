import type { FilterErrorCode } from '../../errors/index.js';

export { FILTER_ERROR_CODES, type FilterErrorCode } from '../../errors/index.js';

/**
 * A filter expression that cannot be compiled. The HTTP layer turns it into a 400, so the
 * message is written for the person who typed the `?filter=`: it says what is wrong and where.
 * It names no parameter: the error catalog adds the `filter: ` prefix, once.
 */
export class FilterError extends Error {
  override readonly name = 'FilterError';
  readonly code: FilterErrorCode = 'FILTER_SYNTAX';

  /** 1-based column in the expression, when the problem has a place. */
  readonly column: number | undefined;

  constructor(message: string, column?: number) {
    super(message);
    this.column = column;
  }
}

/** Builds the one message shape every compile error shares, so callers can rely on it. */
export function filterError(problem: string, column: number): FilterError {
  return new FilterError(`${problem} at column ${column}`, column);
}
