import type { Check, HealthStatus, StatusUpdate } from '../state/index.js';
import { scopedKey } from '../state/index.js';

export interface TtlTrackerOptions {
  /**
   * Self-preservation: when more than this share of the live TTL checks are
   * expiring or expired within the last TTL, stop expiring (a network
   * problem, not a mass death, is the likelier cause). 0 < share <= 1.
   */
  readonly selfPreservationShare: number;
  /** Below this many TTL checks self-preservation never engages. */
  readonly selfPreservationMinChecks: number;
  /**
   * A heartbeat that changes only the output is replicated at most this often (ms; default
   * 5 min, Consul's check_update_interval): output is for people, and heartbeats stay off the log.
   */
  readonly outputSyncMs?: number;
}

interface Tracked {
  readonly node: string;
  readonly checkId: string;
  ttlMs: number;
  deadline: number;
  /** Leader clock when this tracker expired it; 0 while live. */
  expiredAt: number;
  /** The status the replicated state holds, as this tracker last saw it. */
  status: HealthStatus;
  output: string;
  /** When the output was last replicated (or first seen). */
  outputSyncedAt: number;
  /**
   * Status writes of this tracker not yet applied. While one is in flight the catalog still
   * shows the status before it, which `track` must not take for news.
   */
  writing: number;
}

export type HeartbeatVerdict =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'notTtl' }
  /** Deadline moved; `change` is the status update to propose, if the status or output differs. */
  | { readonly kind: 'ok'; readonly change: StatusUpdate | null };

export interface ExpiryRound {
  readonly expire: readonly StatusUpdate[];
  readonly selfPreservation: boolean;
  /** Checks past their deadline that were not expired because of self-preservation. */
  readonly held: number;
}

/**
 * The leader's in-memory TTL deadlines (DESIGN.md, principle 4). Pure: the
 * clock comes in as arguments. A heartbeat moves a deadline; only a change
 * of status becomes a command.
 */
export class TtlTracker {
  private readonly tracked = new Map<string, Tracked>();
  private selfPreserving = false;

  constructor(private readonly opts: TtlTrackerOptions) {}

  /**
   * Brings the tracked set in line with the replicated TTL checks. Checks new
   * to the tracker get a full TTL from `now`: that is the grace a new leader
   * gives every check, and the first TTL of a new registration.
   */
  sync(checks: readonly Check[], now: number): void {
    const seen = new Set<string>();
    for (const c of checks) {
      if (c.ttlMs <= 0) continue;
      seen.add(scopedKey(c.node, c.id));
      this.track(c, now);
    }
    for (const key of this.tracked.keys()) if (!seen.has(key)) this.tracked.delete(key);
  }

  /** Starts tracking one TTL check (or refreshes what is known of it), as `sync` does for all. */
  track(c: Check, now: number): void {
    if (c.ttlMs <= 0) return;
    const key = scopedKey(c.node, c.id);
    {
      const t = this.tracked.get(key);
      if (!t) {
        this.tracked.set(key, {
          node: c.node,
          checkId: c.id,
          ttlMs: c.ttlMs,
          deadline: now + c.ttlMs,
          expiredAt: 0,
          status: c.status,
          output: c.output,
          outputSyncedAt: now,
          writing: 0,
        });
        return;
      }
      if (t.ttlMs !== c.ttlMs) {
        t.ttlMs = c.ttlMs;
        t.deadline = Math.min(t.deadline, now + c.ttlMs);
      }
      // With a write of ours in flight the catalog lags behind it: taking its status back would make
      // the next heartbeat that repeats the old status look like no change, and it would be lost.
      if (t.writing === 0 && (t.status !== c.status || t.output !== c.output)) {
        t.status = c.status;
        t.output = c.output;
        // Made live again by someone (a re-registration, a catalog write): it gets a full TTL.
        if (c.status !== 'critical' && t.expiredAt > 0) {
          t.expiredAt = 0;
          t.deadline = now + t.ttlMs;
        }
      }
    }
  }

  /** Status changes this tracker handed out are being written (until `writesDone`). */
  writesStarted(updates: readonly { node: string; checkId: string }[]): void {
    for (const u of updates) {
      const t = this.tracked.get(scopedKey(u.node, u.checkId));
      if (t) t.writing++;
    }
  }

  /** Those writes were applied, or failed (then `track` the catalog's checks again to resync). */
  writesDone(updates: readonly { node: string; checkId: string }[]): void {
    for (const u of updates) {
      const t = this.tracked.get(scopedKey(u.node, u.checkId));
      if (t && t.writing > 0) t.writing--;
    }
  }

  /** Stops tracking one check (it was deregistered or lost its TTL). */
  forget(node: string, checkId: string): void {
    this.tracked.delete(scopedKey(node, checkId));
  }

  /** Forgets everything (this server stopped leading). */
  clear(): void {
    this.tracked.clear();
    this.selfPreserving = false;
  }

  heartbeat(
    node: string,
    checkId: string,
    status: HealthStatus,
    output: string,
    now: number,
  ): HeartbeatVerdict {
    const t = this.tracked.get(scopedKey(node, checkId));
    if (!t) return { kind: 'unknown' };
    t.deadline = now + t.ttlMs;
    t.expiredAt = 0;
    if (t.status === status && t.output === output) return { kind: 'ok', change: null };
    if (t.status === status && now - t.outputSyncedAt < (this.opts.outputSyncMs ?? 5 * 60_000)) {
      return { kind: 'ok', change: null };
    }
    t.status = status;
    t.output = output;
    t.outputSyncedAt = now;
    return { kind: 'ok', change: { node, checkId, status, output } };
  }

  isTracked(node: string, checkId: string): boolean {
    return this.tracked.has(scopedKey(node, checkId));
  }

  /** The checks whose deadline passed, unless self-preservation holds them. */
  expire(now: number): ExpiryRound {
    let live = 0;
    let recent = 0;
    const due: Tracked[] = [];
    for (const t of this.tracked.values()) {
      if (t.expiredAt > 0) {
        if (t.expiredAt + t.ttlMs > now) recent++;
        continue;
      }
      if (t.status === 'critical') continue;
      live++;
      if (t.deadline <= now) due.push(t);
    }
    const population = live + recent;
    this.selfPreserving =
      population >= this.opts.selfPreservationMinChecks &&
      recent + due.length > this.opts.selfPreservationShare * population;
    if (this.selfPreserving) return { expire: [], selfPreservation: true, held: due.length };
    const expire: StatusUpdate[] = [];
    for (const t of due) {
      t.expiredAt = now;
      const output =
        t.output === '' ? 'TTL expired' : `TTL expired (last output before timeout follows): ${t.output}`;
      t.status = 'critical';
      t.output = output;
      expire.push({ node: t.node, checkId: t.checkId, status: 'critical', output });
    }
    return { expire, selfPreservation: false, held: 0 };
  }

  get selfPreservationActive(): boolean {
    return this.selfPreserving;
  }

  get size(): number {
    return this.tracked.size;
  }
}
