import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import {
  CORE_DEFAULTS,
  type CoreOptions,
  decodeConfChange,
  RawNode,
  type Ready,
  type Status,
} from './core/index.js';
import { RaftError } from './errors.js';
import type { Message } from './messages.js';
import { ProposalTracker } from './proposals.js';
import type { StateMachine } from './state-machine.js';
import { StorageFaultError } from './storage/errors.js';
import type { RaftStorage } from './storage/types.js';
import type { PeerAddress, Transport } from './transport/types.js';
import type { ConfChange, Entry, HardState, Index, NodeId, ReadState, Snapshot } from './types.js';

export interface RaftNodeOptions<R> {
  readonly id: NodeId;
  readonly storage: RaftStorage;
  readonly transport: Transport;
  readonly stateMachine: StateMachine<R>;
  /** Addresses of the other servers known at start (more are learned from membership changes). */
  readonly peers?: ReadonlyMap<NodeId, PeerAddress>;
  /** Founding voters of a new cluster; used only when the storage is empty. */
  readonly bootstrap?: readonly NodeId[];
  readonly logger: Logger;
  /** The address other servers should use for this one, if not the transport's own (a proxy, NAT). */
  readonly advertise?: PeerAddress;
  /** Milliseconds per core tick (default 100). */
  readonly tickMs?: number;
  /**
   * Take a snapshot once this many entries have applied since the last one (default 10,000)
   * and their bytes reach half the last snapshot's size.
   */
  readonly snapshotEvery?: number;
  /** Entries kept in the log behind a snapshot for slow followers (default 5,000). */
  readonly keepEntries?: number;
  /** How long a proposal may wait for its entry to apply before it is reported unknown (default 10 s). */
  readonly proposalTimeoutMs?: number;
  /** How long a read barrier may wait (default 5 s). */
  readonly readTimeoutMs?: number;
  /** Apply at most this long before yielding to the event loop (default 10 ms). */
  readonly applySliceMs?: number;
  /** How often to verify that the storage can still keep writes (default 1 s; 0: never). */
  readonly storageCheckMs?: number;
  readonly core?: Partial<Omit<CoreOptions, 'id' | 'random'>>;
}

export interface ProposeOutcome<R> {
  readonly index: Index;
  readonly result: R;
}

interface ReadWaiter {
  readonly resolve: (index: Index) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const PEERS_META = 'peers';

/**
 * One Raft server: the pure core plus timers, disk and network. It runs the
 * Ready loop (persist, send, apply, advance), one Ready at a time, so that
 * everything proposed while a write is in flight shares the next fsync.
 *
 * Events: `leaderChanged` (leaderId | null), `applied` (index), `syncedWrite` (milliseconds a
 * durable log write took), `fatal` (Error, a StorageFaultError when storage failed): the node
 * stopped working and must be stopped.
 */
export class RaftNode<R> extends EventEmitter {
  readonly id: NodeId;
  private raw!: RawNode;
  private readonly storage: RaftStorage;
  private readonly transport: Transport;
  private readonly sm: StateMachine<R>;
  private readonly log: Logger;
  private readonly peers = new Map<NodeId, PeerAddress>();
  private readonly proposals = new ProposalTracker<R>();
  private readonly readWaiters = new Map<string, ReadWaiter>();
  /** Reads whose index is known, waiting for the state machine to catch up. */
  private readonly readsAwaitingApply: { index: Index; ctx: string }[] = [];
  private readonly tickMs: number;
  private readonly snapshotEvery: number;
  private readonly keepEntries: number;
  private readonly proposalTimeoutMs: number;
  private readonly readTimeoutMs: number;
  private readonly applySliceMs: number;
  private readonly storageCheckMs: number;
  private ticker: NodeJS.Timeout | null = null;
  private storageTimer: NodeJS.Timeout | null = null;
  private checkingStorage = false;
  private looping = false;
  private loopDone: Promise<void> = Promise.resolve();
  private stopped = true;
  /** Started and not yet stopped by stop(): a fatal failure halts the node but leaves closing to stop(). */
  private running = false;
  private failed = false;
  private snapshotting = false;
  private lastSnapshotIndex: Index = 0;
  /** Size of the newest snapshot, and entry bytes applied since it was captured. */
  private lastSnapshotBytes = 0;
  private bytesSinceSnapshot = 0;
  private rewrites = 0;
  private readSeq = 0;
  private lastTickAt = 0;
  private leaderId: NodeId | null = null;
  private lastLeaderContact = 0;
  private appliedIndex: Index = 0;
  /** A commit-only hard state not yet written (see handleReady). */
  private unsavedHardState: HardState | null = null;
  /** Counters for benchmarks and metrics. */
  readonly stats = {
    readies: 0,
    syncedWrites: 0,
    entriesWritten: 0,
    applied: 0,
    lateTicks: 0,
    /** Milliseconds spent waiting for storage writes and applying entries. */
    saveMs: 0,
    applyMs: 0,
    /** Snapshots saved, and attempts that failed (serializing or storing); a failure is retried later. */
    snapshotsTaken: 0,
    snapshotFailures: 0,
  };

