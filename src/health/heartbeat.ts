import type { HealthStatus } from '../state/index.js';

/** A TTL check's heartbeat, as the agent endpoints take it and as a follower forwards it to the leader. */
export interface Heartbeat {
  readonly node: string;
  readonly checkId: string;
  readonly status: HealthStatus;
  readonly output: string;
  /** Load reported with the heartbeat (cairn extension), if any. */
  readonly load: number | null;
}

/**
 * Why the leader refused a heartbeat, worded as Consul words it. Shaped as the server's forwarding
 * failure (`ok: false`), so a refusal travels back to the follower as it is.
 */
export interface HeartbeatRefusal {
  readonly ok: false;
  readonly kind: 'notFound' | 'notTtl';
  readonly message: string;
}
