import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { LeaderHealth, Prober } from '../health/index.js';
import { type NodeId, RaftNode, type RaftStorage, type Status, type Transport } from '../raft/index.js';
import {
  type ApplyResult,
  type Command,
  type NodeSpec,
  RegistryState,
  type RegistryView,
} from '../state/index.js';
import { AppliedWaiters } from './applied-waiters.js';
import { Forwarding } from './forwarding.js';
import { Heartbeats } from './heartbeats.js';
import { handLeadershipOver, type LeaderDuty, selfNodeSpec } from './lifecycle.js';
import { Membership } from './membership.js';
import { type Consistency, Reads } from './reads.js';
import type { Heartbeat } from './rpc.js';
import { serveRequest } from './serve.js';
import { TombstoneGc } from './tombstone-gc.js';
import { type ApplyOutcome, Writes } from './writes.js';

export interface ServerOptions {
  readonly node: string;
  readonly datacenter: string;
  /** Where Raft keeps its log, snapshots and votes (LevelDB in the agent, memory in tests). */
  readonly storage: RaftStorage;
  /** Carries Raft messages and forwarding between servers (TCP in the agent, memory in tests). */
  readonly transport: Transport;
  /** This server's address in the catalog (its own node's Address). */
  readonly bind: string;
  /** host:port other servers should dial instead of the transport's own address (a proxy, NAT). */
  readonly advertise?: string;
  /** host:port where this server's HTTP API listens, told to the other servers ('' if it has none). */
  readonly httpAddress: string;
  /** host:port of its HTTPS API, told to the other servers; absent or '' for none. */
  readonly httpsAddress?: string;
  /** Found a single-server cluster if the data directory is empty. */
  readonly dev: boolean;
  readonly bootstrapExpect: number | null;
  /** Server addresses (host:port of their server port) to join or discover. */
  readonly join: readonly string[];
  readonly logger: Logger;
  readonly snapshotEvery?: number;
  readonly trailingLogs?: number;
  /** Voters autopilot promotes learners up to (default 5). */
  readonly maxVoters?: number;
  readonly selfPreservationShare?: number;
  readonly selfPreservationMinChecks?: number;
  /**
   * The wall clock (ms since epoch) for command timestamps, reaping and lock-delay; injectable for
   * tests. Deadlines run on `monotonic` instead.
   */
  readonly now?: () => number;
  /**
   * The monotonic clock (ms) for TTL-check and session deadlines, probe schedules and tombstone
   * ages (default performance.now); injectable so tests move deadlines instead of waiting.
   */
  readonly monotonic?: () => number;
  readonly tickMs?: number;
  /** How long deleted KV keys keep their tombstone and history (default 15 min, as Consul's tombstone_ttl). */
  readonly kvTombstoneTtlMs?: number;
}

/** What this server did as leader (counters since it started), and what it tracks now. */
export interface ServerStats {
  readonly heartbeats: number;
  readonly ttlExpiries: number;
  readonly statusChanges: number;
  readonly servicesReaped: number;
  /** Expiry rounds run: lets a test wait for a round that saw a moved clock, not for time. */
  readonly expiryRounds: number;
  /** True while TTL expiry is paused by self-preservation (false on a follower). */
  readonly selfPreservation: boolean;
  readonly trackedTtlChecks: number;
  readonly probeChecks: number;
  readonly probesRun: number;
}

/**
 * One cairn server: Raft + the registry state + forwarding to the leader +
 * the leader's health duties + membership. The HTTP and DNS layers talk to
 * this and nothing below it: they read through `view` and act through the
 * methods. The parts: forwarding.ts and serve.ts (to and from other
 * servers), writes.ts, reads.ts, heartbeats.ts, lifecycle.ts, membership.ts.
 *
 * Events: `leaderChanged` (leader name | null), `fatal` (Error; a StorageFaultError when the
 * data directory is gone, replaced or unwritable): the server has halted and must be stopped.
 */
export class CairnServer extends EventEmitter {
  private readonly state: RegistryState;
  private readonly raft: RaftNode<ApplyResult>;
  private readonly health: LeaderHealth;
  /** HTTP and TCP checks, probed by the leader. */
  private readonly prober: Prober;
  private readonly tombstones: TombstoneGc;
  private readonly membership: Membership;
  private readonly forwarding: Forwarding;
  private readonly appliedWaiters: AppliedWaiters;
  private readonly writes: Writes;
  private readonly reads: Reads;
  private readonly heartbeats: Heartbeats;
  /** The wall clock: the time written into commands (registrations, KV writes). */
  readonly now: () => number;
  private readonly log: Logger;
  private stopped = false;
  /** Set once Raft halted on a fatal failure (storage): it can no longer hand leadership over. */
  private failed = false;

