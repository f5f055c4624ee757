/**
 * The code lists of the modules whose errors reach HTTP or the CLI from above the catalog: kept
 * here, below them, so that they and the catalog import them without a cycle.
 */

/** The codes of errors the HTTP layer raises itself (statuses in src/errors/catalog.ts). */
export const HTTP_ERROR_CODES = [
  'HTTP_INVALID_FIELD',
  'HTTP_MISSING_PARAM',
  'HTTP_CONFLICTING_PARAMS',
  'HTTP_INVALID_INDEX',
  'HTTP_INVALID_WAIT',
  'HTTP_UNKNOWN_ENDPOINT',
  'HTTP_METHOD_NOT_ALLOWED',
  'HTTP_BODY_TOO_LARGE',
  'HTTP_CLIENT_LIMIT',
  'HTTP_MALFORMED_REQUEST',
  'HTTP_ACL_DISABLED',
  'HTTP_COORDINATES_DISABLED',
  'HTTP_INTERNAL',
  'AGENT_UNKNOWN_SERVICE',
  'AGENT_UNKNOWN_CHECK',
  'AGENT_CHECK_NOT_TTL',
  'KV_VALUE_TOO_LARGE',
  'KV_NO_SUCH_VERSION',
  'TXN_TOO_MANY_OPS',
  'TXN_VALUE_TOO_LARGE',
  'TXN_NO_RESULTS',
  'SESSION_NOT_FOUND',
  'OPERATOR_UNKNOWN_PEER',
] as const;
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

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

/** Codes of the `?filter=` language's errors. */
export const FILTER_ERROR_CODES = ['FILTER_SYNTAX'] as const;
export type FilterErrorCode = (typeof FILTER_ERROR_CODES)[number];
