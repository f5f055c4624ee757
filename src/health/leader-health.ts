import type { Logger } from 'pino';
import type { Catalog, Command, LoadReport, SessionsView, StatusUpdate } from '../state/index.js';
import { scopedKey } from '../state/index.js';
import type { Heartbeat, HeartbeatRefusal } from './heartbeat.js';
import { servicesToReap } from './reaper.js';
import { SessionTracker } from './session-tracker.js';
import { TtlTracker } from './ttl-tracker.js';

/** What leader health reads of the replicated state, and the check changes it drains. */
export interface LeaderHealthState {
  readonly catalog: Pick<Catalog, 'ttlChecks' | 'check' | 'everyCheck' | 'drainCheckChanges'>;
  readonly sessions: SessionsView;
}

export interface LeaderHealthOptions {
  readonly selfPreservationShare: number;
  readonly selfPreservationMinChecks: number;
  /** How often the leader looks for expired TTLs (ms). */
  readonly expiryIntervalMs: number;
  readonly reapIntervalMs: number;
}

export interface HealthCounters {
  heartbeats: number;
  expiries: number;
  statusChanges: number;
  reaped: number;
  /** Expiry rounds run: lets a test wait for a round that saw a moved clock, not for time. */
  expiryRounds: number;
}

/**
 * What only the leader does for health: keep TTL deadlines in memory, turn
 * status changes and expiries into commands, reap long-critical services,
 * and replicate reported loads once a second. Started when this server
 * becomes leader, stopped when it stops leading. The driver around the pure
 * trackers (ttl-tracker.ts, session-tracker.ts, reaper.ts): it owns the
 * timers, and proposes through `apply` (the server's write path).
 */
export class LeaderHealth {
  private readonly tracker: TtlTracker;
  private readonly sessions = new SessionTracker();
  private sessionsSyncedIndex = -1;
  private endingSessions = false;
  private timers: NodeJS.Timeout[] = [];
  private active = false;
  private expiring = false;
  private reaping = false;
  private readonly loads = new Map<string, LoadReport>();
  readonly counters: HealthCounters = {
    heartbeats: 0,
    expiries: 0,
    statusChanges: 0,
    reaped: 0,
    expiryRounds: 0,
  };

  constructor(
    private readonly state: LeaderHealthState,
    private readonly apply: (cmd: Command) => Promise<unknown>,
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly opts: LeaderHealthOptions,
    /**
     * The clock of TTL and session deadlines: monotonic, so that a step of the
     * wall clock (`now`: NTP, an operator) neither expires every check at once
     * nor keeps dead ones alive. `now` stays the time written into commands.
     */
    private readonly deadlineClock: () => number = () => performance.now(),
  ) {
    this.tracker = new TtlTracker(opts);
  }

  get selfPreservation(): boolean {
    return this.active && this.tracker.selfPreservationActive;
  }

  get trackedChecks(): number {
    return this.tracker.size;
  }

  /** This server leads now: every TTL check gets a full TTL of grace from this moment. */
  start(): void {
    if (this.active) return;
    this.active = true;
    this.tracker.clear();
    this.state.catalog.drainCheckChanges();
    this.tracker.sync(this.state.catalog.ttlChecks(), this.deadlineClock());
    // Every session's timer restarts from scratch under a new leader.
    this.sessions.clear();
    this.sessions.sync(this.state.sessions.all(), this.deadlineClock());
    this.sessionsSyncedIndex = this.state.sessions.index;
    this.timers = [
      setInterval(() => this.expireRound(), this.opts.expiryIntervalMs),
      setInterval(() => this.reapRound(), this.opts.reapIntervalMs),
      setInterval(() => this.flushLoads(), 1000),
    ];
    this.log.info({ ttlChecks: this.tracker.size }, 'leader health started: TTL checks granted a full TTL');
  }

  stop(): void {
    if (!this.active) return;
    this.active = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.tracker.clear();
    this.sessions.clear();
    this.loads.clear();
  }

  /** A session renewal: moves its deadline. False if the session does not exist. */
  renewSession(id: string): boolean {
    const s = this.state.sessions.get(id);
    if (!s) return false;
    if (s.ttlMs <= 0) return true;
    if (!this.sessions.renew(id, this.deadlineClock())) {
      this.sessions.sync(this.state.sessions.all(), this.deadlineClock());
      this.sessions.renew(id, this.deadlineClock());
    }
    return true;
  }

  private expireSessions(): void {
    if (this.state.sessions.index !== this.sessionsSyncedIndex) {
      this.sessions.sync(this.state.sessions.all(), this.deadlineClock());
      this.sessionsSyncedIndex = this.state.sessions.index;
    }
    if (this.endingSessions) return;
    const ids = this.sessions.expire(this.deadlineClock());
    if (ids.length === 0) return;
    this.endingSessions = true;
    this.log.info({ sessions: ids }, 'sessions expired (TTL)');
    this.apply({
      type: 'sessionEnd',
      ids,
      write: { at: this.now(), author: 'cairn: session TTL expired', keep: 1000 },
    })
      .catch((err: unknown) => this.log.warn({ err }, 'ending expired sessions failed'))
      .finally(() => {
        this.endingSessions = false;
      });
  }

