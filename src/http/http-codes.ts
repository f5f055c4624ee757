export { HTTP_ERROR_CODES, type HttpErrorCode } from '../errors/index.js';
