import type { Entry, HardState, Index, Snapshot } from '../types.js';
import type { StorageFault } from './errors.js';

/** What a server finds on disk when it starts. */
export interface PersistedState {
  readonly hardState: HardState;
  /** The newest complete snapshot, or null if none was ever stored. */
  readonly snapshot: Snapshot | null;
  /** The log after the snapshot (index > snapshot.meta.index, or from 1), contiguous. */
  readonly entries: readonly Entry[];
}

/** One durable write for one Ready (see RawNode's Ready contract). */
export interface ReadyWrite {
  /** Entries to store; any stored entry with index >= entries[0].index is replaced or deleted. */
  readonly entries: readonly Entry[];
  readonly hardState: HardState | null;
  /**
   * A snapshot received from the leader: it replaces the whole stored log
   * (every stored entry is deleted first) and becomes the newest snapshot.
   */
  readonly snapshot: Snapshot | null;
}

/**
 * Durable Raft state of one server. Writes are applied in call order; a
 * write with `sync` returns only once it is on stable storage, and a crash
 * keeps every synced write whole and may lose any later unsynced one (but
 * never leaves half of one batch).
 */
export interface RaftStorage {
  /** Where the data lives, for messages: a directory, or `memory`. */
  readonly location: string;
  open(): Promise<void>;
  load(): Promise<PersistedState>;
  /** Persists one Ready's entries, hard state and installed snapshot in one atomic batch. */
  save(write: ReadyWrite, sync: boolean): Promise<void>;
  /** Stores a snapshot the local state machine took; the log is left as it is. Synced. */
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  /** Deletes stored entries with index < `before` (after a snapshot covers them). */
  compact(before: Index): Promise<void>;
  /** Small named values that outlive the log: this server's id, the cluster's id. */
  getMeta(key: string): Promise<Uint8Array | undefined>;
  setMeta(key: string, value: Uint8Array): Promise<void>;
  close(): Promise<void>;
  /**
   * Whether the storage can still keep what it is given: null when it can (or is not open), else
   * what is wrong (its directory deleted, replaced or read-only, while writes into files already
   * open may still succeed). Cheap enough to call every second.
   */
  verify(): Promise<StorageFault | null>;
}
