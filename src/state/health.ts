/**
 * How lookups (HTTP `/v1/health/service` and DNS) judge an instance: the aggregate status of its
 * checks, the protection threshold, and the candidate the balancer orders. Pure functions over
 * catalog records, shared by `src/http` and `src/dns` so that both answer alike.
 */
import type { Candidate } from '../balance/index.js';
import type { Check, HealthStatus, Instance } from './types.js';

/** The worst status among an instance's checks (its node's and its own); no checks is passing. */
export function aggregateStatus(checks: readonly Check[]): HealthStatus {
  let worst: HealthStatus = 'passing';
  for (const c of checks) {
    if (c.status === 'critical') return 'critical';
    if (c.status === 'warning') worst = 'warning';
  }
  return worst;
}

/**
 * The protection threshold of a service: `Meta.protection_threshold` (0..1) of the first of its
 * instances that has a valid one, else `fallback` (the server's `--protection-threshold`).
 */
export function protectionThreshold(instances: Iterable<Instance>, fallback: number): number {
  for (const i of instances) {
    const raw = i.meta.protection_threshold;
    if (raw === undefined) continue;
    const v = Number(raw);
    if (Number.isFinite(v) && v >= 0 && v <= 1) return v;
  }
  return fallback;
}

export interface HealthSelection<T> {
  readonly chosen: T[];
  /** Fewer than the threshold were healthy, so `chosen` is every instance. */
  readonly protection: boolean;
}

/**
 * The healthy entries (passing, and warning when `acceptWarning`), or all of them when the healthy
 * share is below `threshold` (0 = off): sending every request to the few survivors would overload
 * them too.
 */
export function selectHealthy<T extends { readonly status: HealthStatus }>(
  all: readonly T[],
  acceptWarning: boolean,
  threshold: number,
): HealthSelection<T> {
  const healthy = all.filter((e) => e.status === 'passing' || (acceptWarning && e.status === 'warning'));
  if (all.length > 0 && threshold > 0 && healthy.length / all.length < threshold) {
    return { chosen: [...all], protection: true };
  }
  return { chosen: healthy, protection: false };
}

/** An instance's `Meta.priority` (lower = preferred); absent or not a number is 0. */
export function instancePriority(i: Instance): number {
  const p = Number(i.meta.priority ?? 0);
  return Number.isFinite(p) ? p : 0;
}

/** Consul's weights: `Weights.Warning` while the instance is warning, else `Weights.Passing`. */
export function instanceWeight(i: Instance, status: HealthStatus): number {
  return status === 'warning' ? i.weights.warning : i.weights.passing;
}

/** The id that names an instance among a service's candidates. */
export function candidateId(i: Instance): string {
  return `${i.node}/${i.id}`;
}

/** An instance as the balancer sees it. */
export function instanceCandidate(i: Instance, status: HealthStatus): Candidate {
  return {
    id: candidateId(i),
    weight: instanceWeight(i, status),
    load: i.load,
    priority: instancePriority(i),
  };
}
