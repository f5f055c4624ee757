/**
 * Load balancing: pure strategies that order a service's healthy instances for one lookup. Used by
 * the server's balanced lookups and by the client SDK, so nothing here does I/O, reads a clock or
 * draws randomness of its own: the same inputs and random draws give the same answer anywhere.
 */

export type { Candidate } from './candidate.js';
export { Ewma } from './ewma.js';
export { murmur3 } from './murmur3.js';
export { type OrderOptions, orderCandidates } from './order.js';
export { BalancerState, DEFAULT_MAX_GROUPS } from './state.js';
export { isStrategyName, STRATEGIES, type StrategyName } from './strategies.js';
export { pickTwoChoices } from './two-choices.js';
