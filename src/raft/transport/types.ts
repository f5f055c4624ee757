import type { Message } from '../messages.js';
import type { NodeId } from '../types.js';

/** Where a peer listens for cluster traffic, as "host:port". */
export type PeerAddress = string;

/** Replies to an application request (the server layer's forwarding RPCs). */
export type RequestHandler = (from: NodeId, payload: Uint8Array) => Promise<Uint8Array>;

export interface TransportEvents {
  /** A Raft message arrived for this server. */
  onMessage(m: Message): void;
  /** Sending to `id` failed (connection refused or lost): the core should stop pipelining to it. */
  onUnreachable(id: NodeId): void;
  /** A snapshot message finished streaming to `id` (ok) or failed. */
  onSnapshotStatus(id: NodeId, ok: boolean): void;
}

/**
 * Moves Raft messages between servers. `send` never blocks and never
 * throws: a message that cannot be delivered is dropped (Raft retries) and
 * reported through `onUnreachable`. Heartbeats and votes must never queue
 * behind a large append or a snapshot.
 */
export interface Transport {
  start(events: TransportEvents): Promise<void>;
  /** The address this transport listens on (after start). */
  readonly address: PeerAddress;
  setPeer(id: NodeId, address: PeerAddress): void;
  removePeer(id: NodeId): void;
  send(m: Message): void;
  /** Serves application requests from peers (one handler; set before or after start). */
  onRequest(handler: RequestHandler): void;
  /** An application request to a peer; rejects on connection failure or `timeoutMs`. */
  request(to: NodeId, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  close(): Promise<void>;
}
