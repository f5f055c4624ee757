/** The error catalog: every module's error codes, with their HTTP status (or CLI exit) and meaning. */
export { ERROR_CATALOG, type ErrorCode, type ErrorInfo, errorText, httpStatus } from './catalog.js';
export { renderErrorCatalog } from './render.js';
