export type StrategyName = 'round_robin' | 'weighted' | 'least_load' | 'hash' | 'priority';

export const STRATEGIES: readonly StrategyName[] = Object.freeze([
  'round_robin',
  'weighted',
  'least_load',
  'hash',
  'priority',
]);

/** For names that arrive as text (query parameters, DNS labels, config files). */
export function isStrategyName(s: string): s is StrategyName {
  return (STRATEGIES as readonly string[]).includes(s);
}
