/** One cairn server: Raft, the registry state, forwarding, leader health and membership. */
export {
  SERVER_ERROR_CODES,
  ServerError,
  type ServerErrorCode,
  type ServerErrorKind,
  toServerError,
} from './errors.js';
export type { Consistency } from './reads.js';
export type { Heartbeat, ServerInfo } from './rpc.js';
export { CairnServer, type ServerOptions, type ServerStats } from './server.js';
export type { ApplyOutcome } from './writes.js';
