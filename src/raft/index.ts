/**
 * The Raft module's public face: a server (`RaftNode`) that replicates opaque
 * commands to a `StateMachine`, with its storage and transport.
 */

export type { Status } from './core/index.js';
/** The demo node (a key/value machine with a control API) that runs the consensus module alone. */
export { type DemoNode, type DemoNodeOptions, startDemoNode } from './demo/node.js';
export { type ProposeOutcome, RaftNode, type RaftNodeOptions } from './driver.js';
export { RAFT_ERROR_CODES, RaftError, type RaftErrorCode } from './errors.js';
export type { StateMachine } from './state-machine.js';
export * from './storage/index.js';
export * from './transport/index.js';
export type {
  ConfChange,
  ConfState,
  Entry,
  EntryKind,
  HardState,
  Index,
  NodeId,
  Role,
  Snapshot,
  SnapshotMeta,
  Term,
} from './types.js';
