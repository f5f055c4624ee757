/**
 * Leader-side health: TTL deadlines, expiry with self-preservation, the critical-service reaper,
 * and HTTP/TCP probe scheduling. The pure core (trackers, schedule, reaper) takes the time as
 * arguments; the drivers (LeaderHealth, Prober) own the timers and the probes' I/O, read the state
 * through small interfaces and propose through a callback: the server wires them.
 */
export type { Heartbeat, HeartbeatRefusal } from './heartbeat.js';
export {
  type HealthCounters,
  LeaderHealth,
  type LeaderHealthOptions,
  type LeaderHealthState,
} from './leader-health.js';
export { Prober, type ProberOptions, type ProberState } from './prober.js';

export {
  httpAnswered,
  httpCheckStatus,
  httpFailed,
  OUTPUT_LIMIT,
  type ProbeResult,
  ProbeSchedule,
  Streaks,
  tcpConnected,
  tcpFailed,
} from './probes.js';
export { servicesToReap } from './reaper.js';
export { SessionTracker } from './session-tracker.js';
export {
  type ExpiryRound,
  type HeartbeatVerdict,
  TtlTracker,
  type TtlTrackerOptions,
} from './ttl-tracker.js';
