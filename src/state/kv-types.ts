import type { Index } from '../raft/index.js';

/** A key/value entry as stored (Consul's KVPair). */
export interface KvEntry {
  readonly key: string;
  readonly value: Uint8Array;
  /** Opaque to cairn; Consul clients use it (uint64 there, safe integers here). */
  readonly flags: number;
  readonly createIndex: Index;
  readonly modifyIndex: Index;
  /** How many times the key was acquired: the fencing token of a lock. */
  readonly lockIndex: number;
  /** The session holding the lock, if any. */
  readonly session: string | null;
}

/** One version in a key's history; a delete is a version too. */
export interface KvVersion {
  readonly index: Index;
  readonly op: 'set' | 'delete';
  /** null for a delete. */
  readonly value: Uint8Array | null;
  readonly flags: number;
  readonly session: string | null;
  /** Proposer's clock (ms since epoch) when the write was made. */
  readonly at: number;
  /** Who wrote it: a client-supplied X-Cairn-Author, or "". */
  readonly author: string;
}

export type SessionBehavior = 'release' | 'delete';

export interface Session {
  readonly id: string;
  readonly name: string;
  readonly node: string;
  readonly lockDelayMs: number;
  readonly behavior: SessionBehavior;
  /** 0 = no TTL. */
  readonly ttlMs: number;
  readonly nodeChecks: readonly string[];
  readonly serviceChecks: readonly { readonly id: string }[];
  readonly createIndex: Index;
  readonly modifyIndex: Index;
}

/** A transaction operation on KV, with Consul's verbs. */
export interface TxnOp {
  readonly verb:
    | 'set'
    | 'cas'
    | 'lock'
    | 'unlock'
    | 'get'
    | 'get-tree'
    | 'check-index'
    | 'check-session'
    | 'check-not-exists'
    | 'delete'
    | 'delete-tree'
    | 'delete-cas';
  readonly key: string;
  readonly value: Uint8Array | null;
  readonly flags: number;
  readonly index: number;
  readonly session: string;
}

export const TXN_VERBS: readonly TxnOp['verb'][] = [
  'set',
  'cas',
  'lock',
  'unlock',
  'get',
  'get-tree',
  'check-index',
  'check-session',
  'check-not-exists',
  'delete',
  'delete-tree',
  'delete-cas',
];

export interface TxnError {
  readonly opIndex: number;
  readonly what: string;
}
