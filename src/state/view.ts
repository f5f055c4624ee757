import type { Index } from '../raft/index.js';
import type { Catalog } from './catalog.js';
import type { KvStore } from './kv.js';
import type { Members } from './members.js';
import type { SessionStore } from './sessions.js';
import type { WatchHub } from './watch-hub.js';

/** The catalog's lookups, without the methods that apply, drain, snapshot or restore. */
export type CatalogView = Pick<
  Catalog,
  | 'indexes'
  | 'indexOfService'
  | 'indexOfNode'
  | 'node'
  | 'allNodes'
  | 'instancesWithId'
  | 'instancesOf'
  | 'instancesOnNode'
  | 'serviceNames'
  | 'check'
  | 'checksWithId'
  | 'checksOnNode'
  | 'checksOfInstance'
  | 'checksOfService'
  | 'allChecks'
  | 'counts'
>;

/** The KV store's reads. `lockDelayed` is left out: it is the leader's write-path rule, and it forgets. */
export type KvView = Pick<
  KvStore,
  'get' | 'list' | 'prefixIndex' | 'keyIndex' | 'changesSince' | 'versions' | 'tombstoneCount'
>;

export type SessionsView = Pick<SessionStore, 'get' | 'all' | 'index'>;

export type MembersView = Pick<Members, 'get' | 'all'>;

/** Waiting for a change: a waiter is told once, then must wait again. Notifying is the state's own job. */
export type WatchView = Pick<WatchHub, 'wait' | 'size'>;

/**
 * The registry state as a server has applied it, for reading only: what the HTTP API, DNS and
 * metrics see. Reads are as fresh as the caller made them (the server's readBarrier for a
 * consistency mode; none for stale reads and DNS). Everything returned is a value or a fresh
 * array: nothing here changes the state, which only Raft's applied commands do.
 */
export interface RegistryView {
  /** The index of the last applied entry (0 before any): answers computed from the view may be cached until it moves. */
  readonly applied: Index;
  readonly catalog: CatalogView;
  readonly kv: KvView;
  readonly sessions: SessionsView;
  readonly members: MembersView;
  /** Wakes waiters whose topics (see topics.ts) an applied command touched. */
  readonly hub: WatchView;
}
