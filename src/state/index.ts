/** The replicated state machine: catalog, members, and the watch hub. */
export { Catalog } from './catalog.js';
export type { CheckSpec, Command, LoadReport, NodeSpec, ServiceSpec, StatusUpdate } from './commands.js';
export { decodeCommand, encodeCommand } from './commands.js';
export { durationFromJson, formatDuration, parseDuration } from './duration.js';
export { type ApplyErrorKind, type ApplyFailure, type ApplyResult, failure, OK } from './errors.js';
export { RegistryState } from './machine.js';
export { Topic } from './topics.js';
export * from './types.js';
export { WatchHub } from './watch-hub.js';