  /** Moves deadlines; proposes the status changes among `beats`. One result per beat. */
  async heartbeats(beats: readonly Heartbeat[]): Promise<(HeartbeatRefusal | null)[]> {
    const now = this.deadlineClock();
    const changes: StatusUpdate[] = [];
    const results: (HeartbeatRefusal | null)[] = beats.map((b) => {
      let v = this.tracker.heartbeat(b.node, b.checkId, b.status, b.output, now);
      if (v.kind === 'unknown') {
        const c = this.state.catalog.check(b.node, b.checkId);
        if (!c) return { ok: false, kind: 'notFound', message: `Unknown check ID "${b.checkId}"` };
        if (c.ttlMs <= 0) {
          return {
            ok: false,
            kind: 'notTtl',
            message: `CheckID "${b.checkId}" does not have associated TTL`,
          };
        }
        // Registered since the last sync: start tracking it now.
        this.tracker.track(c, now);
        v = this.tracker.heartbeat(b.node, b.checkId, b.status, b.output, now);
        if (v.kind !== 'ok')
          return { ok: false, kind: 'notFound', message: `Unknown check ID "${b.checkId}"` };
      }
      if (v.kind === 'notTtl') {
        return { ok: false, kind: 'notTtl', message: `CheckID "${b.checkId}" does not have associated TTL` };
      }
      if (v.kind === 'ok' && v.change) changes.push(v.change);
      if (b.load !== null) {
        const c = this.state.catalog.check(b.node, b.checkId);
        if (c && c.serviceId !== '') {
          this.loads.set(scopedKey(c.node, c.serviceId), {
            node: c.node,
            serviceId: c.serviceId,
            load: b.load,
          });
        }
      }
      return null;
    });
    this.counters.heartbeats += beats.length;
    if (changes.length > 0) {
      this.counters.statusChanges += changes.length;
      await this.writeStatuses(changes);
    }
    return results;
  }

  /**
   * Writes status changes the tracker decided. While they are in flight the tracker keeps its own
   * view over the catalog's older one; if the write fails, it takes the catalog's view back, so the
   * next heartbeat is compared with what the replicated state really holds.
   */
  private async writeStatuses(updates: readonly StatusUpdate[]): Promise<void> {
    this.tracker.writesStarted(updates);
    let failed = false;
    try {
      await this.apply({ type: 'checkStatus', at: this.now(), updates: [...updates] });
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      this.tracker.writesDone(updates);
      if (failed) {
        const now = this.deadlineClock();
        for (const u of updates) {
          const c = this.state.catalog.check(u.node, u.checkId);
          if (c) this.tracker.track(c, now);
        }
      }
    }
  }

  /** Updates the tracker with the checks that changed since the last round (all of them after an overflow). */
  private syncChanged(): void {
    const changed = this.state.catalog.drainCheckChanges();
    const now = this.deadlineClock();
    if (changed === null) {
      this.tracker.sync(this.state.catalog.ttlChecks(), now);
      return;
    }
    for (const [node, id] of changed) {
      const c = this.state.catalog.check(node, id);
      if (c && c.ttlMs > 0) this.tracker.track(c, now);
      else this.tracker.forget(node, id);
    }
  }

  private expireRound(): void {
    if (!this.active) return;
    this.expireSessions();
    if (this.expiring) return;
    this.syncChanged();
    const wasPreserving = this.tracker.selfPreservationActive;
    const round = this.tracker.expire(this.deadlineClock());
    this.counters.expiryRounds++;
    if (round.selfPreservation !== wasPreserving) {
      if (round.selfPreservation) {
        this.log.warn(
          { held: round.held, tracked: this.tracker.size },
          'self-preservation engaged: too many TTL checks expiring at once; expiry paused',
        );
      } else this.log.warn('self-preservation released: heartbeats recovered; expiry resumed');
    }
    if (round.expire.length === 0) return;
    this.expiring = true;
    this.counters.expiries += round.expire.length;
    this.log.info({ checks: round.expire.length }, 'TTL checks expired');
    this.writeStatuses(round.expire)
      .catch((err: unknown) => this.log.warn({ err }, 'proposing TTL expiries failed'))
      .finally(() => {
        this.expiring = false;
      });
  }

  private reapRound(): void {
    if (!this.active || this.reaping) return;
    const services = servicesToReap(this.state.catalog.everyCheck(), this.now());
    if (services.length === 0) return;
    this.reaping = true;
    this.counters.reaped += services.length;
    this.log.info(
      { services },
      'deregistering services critical for longer than DeregisterCriticalServiceAfter',
    );
    this.apply({ type: 'reap', services })
      .catch((err: unknown) => this.log.warn({ err }, 'reaping failed'))
      .finally(() => {
        this.reaping = false;
      });
  }

  private flushLoads(): void {
    if (!this.active || this.loads.size === 0) return;
    const reports = [...this.loads.values()];
    this.loads.clear();
    this.apply({ type: 'loads', reports }).catch((err: unknown) =>
      this.log.warn({ err }, 'replicating loads failed'),
    );
  }
}
