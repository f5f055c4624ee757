/** Caps on what one client address may hold at once on the HTTP API. */
export { clientAddress } from './client-address.js';
export { ClientLimits } from './client-limits.js';
export { ClientSlots } from './client-slots.js';
export {
  CLIENT_LIMIT_DEFAULTS,
  type ClientLimitOptions,
  REFUSAL_REASONS,
  type RefusalReason,
} from './options.js';