  constructor(private readonly opts: ServerOptions) {
    super();
    this.setMaxListeners(0);
    this.log = opts.logger;
    this.now = opts.now ?? Date.now;
    const monotonic = opts.monotonic ?? (() => performance.now());
    const stopping = () => this.stopped;
    // Lock-delays start by this clock when a session ends, and are checked by it (writes.ts).
    this.state = new RegistryState(this.now, (skipped) =>
      this.log.warn(skipped, 'skipped a replicated command this version does not know (marked skippable)'),
    );
    const transport = opts.transport;
    this.raft = new RaftNode<ApplyResult>({
      id: opts.node,
      storage: opts.storage,
      transport,
      stateMachine: this.state,
      logger: opts.logger,
      ...(opts.advertise !== undefined ? { advertise: opts.advertise } : {}),
      ...(opts.tickMs !== undefined ? { tickMs: opts.tickMs } : {}),
      ...(opts.snapshotEvery !== undefined ? { snapshotEvery: opts.snapshotEvery } : {}),
      ...(opts.trailingLogs !== undefined ? { keepEntries: opts.trailingLogs } : {}),
    });
    const apply = (cmd: Command) => this.apply(cmd);
    this.health = new LeaderHealth(
      this.state,
      apply,
      this.now,
      opts.logger,
      {
        selfPreservationShare: opts.selfPreservationShare ?? 0.5,
        selfPreservationMinChecks: opts.selfPreservationMinChecks ?? 10,
        expiryIntervalMs: 200,
        reapIntervalMs: 1000,
      },
      monotonic,
    );
    const tombstoneTtlMs = opts.kvTombstoneTtlMs ?? 15 * 60_000;
    this.tombstones = new TombstoneGc(
      this.state,
      () => this.raft.applied,
      apply,
      opts.logger,
      {
        ttlMs: tombstoneTtlMs,
        intervalMs: Math.min(60_000, Math.max(100, tombstoneTtlMs / 10)),
      },
      monotonic,
    );
    this.prober = new Prober(
      this.state,
      apply,
      opts.logger,
      { tickMs: 250, concurrency: 64 },
      this.now,
      monotonic,
    );
    this.forwarding = new Forwarding({ raft: this.raft, transport, events: this, stopping });
    this.appliedWaiters = new AppliedWaiters(() => this.raft.applied, stopping);
    const common = { raft: this.raft, forwarding: this.forwarding, applied: this.appliedWaiters };
    this.writes = new Writes({ ...common, self: opts.node, state: this.state, now: this.now });
    this.reads = new Reads(common);
    this.heartbeats = new Heartbeats({ ...common, health: this.health });
    this.membership = new Membership(
      {
        raft: this.raft,
        state: this.state,
        apply,
        request: (to, req, timeoutMs) => this.forwarding.request(to, req, timeoutMs),
        selfNode: () => this.selfNode,
        serverAddress: () => this.serverAddress,
        now: this.now,
        onLeaderChanged: (f) => this.on('leaderChanged', f),
      },
      transport,
      opts,
    );
    this.raft.on('leaderChanged', (lead: NodeId | null) => this.onLeaderChanged(lead));
    this.raft.on('applied', (index: number) => this.appliedWaiters.release(index));
    this.raft.on('fatal', (err: unknown) => {
      this.failed = true;
      this.emit('fatal', err);
    });
    const served = { raft: this.raft, writes: this.writes, health: this.health, membership: this.membership };
    transport.onRequest((_from, payload) => serveRequest(served, payload));
  }

  // ---- lifecycle ----------------------------------------------------------------------

  async start(): Promise<void> {
    await this.raft.start();
    if (this.opts.dev) this.raft.bootstrapIfEmpty([this.opts.node]);
    this.membership.start();
  }

