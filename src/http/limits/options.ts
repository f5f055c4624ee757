/** What one client address may hold at once on the HTTP API, and the optional totals of stored things. */
export interface ClientLimitOptions {
  /** Blocking queries (`?index=`) held at once per client address; 0: no cap. */
  readonly maxBlockingPerClient: number;
  /** Open WebSocket watch connections per client address; 0: no cap. */
  readonly maxWatchConnectionsPerClient: number;
  /** Watch subscriptions per client address, over all its sockets; 0: no cap. */
  readonly maxWatchSubscriptionsPerClient: number;
}

/**
 * Below the agent's 200 connections per client (src/agent/http-server.ts), so a client whose
 * blocking queries or watch sockets are all taken still has connections left to write and heartbeat.
 */
export const CLIENT_LIMIT_DEFAULTS: ClientLimitOptions = {
  maxBlockingPerClient: 128,
  maxWatchConnectionsPerClient: 64,
  maxWatchSubscriptionsPerClient: 1000,
};

/**
 * Why a request, socket or subscription was refused (the `reason` label of the refusal metric):
 * the three per-client caps, a write past --kv-max-keys, a registration past --catalog-max-instances.
 */
export const REFUSAL_REASONS = [
  'blocking',
  'watch_connections',
  'watch_subscriptions',
  'kv_keys',
  'instances',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];
