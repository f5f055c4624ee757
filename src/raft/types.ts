/**
 * The data Raft moves and keeps. Commands are opaque bytes: the consensus
 * module never looks inside a `normal` entry (DESIGN.md, principle 2).
 */

/** A server's identity in the cluster. Generated once, persisted, never reused. */
export type NodeId = string;
/** A position in the replicated log; 0 means "before the first entry". */
export type Index = number;
/** A Raft term; 0 means "no term yet". */
export type Term = number;

/**
 * `normal` carries a state-machine command, `conf` a membership change
 * (a JSON-encoded {@link ConfChange}), `noop` is what a new leader appends to
 * commit the entries of earlier terms.
 */
export type EntryKind = 'normal' | 'conf' | 'noop';

export interface Entry {
  readonly index: Index;
  readonly term: Term;
  readonly kind: EntryKind;
  readonly data: Uint8Array;
}

/** What must survive a crash before a server answers a vote or an append. */
export interface HardState {
  readonly term: Term;
  readonly vote: NodeId | null;
  readonly commit: Index;
}

export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface SnapshotMeta {
  readonly index: Index;
  readonly term: Term;
  readonly conf: ConfState;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

/**
 * One membership change at a time. `bootstrap` is only ever the first entry
 * of a new cluster's log, identical on every founding server, so that a
 * server that joins later learns the founding members from the log itself.
 */
export type ConfChange =
  | { readonly type: 'bootstrap'; readonly voters: readonly NodeId[] }
  /** `address` (host:port) travels in the entry so every server, not only the leader, can reach the new one. */
  | { readonly type: 'addLearner'; readonly node: NodeId; readonly address?: string }
  | { readonly type: 'promote'; readonly node: NodeId }
  | { readonly type: 'remove'; readonly node: NodeId };

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state worth telling the driver about; never persisted. */
export interface SoftState {
  readonly lead: NodeId | null;
  readonly role: Role;
}

/** A read that may be served once the local state has applied `index`. */
export interface ReadState {
  readonly index: Index;
  readonly ctx: string;
}

export const EMPTY_CONF: ConfState = { voters: [], learners: [] };
