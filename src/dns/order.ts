import { type BalancerState, isStrategyName, orderCandidates, type StrategyName } from '../balance/index.js';
import { candidateId, instanceCandidate, instancePriority, instanceWeight } from '../state/index.js';
import type { DnsInstance } from './view.js';

/**
 * How a service's DNS answers are ordered, from `Meta.lb` of its instances (cairn extension):
 * `shuffle` (the default, Consul's behaviour), or one of the balancer's strategies.
 */
export type DnsStrategy = 'shuffle' | StrategyName;

/** The first valid `Meta.lb` among the instances (in catalog order), else `shuffle`. */
export function strategyOf(instances: readonly DnsInstance[]): DnsStrategy {
  for (const e of instances) {
    const lb = e.instance.meta.lb;
    if (lb === undefined) continue;
    const v = lb.trim().toLowerCase();
    if (v === 'shuffle' || isStrategyName(v)) return v;
  }
  return 'shuffle';
}

export interface OrderContext {
  /** Round-robin positions, per service and tag, kept by the server between queries. */
  readonly balancer: BalancerState;
  /** Uniform in [0, 1); injected so that tests replay a seed. */
  readonly random: () => number;
  /** For `hash`: the querying client (its IP), so that a client keeps its instance. */
  readonly clientKey?: string;
}

/**
 * Orders one answer's instances. `round_robin` rotates between queries, `weighted` is a random
 * permutation in which each instance comes first with probability weight / total (and so on down
 * the list), `shuffle` a uniform one; `least_load` and `hash` (on the client's address) come from
 * the balancer. `priority` puts each `Meta.priority` group after the more preferred ones, weighted
 * shuffled within.
 */
export function orderInstances(
  strategy: DnsStrategy,
  group: string,
  entries: readonly DnsInstance[],
  ctx: OrderContext,
): DnsInstance[] {
  switch (strategy) {
    case 'shuffle':
      return shuffle(entries, ctx.random);
    case 'weighted':
      return weightedShuffle(entries, ctx.random);
    case 'priority':
      return byPriority(entries, ctx.random);
    case 'round_robin':
    case 'least_load':
    case 'hash': {
      const byId = new Map(entries.map((e) => [candidateId(e.instance), e]));
      const candidates = entries.map((e) => instanceCandidate(e.instance, e.status));
      const ordered = orderCandidates(ctx.balancer, strategy, group, candidates, {
        random: ctx.random,
        ...(strategy === 'hash' && ctx.clientKey !== undefined ? { key: ctx.clientKey } : {}),
      });
      return ordered.map((c) => byId.get(c.id)!);
    }
  }
}

/** Fisher–Yates. */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

/**
 * Weighted random permutation (Efraimidis–Spirakis, as exponential races): each instance draws
 * -ln(u) / weight and the smallest goes first, so P(first) = weight / total. Weight 0 (or invalid)
 * goes last, uniformly shuffled.
 */
export function weightedShuffle(entries: readonly DnsInstance[], random: () => number): DnsInstance[] {
  const keyed: { e: DnsInstance; k: number }[] = [];
  const zero: DnsInstance[] = [];
  for (const e of entries) {
    const w = instanceWeight(e.instance, e.status);
    if (Number.isFinite(w) && w > 0) keyed.push({ e, k: -Math.log(1 - random()) / w });
    else zero.push(e);
  }
  keyed.sort((a, b) => a.k - b.k);
  return [...keyed.map((x) => x.e), ...shuffle(zero, random)];
}

/** SRV priority is 16 bits and 0 is a valid value: `Meta.priority` p (clamped to 0..65534) is p + 1. */
export function srvPriorityOf(e: DnsInstance): number {
  const p = Math.trunc(instancePriority(e.instance));
  return Math.min(Math.max(p, 0), 65534) + 1;
}

function byPriority(entries: readonly DnsInstance[], random: () => number): DnsInstance[] {
  const groups = new Map<number, DnsInstance[]>();
  for (const e of entries) {
    const p = instancePriority(e.instance);
    const g = groups.get(p);
    if (g) g.push(e);
    else groups.set(p, [e]);
  }
  const keys = [...groups.keys()].sort((a, b) => a - b);
  return keys.flatMap((k) => weightedShuffle(groups.get(k)!, random));
}
