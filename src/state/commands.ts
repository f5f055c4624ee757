/**
 * Every change of replicated state is one of these commands, applied in log
 * order on every server. The list is append-only: a command's `type` never
 * changes meaning once released, so old logs and snapshots stay readable.
 * Time inside a command (`at`) is the proposer's clock, so applying is
 * deterministic everywhere.
 */
import { Packr } from 'msgpackr';
import { COMMAND_VERSIONS, envelopeFor, judge } from './command-versions.js';
import type { SessionBehavior, TxnOp } from './kv-types.js';
import type { HealthStatus, Probe, Weights } from './types.js';

export interface NodeSpec {
  readonly name: string;
  readonly id: string;
  readonly address: string;
  readonly datacenter: string;
  readonly taggedAddresses: Readonly<Record<string, string>>;
  readonly meta: Readonly<Record<string, string>>;
}

export interface ServiceSpec {
  readonly id: string;
  readonly name: string;
  readonly tags: readonly string[];
  readonly address: string;
  readonly port: number;
  readonly meta: Readonly<Record<string, string>>;
  readonly weights: Weights;
  readonly enableTagOverride: boolean;
  readonly taggedAddresses: Readonly<Record<string, { readonly address: string; readonly port: number }>>;
}

export interface CheckSpec {
  readonly id: string;
  readonly name: string;
  /** null: keep the status of an existing check with this id, or start critical (Consul's default). */
  readonly status: HealthStatus | null;
  readonly notes: string;
  readonly output: string;
  /** "" for a node check. */
  readonly serviceId: string;
  readonly type: string;
  readonly ttlMs: number;
  /** HTTP and TCP checks; absent in entries written before probes existed. */
  readonly probe?: Probe | null;
  readonly deregisterCriticalAfterMs: number;
}

export interface StatusUpdate {
  readonly node: string;
  readonly checkId: string;
  readonly status: HealthStatus;
  readonly output: string;
}

export interface LoadReport {
  readonly node: string;
  readonly serviceId: string;
  readonly load: number;
}

export type Command =
  /** A server joins (or re-announces itself with new addresses). */
  | {
      readonly type: 'memberUpsert';
      readonly name: string;
      readonly serverAddress: string;
      readonly httpAddress: string;
      readonly datacenter: string;
    }
  | { readonly type: 'memberLeft'; readonly name: string }
  /**
   * A server's HTTPS API address ('' for none), for clients that talk https only. A type of its own,
   * marked ignoreIfUnknown: servers of an older version skip it (their /v1/agent/members then lacks
   * the address) instead of stopping on a changed memberUpsert.
   */
  | { readonly type: 'memberHttps'; readonly name: string; readonly httpsAddress: string }
  /**
   * Register (or replace) a node and optionally one service with its checks:
   * the agent and catalog register calls both become this.
   */
  | {
      readonly type: 'register';
      readonly at: number;
      readonly node: NodeSpec;
      /** Catalog registrations may leave the node as it is. */
      readonly skipNodeUpdate: boolean;
      readonly service: ServiceSpec | null;
      readonly checks: readonly CheckSpec[];
      /** Drop checks of this service that `checks` does not name. */
      readonly replaceExistingChecks: boolean;
      /**
       * The proposer's --catalog-max-instances (absent or 0: none). It travels with the command, so
       * every server refuses the same registrations whatever its own setting.
       */
      readonly maxInstances?: number;
    }
  | { readonly type: 'deregisterService'; readonly node: string; readonly serviceId: string }
  | { readonly type: 'deregisterCheck'; readonly node: string; readonly checkId: string }
  | { readonly type: 'deregisterNode'; readonly node: string }
  /** Status changes, batched: heartbeats that flip a status, and TTL expiries. */
  | { readonly type: 'checkStatus'; readonly at: number; readonly updates: readonly StatusUpdate[] }
  /** Services the reaper removes because they stayed critical too long. */
  | {
      readonly type: 'reap';
      readonly services: readonly { readonly node: string; readonly serviceId: string }[];
    }
  /** Loads reported with heartbeats, batched by the leader (cairn extension). */
  | { readonly type: 'loads'; readonly reports: readonly LoadReport[] }
  /** KV put; with `cas`, only if the key's ModifyIndex is that (0: only if absent). */
  | {
      readonly type: 'kvSet';
      readonly key: string;
      readonly value: Uint8Array;
      readonly flags: number;
      readonly cas: number | null;
      readonly acquire: string | null;
      readonly release: string | null;
      readonly write: WriteInfo;
    }
  | {
      readonly type: 'kvDelete';
      readonly key: string;
      readonly recurse: boolean;
      readonly cas: number | null;
      readonly write: WriteInfo;
    }
  /**
   * Forget deleted keys (and their history) whose delete is at or below
   * `upTo`: the leader sends it for deletes older than the tombstone TTL.
   */
  | { readonly type: 'kvReap'; readonly upTo: number }
  /** All of `ops` or none, in one entry. */
  | { readonly type: 'txn'; readonly ops: readonly TxnOp[]; readonly write: WriteInfo }
  | { readonly type: 'sessionCreate'; readonly session: SessionSpec; readonly write: WriteInfo }
  /** Destroy (by a client) or expiry (by the leader's TTL tracker): the session ends either way. */
  | { readonly type: 'sessionEnd'; readonly ids: readonly string[]; readonly write: WriteInfo };

