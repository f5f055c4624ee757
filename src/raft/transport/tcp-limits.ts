const MiB = 1024 * 1024;

/** Sizes and timings of the TCP transport; see {@link TCP_DEFAULTS}. */
export interface TcpLimits {
  /** Largest frame payload accepted; a larger announced length closes the connection. */
  readonly maxFrameBytes: number;
  /** Unsent bytes a control connection may hold before messages to the peer are dropped. */
  readonly controlBufferBytes: number;
  /** The same for the bulk connection (appends, snapshots). */
  readonly bulkBufferBytes: number;
  /** Size of the pieces a snapshot message is streamed in. */
  readonly snapshotChunkBytes: number;
  /** Largest encoded snapshot message accepted from a peer. */
  readonly maxSnapshotBytes: number;
  /** First reconnect delay; doubles per failed attempt up to `backoffMaxMs` (jittered). */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly connectTimeoutMs: number;
  /** How long an accepted connection may take to say hello (and prove the cluster key). */
  readonly handshakeTimeoutMs: number;
  /** Accepted connections held at once; more are closed at once. */
  readonly maxInboundConnections: number;
  /** Accepted connections from one remote address that have not finished the handshake. */
  readonly maxHandshakesPerAddress: number;
}

export const TCP_DEFAULTS: TcpLimits = {
  maxFrameBytes: 256 * MiB,
  controlBufferBytes: 8 * MiB,
  bulkBufferBytes: 64 * MiB,
  snapshotChunkBytes: 1 * MiB,
  maxSnapshotBytes: 1024 * MiB,
  backoffBaseMs: 50,
  backoffMaxMs: 2000,
  connectTimeoutMs: 3000,
  handshakeTimeoutMs: 5000,
  // Each server opens two connections to each peer: far below these even for many servers.
  maxInboundConnections: 1024,
  // Loopback clusters (tests, npm run cluster) dial from one address: room for their reconnects.
  maxHandshakesPerAddress: 64,
};
