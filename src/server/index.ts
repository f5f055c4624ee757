/** One cairn server: Raft, the registry state, forwarding, leader health and membership. */
export { SERVER_ERROR_CODES, ServerError, type ServerErrorCode, type ServerErrorKind } from './errors.js';
export type { Heartbeat, ServerInfo } from './rpc.js';
export {
  type ApplyOutcome,
  CairnServer,
  type Consistency,
  type ServerOptions,
  type ServerStats,
  toServerError,
} from './server.js';
