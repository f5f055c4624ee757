import { BalancerState, type Candidate, orderCandidates, pickTwoChoices } from '../../balance/index.js';
import type { Endpoint } from './endpoint.js';

/**
 * Client-side strategies. Four come from `src/balance` as the server uses them; two need what
 * only the client knows: its own in-flight calls and its own observed latency.
 *
 * - round_robin        id-sorted ring, one step per pick
 * - weighted           smooth weighted round robin on Weights.Passing (Weights.Warning when warning)
 * - least_outstanding  power of two choices on this client's in-flight calls per instance
 * - least_latency      power of two choices on the EWMA of this client's observed latency,
 *                      multiplied by (in-flight + 1) so a burst does not pile onto one instance
 * - hash               weighted rendezvous hashing on the call's key (a key stays on its instance
 *                      while it is healthy); without a key, round robin
 * - priority           the lowest `Meta.priority` group with an available instance, weighted within it
 */
export type ClientStrategy =
  | 'round_robin'
  | 'weighted'
  | 'least_outstanding'
  | 'least_latency'
  | 'hash'
  | 'priority';

export const CLIENT_STRATEGIES: readonly ClientStrategy[] = Object.freeze([
  'round_robin',
  'weighted',
  'least_outstanding',
  'least_latency',
  'hash',
  'priority',
]);

export function isClientStrategy(s: string): s is ClientStrategy {
  return (CLIENT_STRATEGIES as readonly string[]).includes(s);
}

/** What the client has measured about each instance. */
export interface LoadView {
  inflight(id: string): number;
  /** The latency average as of `now` (ms), or null before the first sample. */
  latencyMs(id: string, now: number): number | null;
}

interface Wrapped<E> extends Candidate {
  readonly endpoint: E;
}

/**
 * Picks one instance per call with one strategy. Deterministic given the random draws and the
 * measurements, so tests can replay it. Keeps the round-robin and smooth-weighted memory of
 * its group.
 */
export class Picker<E extends Endpoint = Endpoint> {
  readonly #state = new BalancerState(16);
  // Candidates are rebuilt only when an endpoint object changes (the watch replaces it).
  readonly #wrapped = new WeakMap<E, Wrapped<E>>();

  constructor(
    readonly strategy: ClientStrategy,
    private readonly group: string,
    private readonly random: () => number,
    private readonly load: LoadView,
  ) {}

  pick(endpoints: readonly E[], now: number, key?: string): E | undefined {
    if (endpoints.length <= 1) return endpoints[0];
    switch (this.strategy) {
      case 'least_outstanding':
        return pickTwoChoices(endpoints, (e) => this.load.inflight(e.id), this.random);
      case 'least_latency':
        return pickTwoChoices(
          endpoints,
          (e) => {
            const l = this.load.latencyMs(e.id, now);
            return l === null ? null : l * (this.load.inflight(e.id) + 1);
          },
          this.random,
        );
      default: {
        const order = orderCandidates(
          this.#state,
          this.strategy,
          this.group,
          endpoints.map((e) => this.#wrap(e)),
          key === undefined ? { random: this.random } : { key, random: this.random },
        );
        return order[0]?.endpoint;
      }
    }
  }

  #wrap(e: E): Wrapped<E> {
    let w = this.#wrapped.get(e);
    if (!w) {
      const priority = Number(e.meta.priority ?? 0);
      w = {
        id: e.id,
        weight: e.status === 'warning' ? e.weights.warning : e.weights.passing,
        load: null,
        priority: Number.isFinite(priority) ? priority : 0,
        endpoint: e,
      };
      this.#wrapped.set(e, w);
    }
    return w;
  }
}
