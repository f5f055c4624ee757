import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { LeaderHealth, Prober } from '../health/index.js';
import {
  type NodeId,
  RaftError,
  RaftNode,
  type RaftStorage,
  type Status,
  type Transport,
  TransportError,
} from '../raft/index.js';
import {
  type ApplyResult,
  type Command,
  encodeCommand,
  failure,
  lockDelayRefusal,
  type NodeSpec,
  RegistryState,
  type RegistryView,
  readCommand,
} from '../state/index.js';
import { Coalescer } from './coalescer.js';
import { noLeader, ServerError } from './errors.js';
import { Membership } from './membership.js';
import { ReadBatcher } from './read-batcher.js';
import {
  type Applied,
  decodeRequest,
  decodeResponse,
  encodeRpc,
  type Failure,
  type Heartbeat,
  type Request,
  type Response,
} from './rpc.js';
import { TombstoneGc } from './tombstone-gc.js';

export type Consistency = 'stale' | 'default' | 'consistent';

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

export interface ApplyOutcome {
  readonly index: number;
  readonly result: ApplyResult;
}

const FORWARD_TIMEOUT_MS = 7_000;
const WRITE_DEADLINE_MS = 10_000;

/**
 * One cairn server: Raft + the registry state + forwarding to the leader +
 * the leader's health duties + membership. The HTTP and DNS layers talk to
 * this and nothing below it.
 *
 * Events: `leaderChanged` (leader name | null), `fatal` (Error; a StorageFaultError when the
 * data directory is gone, replaced or unwritable): the server has halted and must be stopped.
 */
export class CairnServer extends EventEmitter {
  private readonly state: RegistryState;
  private readonly raft: RaftNode<ApplyResult>;
  private readonly health: LeaderHealth;
  private readonly tombstones: TombstoneGc;
  /** HTTP and TCP checks, probed by the leader. */
  private readonly prober: Prober;
  private readonly membership: Membership;
  /** The wall clock: the time written into commands (registrations, KV writes). */
  readonly now: () => number;
  private readonly transport: Transport;
  private readonly log: Logger;
  private readonly batcher: Coalescer<Heartbeat, Failure | null>;
  private readonly writes: Coalescer<Uint8Array, Applied | Failure>;
  private readonly appliedWaiters: { index: number; resolve: () => void }[] = [];
  private readonly leaseReads = new ReadBatcher(() => this.leaderReadIndex(true));
  private readonly quorumReads = new ReadBatcher(() => this.leaderReadIndex(false));
  private stopped = false;
  /** Set once Raft halted on a fatal failure (storage): it can no longer hand leadership over. */
  private failed = false;

  constructor(readonly opts: ServerOptions) {
    super();
    this.setMaxListeners(0);
    this.log = opts.logger;
    this.now = opts.now ?? Date.now;
    const monotonic = opts.monotonic ?? (() => performance.now());
    // Lock-delays start by this clock when a session ends, and are checked by it (precheck).
    this.state = new RegistryState(this.now, (skipped) =>
      this.log.warn(skipped, 'skipped a replicated command this version does not know (marked skippable)'),
    );
    this.transport = opts.transport;
    this.raft = new RaftNode<ApplyResult>({
      id: opts.node,
      storage: opts.storage,
      transport: this.transport,
      stateMachine: this.state,
      logger: opts.logger,
      ...(opts.advertise !== undefined ? { advertise: opts.advertise } : {}),
      ...(opts.tickMs !== undefined ? { tickMs: opts.tickMs } : {}),
      ...(opts.snapshotEvery !== undefined ? { snapshotEvery: opts.snapshotEvery } : {}),
      ...(opts.trailingLogs !== undefined ? { keepEntries: opts.trailingLogs } : {}),
    });
    this.health = new LeaderHealth(
      this.state,
      (cmd) => this.apply(cmd),
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
      (cmd) => this.apply(cmd),
      opts.logger,
      {
        ttlMs: tombstoneTtlMs,
        intervalMs: Math.min(60_000, Math.max(100, tombstoneTtlMs / 10)),
      },
      monotonic,
    );
    this.prober = new Prober(
      this.state,
      (cmd) => this.apply(cmd),
      opts.logger,
      { tickMs: 250, concurrency: 64 },
      this.now,
      monotonic,
    );
    this.membership = new Membership(
      {
        raft: this.raft,
        state: this.state,
        apply: (cmd) => this.apply(cmd),
        request: (to, req, timeoutMs) => this.request(to, req, timeoutMs),
        selfNode: () => this.selfNode,
        serverAddress: () => this.serverAddress,
        now: this.now,
        onLeaderChanged: (f) => this.on('leaderChanged', f),
      },
      this.transport,
      opts,
    );
    this.batcher = new Coalescer<Heartbeat, Failure | null>(async (beats) =>
      (await this.sendHeartbeats(beats)).map((r) => (r && !r.ok ? r : null)),
    );
    this.writes = new Coalescer<Uint8Array, Applied | Failure>((cmds) => this.forwardWrites(cmds), 512);
    this.raft.on('leaderChanged', (lead: NodeId | null) => this.onLeaderChanged(lead));
    this.raft.on('applied', (index: number) => this.releaseApplied(index));
    this.raft.on('fatal', (err: unknown) => {
      this.failed = true;
      this.emit('fatal', err);
    });
    this.transport.onRequest((from, payload) => this.onRequest(from, payload));
  }

