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

  /** Set when the expression was refused for one of the caps in limits.ts (or by RE2), so it can be counted. */
  readonly limit: FilterLimit | undefined;

  constructor(message: string, column?: number, limit?: FilterLimit) {
    super(message);
    this.column = column;
    this.limit = limit;
  }
}

/**
 * Why a filter was refused for the work it could ask for rather than for its grammar: a hostile
 * client shows up here. `invalid_pattern` is a `matches` pattern RE2 does not accept, its own
 * limits (a repeat count above 1000) included.
 */
export const FILTER_LIMITS = [
  'expression_length',
  'nesting',
  'pattern_length',
  'pattern_count',
  'program_size',
  'invalid_pattern',
] as const;
export type FilterLimit = (typeof FILTER_LIMITS)[number];

/** Builds the one message shape every compile error shares, so callers can rely on it. */
export function filterError(problem: string, column: number, limit?: FilterLimit): FilterError {
  return new FilterError(`${problem} at column ${column}`, column, limit);
}
