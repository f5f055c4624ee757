/**
 * The health workload's checker: no instance that kept heartbeating is ever
 * reported critical.
 *
 * "Kept heartbeating", from the client's side only: a heartbeat acknowledged
 * at `c` was processed by the leader after it was sent at `i`, so it moved the
 * deadline to at least `i + TTL`. Take the registration and the acknowledged
 * heartbeats of one instance in order; while each next one is acknowledged
 * before the previous one's `i + TTL - margin`, the deadline never lapsed.
 * The instance is protected until the first time that chain breaks (a heartbeat
 * gap: no leader for long enough, say).
 *
 * A check's status change is a replicated write, so it moves the check's
 * ModifyIndex: an observation (a read of the service's checks, on any server,
 * in any consistency mode) that shows a protected instance critical, or
 * with a ModifyIndex other than the one it had right after registration,
 * proves it went critical while protected (even if it is passing again).
 */
import type { Op } from '../history.js';
import type { CheckSeen } from '../workloads.js';

export interface HealthCheck {
  readonly ok: boolean;
  readonly problems: string[];
  readonly instances: number;
  readonly heartbeats: number;
  readonly heartbeatFailures: number;
  readonly observations: number;
  /** Instances whose heartbeats had a gap before the last observation (not protected throughout). */
  readonly gaps: number;
}

/** Until when (recorder ms) each instance is protected. */
export function protectedUntil(ops: readonly Op[], ttlMs: number, marginMs: number): Map<string, number> {
  const byInstance = new Map<string, Op[]>();
  for (const o of ops) {
    if ((o.f !== 'register' && o.f !== 'beat') || o.outcome !== 'ok') continue;
    const list = byInstance.get(o.key) ?? [];
    list.push(o);
    byInstance.set(o.key, list);
  }
  const out = new Map<string, number>();
  for (const [id, list] of byInstance) {
    list.sort((a, b) => (a.complete as number) - (b.complete as number));
    let until = (list[0]!.invoke as number) + ttlMs - marginMs;
    for (let k = 1; k < list.length; k++) {
      if ((list[k]!.complete as number) >= until) break;
      until = Math.max(until, list[k]!.invoke + ttlMs - marginMs);
    }
    out.set(id, until);
  }
  return out;
}

export function checkHealth(
  ops: readonly Op[],
  baseline: ReadonlyMap<string, number>,
  ttlMs: number,
  marginMs: number,
): HealthCheck {
  const problems: string[] = [];
  const until = protectedUntil(ops, ttlMs, marginMs);
  const beats = ops.filter((o) => o.f === 'beat');
  const observations = ops.filter((o) => o.f === 'checks' && o.outcome === 'ok');
  const reported = new Set<string>();
  const lastSeen = Math.max(0, ...observations.map((o) => o.complete as number));
  for (const r of observations) {
    for (const c of r.output as CheckSeen[]) {
      const base = baseline.get(c.id);
      const limit = until.get(c.id);
      if (base === undefined || limit === undefined) continue;
      if (c.status === 'passing' && c.modifyIndex === base) continue;
      if ((r.complete as number) >= limit) continue;
      const key = `${c.id}@${c.modifyIndex}/${c.status}`;
      if (reported.has(key)) continue;
      reported.add(key);
      problems.push(
        `${c.id} reported ${c.status} (check ModifyIndex ${c.modifyIndex}, was ${base}) by read #${r.id} on ${r.server}` +
          ` at ${(r.complete as number).toFixed(0)} ms, while its heartbeats kept it alive until ${limit.toFixed(0)} ms`,
      );
    }
  }
  return {
    ok: problems.length === 0,
    problems,
    instances: baseline.size,
    heartbeats: beats.filter((b) => b.outcome === 'ok').length,
    heartbeatFailures: beats.filter((b) => b.outcome !== 'ok').length,
    observations: observations.length,
    gaps: [...until.values()].filter((u) => u < lastSeen).length,
  };
}
