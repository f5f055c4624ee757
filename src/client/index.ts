/**
 * cairn's client SDK (`cairn/client`): register and heartbeat, watch config, resolve and balance
 * with failover. Uses only `src/balance` from the rest of cairn, so an application can use it
 * without the server code.
 */

export {
  CairnClient,
  type ClientOptions,
  type ClientStatus,
  createClient,
  type RegisterOptions,
  type WatchSettings,
} from './client.js';
export type { Clock, Timer } from './clock.js';
export type { Config, SetOptions, WatchOptions } from './config/config.js';
export type { ConfigUpdate, ConfigWatch } from './config/config-watch.js';
export type { ConfigEntry } from './config/kv.js';
export { LastGood, type Parsed } from './config/last-good.js';
export { type NumberOptions, type Parser, parsers } from './config/parsers.js';
export {
  CairnError,
  type CairnErrorCode,
  CallFailedError,
  ClosedError,
  ConfigParseError,
  type GiveUpReason,
  HttpStatusError,
  InvalidArgumentError,
  NoEndpointsError,
  NoServerError,
  ProtocolError,
  type ServerAttempt,
  TimeoutError,
} from './errors.js';
export { isTlsError } from './http/classify.js';
export type { Registration, RegistrationStats } from './register/registration.js';
export { type Endpoint, type HealthStatus, hostPort } from './resolve/endpoint.js';
export { OutlierDetector, type OutlierOptions } from './resolve/outlier.js';
export type {
  AttemptContext,
  CallOptions,
  EndpointStat,
  ResolveOptions,
  Resolver,
} from './resolve/resolver.js';
export { RetryBudget, type RetryBudgetOptions } from './resolve/retry-budget.js';
export {
  CLIENT_STRATEGIES,
  type ClientStrategy,
  isClientStrategy,
  type LoadView,
  Picker,
} from './resolve/strategies.js';
export type { Pem, TlsOptions } from './tls/index.js';
export type { SocketState, WatchTransport } from './watch/socket.js';
