/**
 * Consul's `?filter=` language (HashiCorp go-bexpr), compiled once per request into a
 * predicate over the JSON items an endpoint is about to return.
 */
import { compileNode, type Filter, type FilterHooks } from './evaluate.js';
import { parseFilter } from './parser.js';

export type { MatchNode, MatchOperator, Node, Selector, Value } from './ast.js';
export {
  FILTER_ERROR_CODES,
  FILTER_LIMITS,
  FilterError,
  type FilterErrorCode,
  type FilterLimit,
} from './errors.js';
export type { Filter, FilterHooks } from './evaluate.js';
export {
  MAX_EXPRESSION_LENGTH,
  MAX_NESTING,
  MAX_PATTERN_LENGTH,
  MAX_PATTERNS,
  MAX_PROGRAM_SIZE,
  MAX_SUBJECT_LENGTH,
} from './limits.js';
export { parseFilter } from './parser.js';

/** Compiles `expression`; throws FilterError if it is malformed, holds a refused regex, or asks for more work than limits.ts allows. */
export function compileFilter(expression: string, hooks?: FilterHooks): Filter {
  return compileNode(parseFilter(expression), hooks);
}