  constructor(private readonly opts: RaftNodeOptions<R>) {
    super();
    this.id = opts.id;
    this.storage = opts.storage;
    this.transport = opts.transport;
    this.sm = opts.stateMachine;
    this.log = opts.logger;
    this.tickMs = opts.tickMs ?? 100;
    this.snapshotEvery = opts.snapshotEvery ?? 10_000;
    this.keepEntries = opts.keepEntries ?? 5_000;
    this.proposalTimeoutMs = opts.proposalTimeoutMs ?? 10_000;
    this.readTimeoutMs = opts.readTimeoutMs ?? 5_000;
    this.applySliceMs = opts.applySliceMs ?? 10;
    this.storageCheckMs = opts.storageCheckMs ?? 1000;
    for (const [id, addr] of opts.peers ?? []) this.peers.set(id, addr);
  }

  // ---- lifecycle ------------------------------------------------------------

  async start(): Promise<void> {
    await this.storage.open();
    const state = await this.storage.load();
    const stored = await this.storage.getMeta(PEERS_META);
    if (stored) {
      const known = JSON.parse(new TextDecoder().decode(stored)) as Record<NodeId, PeerAddress>;
      for (const [id, addr] of Object.entries(known)) if (!this.peers.has(id)) this.peers.set(id, addr);
    }
    const coreOpts: CoreOptions = {
      ...this.opts.core,
      id: this.id,
      random: () => randomInt(0, 2 ** 31) / 2 ** 31,
    };
    const empty = state.snapshot === null && state.entries.length === 0 && state.hardState.term === 0;
    if (empty) {
      this.raw = RawNode.create(coreOpts);
      if (this.opts.bootstrap && this.opts.bootstrap.length > 0) this.raw.bootstrap(this.opts.bootstrap);
    } else {
      this.raw = RawNode.restart(coreOpts, state);
      if (state.snapshot) {
        try {
          this.sm.restore(state.snapshot.data);
        } catch (err) {
          // A snapshot this version cannot read (say, from a newer one): starting without it would
          // replay the log onto the wrong state.
          this.log.fatal(
            { err, index: state.snapshot.meta.index },
            'state machine cannot restore the stored snapshot; not starting',
          );
          await this.storage.close();
          throw err;
        }
        this.lastSnapshotIndex = state.snapshot.meta.index;
        this.lastSnapshotBytes = state.snapshot.data.byteLength;
        this.appliedIndex = state.snapshot.meta.index;
      }
    }
    this.rewrites = this.raw.raft.log.rewrites;
    for (const [id, addr] of this.peers) if (id !== this.id) this.transport.setPeer(id, addr);
    await this.transport.start({
      onMessage: (m) => this.onMessage(m),
      onUnreachable: (id) => {
        this.raw.reportUnreachable(id);
        this.schedule();
      },
      onSnapshotStatus: (id, ok) => {
        this.raw.reportSnapshot(id, ok);
        this.schedule();
      },
    });
    this.stopped = false;
    this.running = true;
    this.lastTickAt = performance.now();
    this.ticker = setInterval(() => this.onTick(), this.tickMs);
    if (this.storageCheckMs > 0)
      this.storageTimer = setInterval(() => this.checkStorage(), this.storageCheckMs);
    this.log.info(
      {
        id: this.id,
        term: state.hardState.term,
        commit: state.hardState.commit,
        entries: state.entries.length,
      },
      'raft node started',
    );
    this.schedule();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopped = true;
    this.clearTimers();
    await this.loopDone;
    this.releaseWaiters();
    await this.transport.close();
    try {
      await this.storage.close();
    } catch (err) {
      // After a storage failure closing may fail too; there is nothing left to save.
      if (!this.failed) throw err;
      this.log.warn({ err }, 'closing the failed storage failed');
    }
    this.log.info({ id: this.id }, 'raft node stopped');
  }

