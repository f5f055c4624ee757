import type { Session } from '../state/index.js';

/**
 * The leader's session TTL deadlines. As in Consul a session's timer runs
 * for twice its TTL (so expiry lands between TTL and 2xTTL after the last
 * renewal), renewals only move the deadline, and a new leader restarts every
 * timer from scratch. Pure: the clock comes in as arguments.
 */
export class SessionTracker {
  private readonly deadlines = new Map<string, { ttlMs: number; deadline: number }>();

  /** Tracks the TTL sessions among `sessions`; ones new to the tracker get a full 2xTTL from `now`. */
  sync(sessions: readonly Session[], now: number): void {
    const seen = new Set<string>();
    for (const s of sessions) {
      if (s.ttlMs <= 0) continue;
      seen.add(s.id);
      if (!this.deadlines.has(s.id))
        this.deadlines.set(s.id, { ttlMs: s.ttlMs, deadline: now + 2 * s.ttlMs });
    }
    for (const id of this.deadlines.keys()) if (!seen.has(id)) this.deadlines.delete(id);
  }

  /** False if the session is not tracked (unknown, or has no TTL). */
  renew(id: string, now: number): boolean {
    const d = this.deadlines.get(id);
    if (!d) return false;
    d.deadline = now + 2 * d.ttlMs;
    return true;
  }

  /** Sessions past their deadline; each is reported once. */
  expire(now: number): string[] {
    const out: string[] = [];
    for (const [id, d] of this.deadlines) {
      if (d.deadline <= now) {
        out.push(id);
        this.deadlines.delete(id);
      }
    }
    return out;
  }

  clear(): void {
    this.deadlines.clear();
  }

  get size(): number {
    return this.deadlines.size;
  }
}