  /** Stops serving. A leader first hands leadership to the most caught-up voter. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.membership.stop();
    if (this.raft.isLeader() && !this.failed)
      await handLeadershipOver(this.raft, this.opts.node, 3000, this.log);
    for (const d of this.leaderDuties()) d.stop();
    this.heartbeats.close();
    this.writes.close();
    await this.raft.stop();
    this.appliedWaiters.releaseAll();
  }

  private leaderDuties(): readonly LeaderDuty[] {
    return [this.health, this.tombstones, this.prober];
  }

  private onLeaderChanged(lead: NodeId | null): void {
    for (const d of this.leaderDuties()) {
      if (lead === this.opts.node) d.start();
      else d.stop();
    }
    this.emit('leaderChanged', lead);
  }

  // ---- who this server is -----------------------------------------------------------

  get name(): string {
    return this.opts.node;
  }

  /** This server's own catalog node: agent registrations and sessions created here live on it. */
  get selfNode(): NodeSpec {
    return selfNodeSpec(this.opts);
  }

  /** host:port of this server's Raft and forwarding listener. */
  get serverAddress(): string {
    return this.raft.selfAddress;
  }

  // ---- reads --------------------------------------------------------------------------

  /**
   * The registry state as this server has applied it, read-only. Call readBarrier first for a
   * read at a consistency mode; DNS and stale reads read it as it is.
   */
  get view(): RegistryView {
    return this.state;
  }

  /**
   * Makes the local state fresh enough for `mode`: stale reads go ahead at
   * once; default reads ride the leader's lease (a follower asks the leader
   * for its commit index and waits to apply it); consistent reads confirm
   * leadership with a quorum first.
   */
  readBarrier(mode: Consistency): Promise<void> {
    return this.reads.barrier(mode);
  }

  /**
   * Wakes every blocking query and watch waiting for a change, so that each answers now with what
   * it has (the HTTP API shutting down).
   */
  wakeAllWaiters(): void {
    this.state.hub.notifyAll(this.state.applied);
  }

  /** Counters of the leader's duties (health, probes) and what they track now. */
  stats(): ServerStats {
    const h = this.health.counters;
    return {
      heartbeats: h.heartbeats,
      ttlExpiries: h.expiries,
      statusChanges: h.statusChanges,
      servicesReaped: h.reaped,
      expiryRounds: h.expiryRounds,
      selfPreservation: this.health.selfPreservation,
      trackedTtlChecks: this.health.trackedChecks,
      probeChecks: this.prober.checks,
      probesRun: this.prober.counters.probes,
    };
  }

  // ---- writes -------------------------------------------------------------------------

  /**
   * Applies a command through Raft: proposed here on the leader, forwarded to
   * it from a follower. Retries while the outcome is known not to have
   * happened (no leader yet, leader changed); reports unknownOutcome when it
   * may have happened. Reads that follow on this server see the write.
   */
  apply(cmd: Command): Promise<ApplyOutcome> {
    return this.writes.apply(cmd);
  }

  /** A TTL heartbeat: handled by the leader; from a follower, coalesced with others into one request. */
  heartbeat(beat: Heartbeat): Promise<void> {
    return this.heartbeats.heartbeat(beat);
  }

  /** A session renewal, handled by the leader (renewals are not writes). */
  renewSession(id: string): Promise<void> {
    return this.heartbeats.renewSession(id);
  }

  // ---- leadership and membership -------------------------------------------------------

  leader(): { name: string; serverAddress: string | null } | null {
    const l = this.raft.leader();
    return l ? { name: l.id, serverAddress: l.address } : null;
  }

  isLeader(): boolean {
    return this.raft.isLeader();
  }

  status(): Status {
    return this.raft.status();
  }

  /** Milliseconds since the leader was last heard from (0 on the leader, -1 if never). */
  lastContactMs(): number {
    return this.raft.lastContactMs();
  }

  /** The Raft driver's counters (snapshots taken and failed, writes, ...), live: read them when needed. */
  raftStats(): Readonly<RaftNode<ApplyResult>['stats']> {
    return this.raft.stats;
  }

  /** Calls `f` with the milliseconds of each durable Raft write (a batch of log entries and its fsync). */
  onSyncedWrite(f: (ms: number) => void): void {
    this.raft.on('syncedWrite', f);
  }

  /** host:port of the Raft listener of server `id`, as this server dials it (undefined if unknown). */
  serverAddressOf(id: string): string | undefined {
    return this.raft.peerAddress(id);
  }

  /** Joins the cluster of the server listening at `address` (host:port); the number of its servers. */
  join(address: string): Promise<number> {
    return this.membership.joinVia(address);
  }

  /**
   * Removes server `name` from the Raft configuration (on the leader) and marks it left
   * (force-leave, DELETE /v1/operator/raft/peer).
   */
  removeServer(name: string): Promise<void> {
    return this.membership.remove(name);
  }
}
