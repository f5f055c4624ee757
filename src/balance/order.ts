import type { Candidate } from './candidate.js';
import { leastLoad } from './least-load.js';
import { lowestPriorityGroup } from './priority.js';
import { rendezvous } from './rendezvous.js';
import { roundRobin } from './round-robin.js';
import { smoothWeighted } from './smooth-weighted.js';
import type { BalancerState } from './state.js';
import type { StrategyName } from './strategies.js';

export interface OrderOptions {
  /** Required for 'hash' (caller validates; if absent, hash behaves like round_robin). */
  readonly key?: string;
  /** Uniform in [0,1). Injected so that servers can seed it and tests can replay it. */
  readonly random: () => number;
}

/**
 * Orders `candidates` for one lookup of `group` (e.g. a service name + tag). Returns a new array:
 * a permutation of the input for round_robin / weighted / least_load / hash; for priority, only the
 * candidates of the lowest priority value present (the input contains only healthy instances, so
 * "fall back to the next group when none of the primary group is healthy" follows).
 * The first element is "the pick"; the rest is the failover order.
 */
export function orderCandidates<T extends Candidate>(
  state: BalancerState,
  strategy: StrategyName,
  group: string,
  candidates: readonly T[],
  opts: OrderOptions,
): T[] {
  // Before touching the state, so that lookups of empty groups cannot evict live ones.
  if (candidates.length === 0) return [];
  switch (strategy) {
    case 'round_robin':
      return roundRobin(state.cursor(group, strategy), candidates);
    case 'weighted':
      return smoothWeighted(state.cursor(group, strategy), candidates);
    case 'least_load':
      return leastLoad(candidates, opts.random);
    case 'hash':
      return opts.key === undefined
        ? roundRobin(state.cursor(group, strategy), candidates)
        : rendezvous(candidates, opts.key);
    case 'priority':
      return smoothWeighted(state.cursor(group, strategy), lowestPriorityGroup(candidates));
    default:
      // Reachable from untyped callers only.
      throw new RangeError(`unknown balancing strategy: ${String(strategy satisfies never)}`);
  }
}