  /** Ends every pending proposal (outcome unknown) and read barrier: nothing will answer them now. */
  private releaseWaiters(): void {
    this.proposals.abandonAll();
    for (const [ctx, w] of this.readWaiters) {
      clearTimeout(w.timer);
      w.reject(new RaftError('RAFT_STOPPED', 'raft node stopped'));
      this.readWaiters.delete(ctx);
    }
  }

  private clearTimers(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    if (this.storageTimer) clearInterval(this.storageTimer);
    this.storageTimer = null;
  }

  // ---- storage failures -------------------------------------------------------

  /**
   * The periodic check: LevelDB keeps writing into the open files of a deleted or replaced
   * directory without an error, so only looking at the directory tells that writes are lost.
   */
  private checkStorage(): void {
    if (this.stopped || this.checkingStorage) return;
    this.checkingStorage = true;
    this.storage
      .verify()
      .then(
        (fault) => {
          if (fault && !this.stopped) this.fail(new StorageFaultError(fault));
        },
        (err: unknown) => this.fail(err),
      )
      .finally(() => {
        this.checkingStorage = false;
      });
  }

  /** A storage call whose failure halts the node: it cannot keep Raft's promises any more. */
  private stored<T>(what: string, call: Promise<T>): Promise<T> {
    return call.catch((err: unknown) => {
      const e =
        err instanceof StorageFaultError
          ? err
          : new StorageFaultError(
              {
                code: 'STORAGE_IO_ERROR',
                path: this.storage.location,
                detail: `${what} failed: ${err instanceof Error ? err.message : String(err)}`,
              },
              { cause: err },
            );
      this.fail(e);
      throw e;
    });
  }

  /**
   * Halts the node for good (no ticks, no Ready handling, so nothing more is acknowledged), logs
   * why at fatal level with a stable code, and emits `fatal`; stop() then closes what is open.
   * A failed write is explained by the directory check when that finds something wrong, since
   * "directory deleted" says more than the ENOENT LevelDB reports.
   */
  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.stopped = true;
    this.clearTimers();
    this.releaseWaiters();
    if (err instanceof MachineFailure) {
      // A state machine that cannot apply an entry cannot apply the ones after it: stop, not diverge.
      this.log.fatal(
        { err: err.cause, index: err.index },
        `state machine cannot ${err.step} at index ${err.index}; stopping the node`,
      );
      this.emit('fatal', err.cause);
      return;
    }
    void this.explain(err).then((e) => {
      if (e instanceof StorageFaultError) {
        this.log.fatal(
          { code: e.code, path: e.path, ...(e.cause !== undefined ? { err: e.cause } : {}) },
          `${e.message}; stopping this server rather than acknowledge writes it cannot keep`,
        );
      } else {
        this.log.fatal({ err: e }, 'raft ready loop failed; stopping the node');
      }
      this.emit('fatal', e);
    });
  }

  private async explain(err: unknown): Promise<unknown> {
    try {
      const fault = await this.storage.verify();
      if (fault) return new StorageFaultError(fault, { cause: err });
    } catch {
      // The check failing adds nothing to the error at hand.
    }
    return err;
  }

  // ---- inputs ---------------------------------------------------------------

  private onTick(): void {
    if (this.stopped) return;
    const now = performance.now();
    // A tick far behind schedule means the event loop was blocked: heartbeats are late too.
    if (now - this.lastTickAt > 2 * this.tickMs) {
      this.stats.lateTicks++;
      this.log.warn(
        { lateMs: Math.round(now - this.lastTickAt - this.tickMs) },
        'raft tick late: event loop blocked',
      );
    }
    this.catchUpTicks(now);
    this.schedule();
  }

