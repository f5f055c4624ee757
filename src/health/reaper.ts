import type { Check } from '../state/index.js';

/**
 * Services whose check has been critical for longer than its
 * DeregisterCriticalServiceAfter. Pure: `now` is the leader's clock and
 * `statusSince` was written by the leader that applied the status change.
 */
export function servicesToReap(checks: readonly Check[], now: number): { node: string; serviceId: string }[] {
  const seen = new Set<string>();
  const out: { node: string; serviceId: string }[] = [];
  for (const c of checks) {
    if (c.serviceId === '' || c.deregisterCriticalAfterMs <= 0 || c.status !== 'critical') continue;
    if (now - c.statusSince < c.deregisterCriticalAfterMs) continue;
    const key = `${c.node}\u0000${c.serviceId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ node: c.node, serviceId: c.serviceId });
  }
  return out;
}
