import type { Check, HealthStatus, Probe, ProbeThresholds } from '../state/index.js';
import { scopedKey } from '../state/index.js';

/** A probe's verdict, worded as Consul words it in a check's Output. */
export interface ProbeResult {
  readonly status: HealthStatus;
  readonly output: string;
}

/** How much of an HTTP check's answer goes into its Output (Consul keeps 4 KiB). */
export const OUTPUT_LIMIT = 4096;

/** Consul's reading of an HTTP check: 2xx passing, 429 (too many requests) warning, else critical. */
export function httpCheckStatus(code: number): HealthStatus {
  if (code >= 200 && code < 300) return 'passing';
  if (code === 429) return 'warning';
  return 'critical';
}

export function httpAnswered(
  p: Extract<Probe, { kind: 'http' }>,
  code: number,
  reason: string,
  body: string,
): ProbeResult {
  const text = body.length > OUTPUT_LIMIT ? body.slice(0, OUTPUT_LIMIT) : body;
  return {
    status: httpCheckStatus(code),
    output: `HTTP ${p.method} ${p.url}: ${code} ${reason} Output: ${text}`,
  };
}

export function httpFailed(p: Extract<Probe, { kind: 'http' }>, reason: string): ProbeResult {
  return { status: 'critical', output: `${p.method} ${p.url}: ${reason}` };
}

export function tcpConnected(p: Extract<Probe, { kind: 'tcp' }>): ProbeResult {
  return { status: 'passing', output: `TCP connect ${p.address}: Success` };
}

export function tcpFailed(p: Extract<Probe, { kind: 'tcp' }>, reason: string): ProbeResult {
  return { status: 'critical', output: `dial tcp ${p.address}: ${reason}` };
}

interface Slot {
  check: Check;
  due: number;
  running: boolean;
}

/**
 * When each HTTP or TCP check is next probed. Pure: callers pass the checks
 * and the (monotonic) time. A new check, or one whose probe changed, is due
 * at once, so a registration gets a real status within a tick instead of an
 * interval; after that each check runs every interval, never twice at once.
 */
export class ProbeSchedule {
  private readonly slots = new Map<string, Slot>();

  /** Makes the schedule cover exactly `checks` (new ones due now, gone ones dropped). */
  sync(checks: readonly Check[], now: number): void {
    const seen = new Set<string>();
    for (const c of checks) {
      if (c.probe === null) continue;
      const key = scopedKey(c.node, c.id);
      seen.add(key);
      const slot = this.slots.get(key);
      if (!slot) this.slots.set(key, { check: c, due: now, running: false });
      else {
        if (JSON.stringify(slot.check.probe) !== JSON.stringify(c.probe)) slot.due = now;
        slot.check = c;
      }
    }
    for (const key of this.slots.keys()) if (!seen.has(key)) this.slots.delete(key);
  }

  /** Up to `limit` checks due at `now`, earliest first; each is marked running until `done`. */
  due(now: number, limit: number): Check[] {
    if (limit <= 0) return [];
    const ready = [...this.slots.values()].filter((s) => !s.running && s.due <= now);
    ready.sort((a, b) => a.due - b.due);
    return ready.slice(0, limit).map((s) => {
      s.running = true;
      return s.check;
    });
  }

  /** The probe of `check` finished at `now`: it is due again one interval later. */
  done(check: Check, now: number): void {
    const slot = this.slots.get(scopedKey(check.node, check.id));
    if (!slot) return;
    slot.running = false;
    slot.due = now + (slot.check.probe?.intervalMs ?? 0);
  }

  get size(): number {
    return this.slots.size;
  }

  clear(): void {
    this.slots.clear();
  }
}

/**
 * Consecutive probe results per check, and the status they allow, as
 * Consul's SuccessBeforePassing / FailuresBeforeWarning /
 * FailuresBeforeCritical: passing and warning count as successes, critical as
 * failures, and a status moves only after that many in a row (0: at once).
 */
export class Streaks {
  private readonly byKey = new Map<string, { successes: number; failures: number }>();

  /** The status the check moves to after `result`, or null to keep the one it has. */
  observe(key: string, result: HealthStatus, t: ProbeThresholds | undefined): HealthStatus | null {
    let s = this.byKey.get(key);
    if (!s) {
      s = { successes: 0, failures: 0 };
      this.byKey.set(key, s);
    }
    if (result !== 'critical') {
      s.successes++;
      s.failures = 0;
      return s.successes >= (t?.successBeforePassing ?? 0) ? result : null;
    }
    s.failures++;
    s.successes = 0;
    if (s.failures >= (t?.failuresBeforeCritical ?? 0)) return 'critical';
    if (s.failures >= (t?.failuresBeforeWarning ?? 0)) return 'warning';
    return null;
  }

  /** Drops the counts of checks not in `keys` (deregistered ones). */
  keepOnly(keys: ReadonlySet<string>): void {
    for (const k of this.byKey.keys()) if (!keys.has(k)) this.byKey.delete(k);
  }

  clear(): void {
    this.byKey.clear();
  }
}
