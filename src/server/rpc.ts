/**
 * Requests one cairn server sends another over the cluster transport
 * (besides Raft's own messages): forwarding writes, reads and heartbeats to
 * the leader, and the join / discovery handshake.
 */
import { Packr } from 'msgpackr';
import type { Heartbeat } from '../health/index.js';
import type { ApplyResult } from '../state/index.js';
import type { ServerErrorKind } from './errors.js';

export type { Heartbeat };

/** Who a server is, as it tells others. */
export interface ServerInfo {
  readonly name: string;
  readonly serverAddress: string;
  readonly httpAddress: string;
  readonly datacenter: string;
}

export type Request =
  | { readonly t: 'apply'; readonly cmd: Uint8Array }
  /** Writes a follower coalesced: each is proposed on its own; one outcome per command. */
  | { readonly t: 'applyBatch'; readonly cmds: readonly Uint8Array[] }
  | { readonly t: 'read'; readonly lease: boolean }
  | { readonly t: 'heartbeats'; readonly beats: readonly Heartbeat[] }
  | { readonly t: 'renew'; readonly id: string }
  | { readonly t: 'join'; readonly server: ServerInfo }
  | { readonly t: 'hello'; readonly server: ServerInfo; readonly hasHistory: boolean };

export interface Applied {
  readonly ok: true;
  readonly index: number;
  readonly result: ApplyResult;
}

export type Failure = { readonly ok: false; readonly kind: ServerErrorKind; readonly message: string };

export type Response =
  | { readonly ok: true; readonly t: 'apply'; readonly index: number; readonly result: ApplyResult }
  | { readonly ok: true; readonly t: 'applyBatch'; readonly outcomes: readonly (Applied | Failure)[] }
  | { readonly ok: true; readonly t: 'read'; readonly index: number }
  | { readonly ok: true; readonly t: 'heartbeats'; readonly results: readonly (Failure | null)[] }
  | { readonly ok: true; readonly t: 'renew' }
  | { readonly ok: true; readonly t: 'join'; readonly peers: readonly (readonly [string, string])[] }
  | {
      readonly ok: true;
      readonly t: 'hello';
      readonly server: ServerInfo;
      readonly hasHistory: boolean;
      /** Servers this one has heard of, so discovery spreads beyond the --join list. */
      readonly known: readonly ServerInfo[];
    }
  | Failure;

const packr = new Packr({ useRecords: false, moreTypes: false });

export const encodeRpc = (m: Request | Response): Uint8Array => packr.pack(m);
export const decodeRequest = (b: Uint8Array): Request => packr.unpack(b) as Request;
export const decodeResponse = (b: Uint8Array): Response => packr.unpack(b) as Response;
