/** Leader-side health: TTL deadlines, expiry with self-preservation, and the critical-service reaper. */
export { servicesToReap } from './reaper.js';
export { SessionTracker } from './session-tracker.js';
export {
  type ExpiryRound,
  type HeartbeatVerdict,
  TtlTracker,
  type TtlTrackerOptions,
} from './ttl-tracker.js';
