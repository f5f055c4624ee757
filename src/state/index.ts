/** The replicated state machine: catalog, members, and the watch hub. */
export { Catalog } from './catalog.js';
export { COMMAND_VERSIONS, type CommandVersion } from './command-versions.js';
export type {
  CheckSpec,
  Command,
  LoadReport,
  NodeSpec,
  ServiceSpec,
  SessionSpec,
  StatusUpdate,
  WriteInfo,
} from './commands.js';
export {
  type CommandRead,
  decodeCommand,
  encodeCommand,
  readCommand,
  UnreadableCommandError,
} from './commands.js';
export { durationFromJson, formatDuration, parseDuration } from './duration.js';
export {
  type ApplyErrorKind,
  type ApplyFailure,
  type ApplyResult,
  type ApplySuccess,
  applyErrorCode,
  failure,
  OK,
  STATE_ERROR_CODES,
  type StateErrorCode,
  type TxnOutcome,
} from './errors.js';
export {
  aggregateStatus,
  candidateId,
  type HealthSelection,
  instanceCandidate,
  instancePriority,
  instanceWeight,
  protectionThreshold,
  selectHealthy,
} from './health.js';
export type { KvChange } from './kv.js';
export type { KvEntry, KvVersion, Session, SessionBehavior, TxnError, TxnOp } from './kv-types.js';
export { TXN_VERBS } from './kv-types.js';
export { LockDelays, lockDelayRefusal } from './lock-delay.js';
export { RegistryState, type SkippedCommand } from './machine.js';
export { Topic } from './topics.js';
export * from './types.js';
export type {
  CatalogView,
  KvView,
  MembersView,
  RegistryView,
  SessionsView,
  WatchView,
} from './view.js';
export { WatchHub } from './watch-hub.js';
