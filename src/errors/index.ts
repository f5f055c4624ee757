/** The error catalog: every module's error codes, with their HTTP status (or CLI exit) and meaning. */
export { ERROR_CATALOG, type ErrorCode, type ErrorInfo, errorText, httpStatus } from './catalog.js';
export {
  CLI_ERROR_CODES,
  type CliErrorCode,
  FILTER_ERROR_CODES,
  type FilterErrorCode,
  HTTP_ERROR_CODES,
  type HttpErrorCode,
} from './codes.js';
export { renderErrorCatalog } from './render.js';
