/** The Consul-compatible HTTP API. */
export { buildHttpApp, type HttpOptions } from './app.js';
export { HttpError } from './errors.js';
export { CLIENT_LIMIT_DEFAULTS, type ClientLimitOptions } from './limits/index.js';