/** When and by whom a KV or session write was made, and how much history to keep. */
export interface WriteInfo {
  readonly at: number;
  readonly author: string;
  /** Versions kept per key (the proposer's setting travels with the command, so every server keeps the same). */
  readonly keep: number;
  /** The proposer's --kv-max-keys (absent or 0: none); travels with the command as `keep` does. */
  readonly maxKeys?: number;
}

export interface SessionSpec {
  readonly id: string;
  readonly name: string;
  readonly node: string;
  readonly lockDelayMs: number;
  readonly behavior: SessionBehavior;
  readonly ttlMs: number;
  readonly nodeChecks: readonly string[];
  readonly serviceChecks: readonly { readonly id: string }[];
}

export type CommandType = Command['type'];

const packr = new Packr({ useRecords: false, moreTypes: false });

/** Per type, the envelope fields this version adds (none for any revision-1 type without the flag). */
const ENVELOPES = new Map(
  (Object.keys(COMMAND_VERSIONS) as CommandType[]).flatMap((t) => {
    const env = envelopeFor(t);
    return Object.keys(env).length > 0 ? [[t, env] as const] : [];
  }),
);

export function encodeCommand(c: Command): Uint8Array {
  const env = ENVELOPES.get(c.type);
  return packr.pack(env ? { ...c, ...env } : c);
}

/** What reading one log entry gave: a command to apply, one to skip, or one that must stop the server. */
export type CommandRead =
  | { readonly kind: 'command'; readonly command: Command }
  | { readonly kind: 'skip'; readonly type: string; readonly reason: string }
  | { readonly kind: 'unreadable'; readonly type: string | null; readonly reason: string };

/** Decodes an entry and judges it against the command types and revisions this version knows. */
export function readCommand(bytes: Uint8Array): CommandRead {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { kind: 'unreadable', type: null, reason: `not a MessagePack command (${why})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array)
    return { kind: 'unreadable', type: null, reason: 'the entry is not a command map' };
  const map = value as Record<string, unknown>;
  const type = typeof map.type === 'string' ? map.type : null;
  const verdict = judge(map);
  if (verdict.kind === 'known') return { kind: 'command', command: map as unknown as Command };
  if (verdict.kind === 'skip' && type !== null) return { kind: 'skip', type, reason: verdict.reason };
  return { kind: 'unreadable', type, reason: verdict.reason };
}

/** A command this version cannot apply, found at a log index: the server must stop, not skip it. */
export class UnreadableCommandError extends Error {
  constructor(
    readonly index: number,
    readonly type: string | null,
    readonly reason: string,
  ) {
    super(`cannot apply the replicated command at index ${index}: ${reason}`);
    this.name = 'UnreadableCommandError';
  }
}

/** Decodes a command this version knows; throws, saying why, for any other. */
export function decodeCommand(bytes: Uint8Array): Command {
  const read = readCommand(bytes);
  if (read.kind === 'command') return read.command;
  throw new Error(read.reason);
}