  /**
   * Ticks the core once for every `tickMs` that passed since its last tick, so
   * that its clock (election timeouts, the leader lease) never falls behind
   * real time. Called before the core handles anything: after the process was
   * stopped (SIGSTOP, a frozen VM) or its event loop blocked, I/O is handled
   * before the overdue timer, and a leader would otherwise still trust a lease
   * that has long run out on the other servers' clocks. A long stall counts as
   * at most two election timeouts and a tick: enough for any lease to run out
   * and for CheckQuorum to step a leader down.
   */
  private catchUpTicks(now = performance.now()): void {
    const due = Math.floor((now - this.lastTickAt) / this.tickMs);
    if (due <= 0) return;
    this.lastTickAt += due * this.tickMs;
    const most = 2 * (this.opts.core?.electionTicks ?? CORE_DEFAULTS.electionTicks) + 1;
    for (let i = Math.min(due, most); i > 0; i--) this.raw.tick();
  }

  private onMessage(m: Message): void {
    if (this.stopped) return;
    this.catchUpTicks();
    this.raw.step(m);
    if (m.from === this.raw.raft.lead) this.lastLeaderContact = performance.now();
    // A read confirmed by this message is served now, not after the log write in progress.
    this.onReadStates(this.raw.takeReadStates());
    this.schedule();
  }

  /**
   * Proposes a command. Resolves with the state machine's result once the
   * entry is applied here; rejects with a RaftError whose code says whether
   * the command may still take effect.
   */
  propose(command: Uint8Array): Promise<ProposeOutcome<R>> {
    if (this.stopped) return Promise.reject(new RaftError('RAFT_STOPPED', 'raft node stopped'));
    const r = this.raw.propose(command);
    if (!r.ok) return Promise.reject(this.refusal(r.reason, r.detail));
    this.schedule();
    return this.track(r.index, r.term);
  }

