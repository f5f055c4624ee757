/** Leader-side health: TTL deadlines, expiry with self-preservation, the critical-service reaper, and HTTP/TCP probe scheduling. */

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