  get name(): string {
    return this.opts.node;
  }

  /** This server's own catalog node: agent registrations and sessions created here live on it. */
  get selfNode(): NodeSpec {
    const h = createHash('sha256').update(`cairn-node:${this.opts.node}`).digest('hex');
    return {
      name: this.opts.node,
      id: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`,
      address: this.opts.bind,
      datacenter: this.opts.datacenter,
      taggedAddresses: { lan: this.opts.bind, lan_ipv4: this.opts.bind },
      meta: { 'cairn-server': 'true' },
    };
  }

  /**
   * The registry state as this server has applied it, read-only. Call readBarrier first for a
   * read at a consistency mode; DNS and stale reads read it as it is.
   */
  get view(): RegistryView {
    return this.state;
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

  /**
   * Wakes every blocking query and watch waiting for a change, so that each answers now with what
   * it has (the HTTP API shutting down).
   */
  wakeAllWaiters(): void {
    this.state.hub.notifyAll(this.state.applied);
  }

  /** host:port of this server's Raft and forwarding listener. */
  get serverAddress(): string {
    return this.raft.selfAddress;
  }

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
    if (this.raft.isLeader() && !this.failed) await this.transferLeadership(3000);
    this.health.stop();
    this.tombstones.stop();
    this.prober.stop();
    this.batcher.close();
    this.writes.close();
    await this.raft.stop();
    for (const w of this.appliedWaiters.splice(0)) w.resolve();
  }

  // ---- leadership -------------------------------------------------------------------

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

  /** Milliseconds since the leader was last heard from (0 on the leader, -1 if never). */
  lastContactMs(): number {
    return this.raft.lastContactMs();
  }

  private onLeaderChanged(lead: NodeId | null): void {
    if (lead === this.opts.node) {
      this.health.start();
      this.tombstones.start();
      this.prober.start();
    } else {
      this.health.stop();
      this.tombstones.stop();
      this.prober.stop();
    }
    this.emit('leaderChanged', lead);
  }

  private async transferLeadership(timeoutMs: number): Promise<void> {
    const s = this.raft.status();
    let best: { id: string; match: number } | null = null;
    for (const [id, p] of s.progress) {
      if (id === this.opts.node || !s.conf.voters.includes(id)) continue;
      if (!best || p.match > best.match) best = { id, match: p.match };
    }
    if (!best) return;
    this.log.info({ to: best.id }, 'stopping: handing leadership over first');
    if (!this.raft.transferLeadership(best.id)) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.raft.off('leaderChanged', onChange);
        resolve();
      }
      function onChange(lead: NodeId | null) {
        if (lead !== null && lead !== self.opts.node) done();
      }
      this.raft.on('leaderChanged', onChange);
    });
  }

  /** Resolves once a leader is known, or rejects with "No cluster leader" at the deadline. */
  private waitForLeader(deadline: number): Promise<void> {
    if (this.raft.leader()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.off('leaderChanged', onChange);
          reject(noLeader());
        },
        Math.max(0, deadline - performance.now()),
      );
      const onChange = (lead: NodeId | null) => {
        if (lead === null) return;
        clearTimeout(timer);
        this.off('leaderChanged', onChange);
        resolve();
      };
      this.on('leaderChanged', onChange);
    });
  }

  // ---- writes -----------------------------------------------------------------------

  /**
   * Applies a command through Raft: proposed here on the leader, forwarded to
   * it from a follower. Retries while the outcome is known not to have
   * happened (no leader yet, leader changed); reports unknownOutcome when it
   * may have happened.
   */
  async apply(cmd: Command): Promise<ApplyOutcome> {
    return this.applyBytes(encodeCommand(cmd));
  }

  private async applyBytes(bytes: Uint8Array): Promise<ApplyOutcome> {
    const lead = this.raft.leader();
    if (lead && lead.id !== this.opts.node) {
      // The common case on a follower: ride along with the other writes of this turn.
      const out = await this.writes.add(bytes);
      if (out.ok) {
        // Reads that follow on this server must see the write.
        await this.waitApplied(out.index, FORWARD_TIMEOUT_MS);
        return { index: out.index, result: out.result };
      }
      // The leader moved before it proposed this one: it surely did not apply; take the slow path.
      if (out.kind !== 'noLeader') throw new ServerError(out.kind, out.message);
    }
    return this.onLeader({
      deadlineMs: WRITE_DEADLINE_MS,
      here: () => this.proposeHere(bytes),
      request: { t: 'apply', cmd: bytes },
      // A write that may have reached the leader must not be sent twice.
      idempotent: false,
      answer: async (res) => {
        if (!(res.ok && res.t === 'apply')) return undefined;
        // Reads that follow on this server must see the write.
        await this.waitApplied(res.index, FORWARD_TIMEOUT_MS);
        return { index: res.index, result: res.result };
      },
    });
  }

  /**
   * Runs `here` if this server leads, or sends `request` to the leader, and
   * retries (with backoff, until the deadline) while retrying is safe: no
   * leader yet, the leader changed, or the request surely never left. Once
   * a non-idempotent request may have been delivered, a failure is an
   * unknown outcome.
   */
  private async onLeader<T>(spec: {
    readonly deadlineMs: number;
    readonly here: () => Promise<T>;
    readonly request: Request;
    readonly idempotent: boolean;
    readonly answer: (res: Response) => T | undefined | Promise<T | undefined>;
  }): Promise<T> {
    const deadline = performance.now() + spec.deadlineMs;
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) throw new ServerError('unavailable', 'server is stopping');
      if (attempt > 0) await pause(Math.min(50 * attempt, 500));
      if (performance.now() > deadline) throw noLeader();
      await this.waitForLeader(deadline);
      if (this.raft.isLeader()) {
        try {
          return await spec.here();
        } catch (e) {
          if (e instanceof RaftError && (e.code === 'RAFT_NOT_LEADER' || e.code === 'RAFT_DROPPED')) continue;
          throw toServerError(e);
        }
      }
      const lead = this.raft.leader();
      if (!lead) continue;
      let res: Response;
      try {
        res = await this.request(lead.id, spec.request, FORWARD_TIMEOUT_MS);
      } catch (e) {
        if (e instanceof TransportError && (spec.idempotent || notSent(e))) continue;
        throw new ServerError('unknownOutcome', `forwarding to the leader failed: ${(e as Error).message}`);
      }
      if (!res.ok && res.kind === 'noLeader') continue;
      if (!res.ok) throw new ServerError(res.kind, res.message);
      const out = await spec.answer(res);
      if (out === undefined) throw new ServerError('unknownOutcome', 'unexpected answer from the leader');
      return out;
    }
  }

  /** Sends coalesced writes to the leader in one request; one outcome per write. */
  private async forwardWrites(cmds: readonly Uint8Array[]): Promise<readonly (Applied | Failure)[]> {
    const notApplied = (message: string): Failure[] =>
      cmds.map(() => ({ ok: false, kind: 'noLeader', message }));
    const lead = this.raft.leader();
    if (!lead || lead.id === this.opts.node) return notApplied('the leader changed');
    let res: Response;
    try {
      res = await this.request(lead.id, { t: 'applyBatch', cmds }, FORWARD_TIMEOUT_MS);
    } catch (e) {
      if (e instanceof TransportError && notSent(e)) return notApplied(e.message);
      throw new ServerError('unknownOutcome', `forwarding to the leader failed: ${(e as Error).message}`);
    }
    if (!res.ok) {
      if (res.kind === 'noLeader') return notApplied(res.message);
      throw new ServerError(res.kind, res.message);
    }
    if (res.t !== 'applyBatch' || res.outcomes.length !== cmds.length) {
      throw new ServerError('unknownOutcome', 'unexpected answer from the leader');
    }
    return res.outcomes;
  }

  // ---- reads ------------------------------------------------------------------------

  /**
   * Makes the local state fresh enough for `mode`: stale reads go ahead at
   * once; default reads ride the leader's lease (a follower asks the leader
   * for its commit index and waits to apply it); consistent reads confirm
   * leadership with a quorum first.
   */
  async readBarrier(mode: Consistency): Promise<void> {
    if (mode === 'stale') return;
    const lease = mode === 'default';
    if (this.raft.isLeader()) {
      try {
        await this.raft.readBarrier(lease);
        return;
      } catch (e) {
        if (!(e instanceof RaftError && e.code === 'RAFT_NOT_LEADER')) throw toServerError(e);
      }
    }
    const started = performance.now();
    const index = await (lease ? this.leaseReads : this.quorumReads).index();
    await this.waitApplied(index, Math.max(0, FORWARD_TIMEOUT_MS - (performance.now() - started)));
  }

  /** The leader's confirmed read index, asked from wherever the leader is (this server included). */
  private leaderReadIndex(lease: boolean): Promise<number> {
    return this.onLeader({
      deadlineMs: FORWARD_TIMEOUT_MS,
      here: () => this.raft.readBarrier(lease),
      request: { t: 'read', lease },
      idempotent: true,
      answer: (res) => (res.ok && res.t === 'read' ? res.index : undefined),
    });
  }

  /** Resolves once this server has applied `index` (or at the timeout, or when stopping). */
  waitApplied(index: number, timeoutMs: number): Promise<void> {
    if (this.raft.applied >= index || this.stopped) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.appliedWaiters.indexOf(w);
        if (i >= 0) this.appliedWaiters.splice(i, 1);
        reject(new ServerError('unavailable', 'this server is behind the leader; try again'));
      }, timeoutMs);
      const w = {
        index,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.appliedWaiters.push(w);
    });
  }

  private releaseApplied(index: number): void {
    if (this.appliedWaiters.length === 0) return;
    const keep: typeof this.appliedWaiters = [];
    for (const w of this.appliedWaiters) {
      if (w.index <= index) w.resolve();
      else keep.push(w);
    }
    this.appliedWaiters.length = 0;
    this.appliedWaiters.push(...keep);
  }

  // ---- heartbeats -------------------------------------------------------------------

  /** A TTL heartbeat: handled by the leader; from a follower, coalesced with others into one request. */
  async heartbeat(beat: Heartbeat): Promise<void> {
    const [result] = this.raft.isLeader()
      ? await this.health.heartbeats([beat])
      : await this.batcher.add(beat).then((r) => [r]);
    if (result) throw new ServerError(result.kind, result.message);
  }

  private sendHeartbeats(beats: readonly Heartbeat[]): Promise<readonly (Response | null)[]> {
    return this.onLeader<readonly (Response | null)[]>({
      deadlineMs: FORWARD_TIMEOUT_MS,
      here: () => this.health.heartbeats(beats),
      request: { t: 'heartbeats', beats },
      // Heartbeats only move deadlines (a repeated status change is a no-op).
      idempotent: true,
      answer: (res) => (res.ok && res.t === 'heartbeats' ? res.results : undefined),
    });
  }

  /** A session renewal, handled by the leader (renewals are not writes). */
  async renewSession(id: string): Promise<void> {
    await this.onLeader({
      deadlineMs: FORWARD_TIMEOUT_MS,
      here: async () => {
        if (!this.health.renewSession(id)) throw new ServerError('notFound', `Session id '${id}' not found`);
        return true;
      },
      request: { t: 'renew', id },
      idempotent: true,
      answer: (res) => (res.ok && res.t === 'renew' ? true : undefined),
    });
  }

  /**
   * What the leader answers without proposing: a command it cannot read, and an acquire of a key
   * still in its lock-delay (the rule: state/lock-delay.ts).
   */
  private precheck(bytes: Uint8Array): ApplyOutcome | null {
    const read = readCommand(bytes);
    if (read.kind !== 'command') {
      // Proposing it would stop this server (and any other that cannot read it) once committed:
      // a follower running a newer version forwarded it, or the bytes are damaged.
      const why = `the leader cannot apply this command (${read.reason})`;
      return { index: this.state.applied, result: failure('invalid', why) };
    }
    const now = this.now();
    const refused = lockDelayRefusal(read.command, (key) => this.state.kv.lockDelayed(key, now));
    return refused === null ? null : { index: this.state.applied, result: refused };
  }

  private async proposeHere(bytes: Uint8Array): Promise<ApplyOutcome> {
    return this.precheck(bytes) ?? (await this.raft.propose(bytes));
  }

  // ---- the cluster transport's requests ------------------------------------------------

  async request(to: NodeId, req: Request, timeoutMs: number): Promise<Response> {
    return decodeResponse(await this.transport.request(to, encodeRpc(req), timeoutMs));
  }

  private async onRequest(_from: NodeId, payload: Uint8Array): Promise<Uint8Array> {
    let req: Request;
    try {
      req = decodeRequest(payload);
    } catch {
      return encodeRpc({ ok: false, kind: 'invalid', message: 'undecodable request' });
    }
    try {
      return encodeRpc(await this.serve(req));
    } catch (e) {
      const err = toServerError(e);
      return encodeRpc({ ok: false, kind: err.kind, message: err.message });
    }
  }

  private async serve(req: Request): Promise<Response> {
    switch (req.t) {
      case 'apply': {
        if (!this.raft.isLeader()) return { ok: false, kind: 'noLeader', message: 'not the leader' };
        try {
          const out = await this.proposeHere(req.cmd);
          return { ok: true, t: 'apply', index: out.index, result: out.result };
        } catch (e) {
          if (e instanceof RaftError && (e.code === 'RAFT_NOT_LEADER' || e.code === 'RAFT_DROPPED')) {
            return { ok: false, kind: 'noLeader', message: e.message };
          }
          throw e;
        }
      }
      case 'applyBatch': {
        if (!this.raft.isLeader()) return { ok: false, kind: 'noLeader', message: 'not the leader' };
        const outcomes = await Promise.all(
          req.cmds.map(async (cmd): Promise<Applied | Failure> => {
            try {
              const out = await this.proposeHere(cmd);
              return { ok: true, index: out.index, result: out.result };
            } catch (e) {
              if (e instanceof RaftError && (e.code === 'RAFT_NOT_LEADER' || e.code === 'RAFT_DROPPED')) {
                return { ok: false, kind: 'noLeader', message: e.message };
              }
              const err = toServerError(e);
              return { ok: false, kind: err.kind, message: err.message };
            }
          }),
        );
        return { ok: true, t: 'applyBatch', outcomes };
      }
      case 'read': {
        if (!this.raft.isLeader()) return { ok: false, kind: 'noLeader', message: 'not the leader' };
        const index = await this.raft.readBarrier(req.lease);
        return { ok: true, t: 'read', index };
      }
      case 'heartbeats': {
        if (!this.raft.isLeader()) return { ok: false, kind: 'noLeader', message: 'not the leader' };
        return { ok: true, t: 'heartbeats', results: await this.health.heartbeats(req.beats) };
      }
      case 'renew':
        if (!this.raft.isLeader()) return { ok: false, kind: 'noLeader', message: 'not the leader' };
        if (!this.health.renewSession(req.id))
          return { ok: false, kind: 'notFound', message: `Session id '${req.id}' not found` };
        return { ok: true, t: 'renew' };
      case 'join':
        return this.membership.onJoin(req.server);
      case 'hello':
        return this.membership.onHello(req.server, req.hasHistory);
    }
  }
}

function notSent(e: TransportError): boolean {
  return (
    e.code === 'TRANSPORT_UNKNOWN_PEER' ||
    e.code === 'TRANSPORT_UNREACHABLE' ||
    e.code === 'TRANSPORT_CLOSED' ||
    e.code === 'TRANSPORT_OVERLOADED'
  );
}

export function toServerError(e: unknown): ServerError {
  if (e instanceof ServerError) return e;
  if (e instanceof RaftError) {
    switch (e.code) {
      case 'RAFT_NOT_LEADER':
        return noLeader();
      case 'RAFT_READ_TIMEOUT':
        return new ServerError('noLeader', 'No cluster leader (leadership could not be confirmed)');
      case 'RAFT_UNKNOWN_OUTCOME':
        return new ServerError('unknownOutcome', e.message);
      case 'RAFT_BAD_MEMBERSHIP':
        return new ServerError('invalid', e.message);
      default:
        return new ServerError('unavailable', e.message);
    }
  }
  return new ServerError('unavailable', e instanceof Error ? e.message : String(e));
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