  private track(index: Index, term: number): Promise<ProposeOutcome<R>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.proposals.abandon(index), this.proposalTimeoutMs);
      this.proposals.add(index, term, (out) => {
        clearTimeout(timer);
        if (out.kind === 'applied') resolve({ index: out.index, result: out.result });
        else if (out.kind === 'dropped')
          reject(new RaftError('RAFT_DROPPED', 'entry was replaced before it committed'));
        else
          reject(
            new RaftError('RAFT_UNKNOWN_OUTCOME', 'outcome unknown: the command may or may not have applied'),
          );
      });
    });
  }

  private refusal(reason: string, detail?: string): RaftError {
    switch (reason) {
      case 'notLeader': {
        const lead = this.raw.raft.lead;
        return new RaftError(
          'RAFT_NOT_LEADER',
          lead ? `not the leader; the leader is ${lead}` : 'no cluster leader',
          lead,
          lead ? (this.peers.get(lead) ?? null) : null,
        );
      }
      case 'invalidConf':
      case 'confPending':
        return new RaftError('RAFT_BAD_MEMBERSHIP', detail ?? 'another membership change is in progress');
      case 'transferring':
        return new RaftError('RAFT_DROPPED', 'leadership transfer in progress');
      default:
        return new RaftError('RAFT_DROPPED', 'too many uncommitted proposals');
    }
  }

  /**
   * Resolves with an index once the local state machine has applied at
   * least every write acknowledged before this call: reads after it are
   * linearizable. `lease` lets a leader holding a lease skip the quorum round.
   */
  readBarrier(lease = true): Promise<Index> {
    if (this.stopped) return Promise.reject(new RaftError('RAFT_STOPPED', 'raft node stopped'));
    this.catchUpTicks();
    const ctx = `${this.id}:${++this.readSeq}`;
    if (!this.raw.readIndex(ctx, lease)) {
      return Promise.reject(new RaftError('RAFT_NOT_LEADER', 'no cluster leader'));
    }
    const promise = new Promise<Index>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readWaiters.delete(ctx);
        reject(new RaftError('RAFT_READ_TIMEOUT', 'read barrier not confirmed by a quorum in time'));
      }, this.readTimeoutMs);
      this.readWaiters.set(ctx, { resolve, reject, timer });
    });
    // A leader under its lease confirms at once: the read is answered from the state as of the
    // commit index, without waiting for the log write (fsync) that may be in progress.
    this.onReadStates(this.raw.takeReadStates());
    this.schedule();
    return promise;
  }

  // ---- membership -------------------------------------------------------------

  /**
   * Founds a new cluster with `voters` if this server has no history yet
   * (bootstrap-expect decides this late, after start). False when the server
   * already has a log or has heard from a cluster: then it needs no bootstrap.
   */
  bootstrapIfEmpty(voters: readonly NodeId[]): boolean {
    if (this.stopped) return false;
    const log = this.raw.raft.log;
    if (log.lastIndex() !== 0 || this.raw.raft.term !== 0) return false;
    this.raw.bootstrap(voters);
    this.schedule();
    return true;
  }

  /** Whether this server has any Raft history (a log, a snapshot or a term). */
  get hasHistory(): boolean {
    return this.raw.raft.log.lastIndex() !== 0 || this.raw.raft.term !== 0;
  }

  /** Records where a server listens (learned from the replicated member table or a join). */
  async setPeerAddress(id: NodeId, address: PeerAddress): Promise<void> {
    if (id === this.id || this.peers.get(id) === address) return;
    this.peers.set(id, address);
    this.transport.setPeer(id, address);
    await this.persistPeers();
  }

  /** Milliseconds since a message from the leader arrived; 0 on the leader. */
  lastContactMs(): number {
    if (this.isLeader()) return 0;
    if (this.lastLeaderContact === 0) return -1;
    return Math.round(performance.now() - this.lastLeaderContact);
  }

  /** Adds a non-voting member at `address`; resolves once the change is applied. */
  async addLearner(id: NodeId, address: PeerAddress): Promise<Index> {
    this.peers.set(id, address);
    this.transport.setPeer(id, address);
    await this.persistPeers();
    return this.changeMembership({ type: 'addLearner', node: id, address });
  }

  promote(id: NodeId): Promise<Index> {
    return this.changeMembership({ type: 'promote', node: id });
  }

  removeMember(id: NodeId): Promise<Index> {
    return this.changeMembership({ type: 'remove', node: id });
  }

  private async changeMembership(change: ConfChange): Promise<Index> {
    if (this.stopped) throw new RaftError('RAFT_STOPPED', 'raft node stopped');
    const r = this.raw.proposeConfChange(change);
    if (!r.ok) throw this.refusal(r.reason, r.detail);
    this.schedule();
    const out = await this.track(r.index, r.term);
    return out.index;
  }

  /** Hands leadership to `to` (catching it up first); false if not possible now. */
  transferLeadership(to: NodeId): boolean {
    const ok = this.raw.transferLeadership(to);
    this.schedule();
    return ok;
  }

  status(): Status {
    return this.raw.status();
  }

  leader(): { id: NodeId; address: PeerAddress | null } | null {
    const lead = this.raw.raft.lead;
    if (!lead) return null;
    return { id: lead, address: lead === this.id ? this.selfAddress : (this.peers.get(lead) ?? null) };
  }

  isLeader(): boolean {
    return this.raw.raft.role === 'leader';
  }

  get applied(): Index {
    return this.appliedIndex;
  }

  peerAddress(id: NodeId): PeerAddress | undefined {
    return id === this.id ? this.selfAddress : this.peers.get(id);
  }

  /** Where other servers reach this one. */
  get selfAddress(): PeerAddress {
    return this.opts.advertise ?? this.transport.address;
  }

  // ---- the Ready loop -------------------------------------------------------------

  private schedule(): void {
    if (this.looping || this.stopped) return;
    if (!this.raw.hasReady()) return;
    this.looping = true;
    this.loopDone = this.loop().finally(() => {
      this.looping = false;
      // Inputs that arrived during the last await may have been left for us.
      if (!this.stopped && this.raw.hasReady()) setImmediate(() => this.schedule());
    });
  }

  private async loop(): Promise<void> {
    try {
      while (!this.stopped && this.raw.hasReady()) {
        await this.handleReady(this.raw.ready());
      }
    } catch (err) {
      // A failed disk write leaves us unable to keep Raft's promises: stop rather than diverge.
      this.fail(err);
    }
  }

  private async handleReady(rd: Ready): Promise<void> {
    this.stats.readies++;
    if (rd.softState && rd.softState.lead !== this.leaderId) {
      this.leaderId = rd.softState.lead;
      this.log.info(
        { leader: this.leaderId, term: this.raw.raft.term, role: rd.softState.role },
        'leader changed',
      );
      this.emit('leaderChanged', this.leaderId);
    }
    // A leader may send appends while its own write runs (thesis 10.2.1), unless that write
    // records a new term or vote, which must be durable before anyone hears of it.
    const early = this.raw.raft.role === 'leader' && !rd.termOrVoteChanged;
    const late: Message[] = [];
    for (const m of rd.messages) {
      if (early && (m.type === 'append' || m.type === 'heartbeat')) this.transport.send(m);
      else late.push(m);
    }
    // Acknowledgements and votes promise what this Ready writes, so they go once it is on disk.
    const sendLate = () => {
      // After a storage failure, what this Ready wrote may be in files that are gone: promise nothing.
      if (this.failed) return;
      for (const m of late) this.transport.send(m);
    };
    const commitOnly = rd.entries.length === 0 && !rd.snapshot && !rd.mustSync && rd.hardState !== null;
    let saved: Promise<void> | null = null;
    if (commitOnly) {
      // Only the commit index moved. It need not be durable (a restarted server learns it again
      // from the leader), so it rides along with the next write instead of costing one of its own.
      this.unsavedHardState = rd.hardState;
    } else if (rd.entries.length > 0 || rd.hardState || rd.snapshot) {
      const t0 = performance.now();
      const hardState = rd.hardState ?? this.unsavedHardState;
      this.unsavedHardState = null;
      saved = this.stored(
        'writing the log',
        this.storage.save({ entries: rd.entries, hardState, snapshot: rd.snapshot }, rd.mustSync),
      ).then(() => {
        const ms = performance.now() - t0;
        this.stats.saveMs += ms;
        if (rd.mustSync) {
          this.stats.syncedWrites++;
          // One event per durable write, so a histogram can show slow disks (the fsync dominates).
          this.emit('syncedWrite', ms);
        }
        this.stats.entriesWritten += rd.entries.length;
        sendLate();
      });
      // Handled here so a failed write is never an unhandled rejection while applies run; it is
      // still thrown below, where the loop turns it into a clean stop.
      saved.catch(() => {});
    } else {
      sendLate();
    }
    if (rd.snapshot) {
      // A snapshot replaces the state the entries apply to: it must be on disk first.
      await saved;
      saved = null;
      this.installSnapshot(rd.snapshot);
    }
    // Committed entries are already on a majority's disks, so they apply (and answer their clients)
    // while this Ready's new entries are written, instead of waiting one more fsync for them.
    const t1 = performance.now();
    let applyError: unknown = null;
    try {
      await this.applyEntries(rd.committedEntries);
    } catch (err) {
      applyError = err;
    }
    // The write settles before the loop goes on (or reports a failure): advance() marks it stable.
    if (saved) await saved;
    if (applyError !== null) throw applyError;
    this.stats.applyMs += performance.now() - t1;
    this.onReadStates(rd.readStates);
    this.raw.advance(rd);
    const log = this.raw.raft.log;
    if (log.rewrites !== this.rewrites) {
      this.rewrites = log.rewrites;
      this.proposals.recheck(log);
    }
    this.maybeSnapshot();
  }

  private installSnapshot(snap: Snapshot): void {
    try {
      this.sm.restore(snap.data);
    } catch (err) {
      throw new MachineFailure('restore a snapshot', snap.meta.index, err);
    }
    this.appliedIndex = snap.meta.index;
    this.lastSnapshotIndex = snap.meta.index;
    this.lastSnapshotBytes = snap.data.byteLength;
    this.bytesSinceSnapshot = 0;
    this.log.info({ index: snap.meta.index, bytes: snap.data.byteLength }, 'installed snapshot from leader');
    this.releaseReads();
  }

  private async applyEntries(entries: readonly Entry[]): Promise<void> {
    let sliceStart = performance.now();
    for (const e of entries) {
      // Halted: answer no more clients; stop() reports their outcome as unknown.
      if (this.failed) return;
      if (e.kind === 'normal') {
        let result: R;
        try {
          result = this.sm.apply(e.data, e.index);
        } catch (err) {
          throw new MachineFailure('apply the entry', e.index, err);
        }
        this.proposals.applied(e, result);
      } else {
        if (e.kind === 'conf') await this.onConfApplied(e);
        this.proposals.applied(e, undefined as R);
      }
      this.appliedIndex = e.index;
      this.bytesSinceSnapshot += e.data.byteLength;
      this.stats.applied++;
      // Never hold the event loop for a long apply: heartbeats and requests must get through.
      if (performance.now() - sliceStart > this.applySliceMs) {
        this.releaseReads();
        await yieldToLoop();
        sliceStart = performance.now();
      }
    }
    if (entries.length > 0) {
      this.emit('applied', this.appliedIndex);
      this.releaseReads();
    }
  }

  private async onConfApplied(e: Entry): Promise<void> {
    const change = decodeConfChange(e.data);
    this.log.info({ index: e.index, change }, 'membership change applied');
    if (change.type === 'addLearner' && change.address !== undefined && change.node !== this.id) {
      if (this.peers.get(change.node) !== change.address) {
        this.peers.set(change.node, change.address);
        this.transport.setPeer(change.node, change.address);
        await this.persistPeers();
      }
    }
    if (change.type === 'remove') {
      if (change.node !== this.id) {
        this.transport.removePeer(change.node);
        this.peers.delete(change.node);
        await this.persistPeers();
      }
    }
  }

  private async persistPeers(): Promise<void> {
    const obj = Object.fromEntries(this.peers);
    await this.stored(
      'saving peer addresses',
      this.storage.setMeta(PEERS_META, new TextEncoder().encode(JSON.stringify(obj))),
    );
  }

  private onReadStates(states: readonly ReadState[]): void {
    for (const rs of states) this.readsAwaitingApply.push({ index: rs.index, ctx: rs.ctx });
    this.releaseReads();
  }

  private releaseReads(): void {
    if (this.readsAwaitingApply.length === 0) return;
    const keep: { index: Index; ctx: string }[] = [];
    for (const r of this.readsAwaitingApply) {
      if (r.index > this.appliedIndex) {
        keep.push(r);
        continue;
      }
      const w = this.readWaiters.get(r.ctx);
      if (!w) continue;
      this.readWaiters.delete(r.ctx);
      clearTimeout(w.timer);
      w.resolve(r.index);
    }
    this.readsAwaitingApply.length = 0;
    this.readsAwaitingApply.push(...keep);
  }

  private maybeSnapshot(): void {
    if (this.snapshotting || this.appliedIndex - this.lastSnapshotIndex < this.snapshotEvery) return;
    // A large state is not serialized again every few seconds under heavy writes: waiting for
    // half its size in new entries keeps snapshot work proportional to what is written. Ten
    // times snapshotEvery entries is the most the log grows by regardless (say, a state that
    // shrank, or tiny entries against a large state).
    const entriesSince = this.appliedIndex - this.lastSnapshotIndex;
    if (this.bytesSinceSnapshot < this.lastSnapshotBytes / 2 && entriesSince < 10 * this.snapshotEvery)
      return;
    const index = this.appliedIndex;
    const term = this.raw.raft.log.term(index);
    if (term === undefined) return;
    this.snapshotting = true;
    const conf = this.raw.raft.conf;
    const serialize = this.sm.snapshot();
    const covered = this.bytesSinceSnapshot;
    this.bytesSinceSnapshot = 0;
    const started = performance.now();
    void (async () => {
      try {
        const data = await serialize();
        const snap: Snapshot = { meta: { index, term, conf }, data };
        await this.stored('saving a snapshot', this.storage.saveSnapshot(snap));
        if (this.stopped) return;
        this.raw.compact(snap, Math.max(1, index - this.keepEntries + 1));
        // A snapshot from the leader may have been installed meanwhile: keep the newer figures.
        if (index > this.lastSnapshotIndex) {
          this.lastSnapshotIndex = index;
          this.lastSnapshotBytes = data.byteLength;
        }
        await this.stored('compacting the log', this.storage.compact(this.raw.raft.log.firstIndex()));
        this.stats.snapshotsTaken++;
        this.log.info(
          { index, bytes: data.byteLength, ms: Math.round(performance.now() - started) },
          'snapshot taken, log compacted',
        );
      } catch (err) {
        this.stats.snapshotFailures++;
        // A storage failure has halted the node (see stored); a failed serialization is retried.
        if (err instanceof StorageFaultError) return;
        this.log.error({ err, index }, 'snapshot failed; will retry');
        // The entries it would have covered still count towards the next attempt.
        this.bytesSinceSnapshot += covered;
      } finally {
        this.snapshotting = false;
      }
    })();
  }
}

/** The state machine threw on a committed entry or a snapshot: nothing after it may apply. */
class MachineFailure {
  constructor(
    readonly step: string,
    readonly index: Index,
    readonly cause: unknown,
  ) {}
}
