import { decodeConfChange, RawNode, type Ready } from '../../../src/raft/core/index.js';
import type { Message } from '../../../src/raft/messages.js';
import { ProposalTracker } from '../../../src/raft/proposals.js';
import type { ConfChange, Entry, Index, NodeId, ReadState, Snapshot, Term } from '../../../src/raft/types.js';
import { SimDisk } from './disk.js';
import { EventQueue } from './events.js';
import type { Rng } from './rng.js';

const TICK_MS = 100;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Thrown when an invariant breaks; the message says which and where. */
export class InvariantError extends Error {}

export interface SimParams {
  readonly founders: number;
  readonly spares: number;
  readonly dropRate: number;
  readonly dupRate: number;
  readonly maxDelayMs: number;
  readonly diskMaxMs: number;
  readonly leaseReads: boolean;
  readonly snapshotEvery: number;
  readonly keepEntries: number;
  readonly maxSizePerMsg: number;
  readonly maxInflightMsgs: number;
}

/** The replicated state machine of the simulation: the ids of applied proposals, in order. */
interface Machine {
  ids: string[];
  seen: Set<string>;
}

interface SimNode {
  readonly id: NodeId;
  readonly founder: boolean;
  alive: boolean;
  removed: boolean;
  /** Bumped on every crash; events of an older incarnation are ignored. */
  incarnation: number;
  raw: RawNode;
  readonly disk: SimDisk;
  machine: Machine;
  busy: boolean;
  tracker: ProposalTracker<null>;
  rewrites: number;
  lastCommit: Index;
  lastApplied: Index;
  lastTerm: Term;
  snapIndex: Index;
  reads: Map<string, Index>;
  /** The highest term this server revealed to others: its disk must never hold less. */
  maxSentTerm: Term;
}

/**
 * A cluster of pure Raft cores on a simulated network and disk, driven by
 * one seed. The driver loop here follows the Ready contract exactly as the
 * real driver does; invariants are checked after every event.
 */
export class SimCluster {
  readonly q = new EventQueue();
  readonly nodes = new Map<NodeId, SimNode>();
  /** Directed links that drop everything ("a>b"). */
  readonly blocked = new Set<string>();
  dropRate: number;
  dupRate: number;
  readonly trace: string[] = [];
  /** Every entry applied anywhere, by index: all servers must apply the same one. */
  private readonly appliedLog = new Map<Index, string>();
  private readonly leaders = new Map<Term, NodeId>();
  /** Proposals a client was told succeeded. */
  readonly acked = new Map<string, { index: Index; term: Term }>();
  private maxAckedIndex = 0;
  private nextProposal = 0;
  private nextRead = 0;
  events = 0;
  stats = {
    proposals: 0,
    acked: 0,
    dropped: 0,
    unknown: 0,
    reads: 0,
    elections: 0,
    snapshotsSent: 0,
    crashes: 0,
  };

  constructor(
    readonly rng: Rng,
    readonly p: SimParams,
  ) {
    this.dropRate = p.dropRate;
    this.dupRate = p.dupRate;
    const total = p.founders + p.spares;
    const founders: NodeId[] = [];
    for (let i = 1; i <= total; i++) {
      const id = `n${i}`;
      const founder = i <= p.founders;
      if (founder) founders.push(id);
      this.nodes.set(id, {
        id,
        founder,
        alive: true,
        removed: false,
        incarnation: 0,
        raw: null as unknown as RawNode,
        disk: new SimDisk(),
        machine: { ids: [], seen: new Set() },
        busy: false,
        tracker: new ProposalTracker(),
        rewrites: 0,
        lastCommit: 0,
        lastApplied: 0,
        lastTerm: 0,
        snapIndex: 0,
        reads: new Map(),
        maxSentTerm: 0,
      });
    }
    this.founderIds = founders;
    for (const n of this.nodes.values()) this.boot(n);
  }

  private readonly founderIds: NodeId[];

  private coreOptions(id: NodeId) {
    return {
      id,
      random: () => this.rng.next(),
      leaseReads: this.p.leaseReads,
      maxSizePerMsg: this.p.maxSizePerMsg,
      maxInflightMsgs: this.p.maxInflightMsgs,
      maxUncommittedBytes: 4096,
      maxApplyBytes: 512,
    };
  }

  private boot(n: SimNode): void {
    const state = n.disk.load();
    const empty = state.snapshot === null && state.entries.length === 0 && state.hardState.term === 0;
    if (empty) {
      n.raw = RawNode.create(this.coreOptions(n.id));
      if (n.founder) n.raw.bootstrap(this.founderIds);
    } else {
      n.raw = RawNode.restart(this.coreOptions(n.id), state);
    }
    n.machine = state.snapshot ? decodeMachine(state.snapshot.data) : { ids: [], seen: new Set() };
    n.snapIndex = state.snapshot?.meta.index ?? 0;
    n.tracker = new ProposalTracker();
    n.rewrites = n.raw.raft.log.rewrites;
    n.lastCommit = n.raw.raft.log.committed;
    n.lastApplied = n.raw.raft.log.applied;
    n.lastTerm = n.raw.raft.term;
    n.reads = new Map();
    n.busy = false;
    const inc = n.incarnation;
    const phase = this.rng.int(1, TICK_MS);
    const tick = () => {
      if (!n.alive || n.incarnation !== inc) return;
      n.raw.tick();
      this.pump(n);
      this.q.schedule(TICK_MS, tick);
    };
    this.q.schedule(phase, tick);
    this.pump(n);
  }

  log(s: string): void {
    this.trace.push(`${this.q.now.toString().padStart(6)} ${s}`);
    if (this.trace.length > 400) this.trace.splice(0, 100);
  }

  // ---- the driver loop (the Ready contract) -------------------------------

  private pump(n: SimNode): void {
    if (!n.alive || n.busy || !n.raw.hasReady()) return;
    n.busy = true;
    const rd = n.raw.ready();
    const inc = n.incarnation;
    this.onSoftState(n, rd);
    const termOrVoteChanged = rd.hardState !== null && rd.mustSync;
    const early = n.raw.raft.role === 'leader' && !termOrVoteChanged;
    const late: Message[] = [];
    for (const m of rd.messages) {
      if (early && (m.type === 'append' || m.type === 'heartbeat')) this.send(n, m);
      else late.push(m);
    }
    const anyWrite = rd.entries.length > 0 || rd.hardState !== null || rd.snapshot !== null;
    const finish = () => {
      if (!n.alive || n.incarnation !== inc) return; // crashed while writing: the write is lost
      if (anyWrite) n.disk.saveReady(rd.entries, rd.hardState, rd.snapshot, rd.mustSync);
      for (const m of late) this.send(n, m);
      this.applyReady(n, rd);
      n.raw.advance(rd);
      this.afterAdvance(n);
      n.busy = false;
      this.pump(n);
    };
    if (anyWrite && rd.mustSync) this.q.schedule(this.rng.int(0, this.p.diskMaxMs), finish);
    else finish();
  }

  private onSoftState(n: SimNode, rd: Ready): void {
    if (!rd.softState) return;
    if (rd.softState.role === 'leader') {
      const term = n.raw.raft.term;
      const prev = this.leaders.get(term);
      if (prev !== undefined && prev !== n.id) {
        throw new InvariantError(`two leaders in term ${term}: ${prev} and ${n.id}`);
      }
      this.leaders.set(term, n.id);
      this.stats.elections++;
      this.log(`${n.id} leader term ${term} last ${n.raw.raft.log.lastIndex()}`);
      this.checkLeaderHasAcked(n);
    }
  }

  private applyReady(n: SimNode, rd: Ready): void {
    if (rd.snapshot) {
      n.machine = decodeMachine(rd.snapshot.data);
      n.snapIndex = rd.snapshot.meta.index;
      this.log(`${n.id} installed snapshot ${rd.snapshot.meta.index}`);
    }
    for (const e of rd.committedEntries) this.applyEntry(n, e);
    this.serveReads(n, rd.readStates);
  }

  /**
   * Read states, from a Ready or (as the real driver does) taken between Readies, while a log
   * write is in progress: either way the read is served once applied >= its index.
   */
  private serveReads(n: SimNode, states: readonly ReadState[]): void {
    for (const rs of states) {
      const startedAfter = n.reads.get(rs.ctx);
      if (startedAfter === undefined) continue;
      n.reads.delete(rs.ctx);
      // The driver serves the read once applied >= rs.index; it must see every write acked before it began.
      if (rs.index < startedAfter) {
        throw new InvariantError(`${n.id} stale read ${rs.ctx}: index ${rs.index} < acked ${startedAfter}`);
      }
      this.stats.reads++;
    }
  }

  private applyEntry(n: SimNode, e: Entry): void {
    const key = `${e.term}:${e.kind}:${decoder.decode(e.data)}`;
    const prev = this.appliedLog.get(e.index);
    if (prev === undefined) this.appliedLog.set(e.index, key);
    else if (prev !== key)
      throw new InvariantError(`${n.id} applied ${key} at ${e.index}, others applied ${prev}`);
    if (e.kind === 'conf') {
      const change = decodeConfChange(e.data);
      // A removed server's id is never reused: it stays up but leaves the pool for good.
      if (change.type === 'remove') this.nodes.get(change.node)!.removed = true;
    }
    if (e.kind === 'normal') {
      const id = decoder.decode(e.data);
      if (n.machine.seen.has(id)) throw new InvariantError(`${n.id} applied ${id} twice (index ${e.index})`);
      n.machine.seen.add(id);
      n.machine.ids.push(id);
    }
    n.tracker.applied(e, null);
  }

  private afterAdvance(n: SimNode): void {
    const log = n.raw.raft.log;
    if (log.rewrites !== n.rewrites) {
      n.rewrites = log.rewrites;
      n.tracker.recheck(log);
    }
    if (log.committed < n.lastCommit) throw new InvariantError(`${n.id} commit went back`);
    if (log.applied < n.lastApplied) throw new InvariantError(`${n.id} applied went back`);
    if (log.applied > log.committed) throw new InvariantError(`${n.id} applied ${log.applied} > commit`);
    if (n.raw.raft.term < n.lastTerm) throw new InvariantError(`${n.id} term went back`);
    n.lastCommit = log.committed;
    n.lastApplied = log.applied;
    n.lastTerm = n.raw.raft.term;
    if (log.applied - n.snapIndex >= this.p.snapshotEvery) this.takeSnapshot(n);
  }

  private takeSnapshot(n: SimNode): void {
    const log = n.raw.raft.log;
    const index = log.applied;
    const snap: Snapshot = {
      meta: { index, term: log.term(index)!, conf: n.raw.raft.conf },
      data: encodeMachine(n.machine),
    };
    n.disk.saveSnapshot(snap);
    n.snapIndex = index;
    const keepFrom = Math.max(1, index - this.p.keepEntries + 1);
    n.raw.compact(snap, keepFrom);
    n.disk.compact(log.firstIndex());
  }

  // ---- network ------------------------------------------------------------

  private send(from: SimNode, m: Message): void {
    // A pre-vote speaks of a term nobody has entered yet; every other message reveals a real one.
    if (m.type !== 'preVote' && m.type !== 'preVoteResp')
      from.maxSentTerm = Math.max(from.maxSentTerm, m.term);
    const to = this.nodes.get(m.to);
    const fromInc = from.incarnation;
    if (!to) return;
    const copies = this.rng.chance(this.dupRate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      const lost = this.blocked.has(`${m.from}>${m.to}`) || this.rng.chance(this.dropRate);
      const delay = this.rng.int(1, this.p.maxDelayMs);
      const toInc = to.incarnation;
      this.q.schedule(delay, () => {
        const delivered = !lost && to.alive && to.incarnation === toInc;
        if (m.type === 'snapshot' && c === 0 && from.alive && from.incarnation === fromInc) {
          from.raw.reportSnapshot(m.to, delivered);
          this.stats.snapshotsSent++;
          this.pump(from);
        }
        if (!to.alive && from.alive && from.incarnation === fromInc) {
          from.raw.reportUnreachable(m.to);
          this.pump(from);
        }
        if (!delivered) return;
        to.raw.step(m);
        this.serveReads(to, to.raw.takeReadStates());
        this.pump(to);
      });
    }
  }

  // ---- clients ------------------------------------------------------------

  /** A client sends one proposal to `n` (usually the node it believes leads). */
  propose(n: SimNode): void {
    if (!n.alive) return;
    const id = `p${this.nextProposal++}`;
    const r = n.raw.propose(encoder.encode(id));
    if (!r.ok) return;
    this.stats.proposals++;
    n.tracker.add(r.index, r.term, (out) => {
      if (out.kind === 'applied') {
        this.acked.set(id, { index: r.index, term: r.term });
        this.maxAckedIndex = Math.max(this.maxAckedIndex, r.index);
        this.stats.acked++;
      } else if (out.kind === 'dropped') this.stats.dropped++;
      else this.stats.unknown++;
    });
    this.pump(n);
  }

  read(n: SimNode): void {
    if (!n.alive) return;
    const ctx = `r${this.nextRead++}`;
    if (!n.raw.readIndex(ctx)) return;
    n.reads.set(ctx, this.maxAckedIndex);
    this.serveReads(n, n.raw.takeReadStates());
    this.pump(n);
  }

  confChange(n: SimNode, change: ConfChange): boolean {
    if (!n.alive) return false;
    const r = n.raw.proposeConfChange(change);
    if (r.ok) this.log(`${n.id} proposes ${JSON.stringify(change)} at ${r.index}`);
    this.pump(n);
    return r.ok;
  }

  transfer(n: SimNode, to: NodeId): void {
    if (n.alive && n.raw.transferLeadership(to)) {
      this.log(`${n.id} transfers to ${to}`);
      this.pump(n);
    }
  }

  // ---- faults -------------------------------------------------------------

  crash(n: SimNode): void {
    if (!n.alive) return;
    n.alive = false;
    n.incarnation++;
    n.disk.crash();
    n.tracker.abandonAll();
    this.stats.crashes++;
    this.log(`${n.id} crashed`);
  }

  restart(n: SimNode): void {
    if (n.alive || n.removed) return;
    n.alive = true;
    n.lastCommit = 0;
    n.lastApplied = 0;
    this.log(`${n.id} restarted`);
    this.boot(n);
    if (n.raw.raft.term < n.maxSentTerm) {
      throw new InvariantError(
        `${n.id} restarted at term ${n.raw.raft.term} below revealed ${n.maxSentTerm}`,
      );
    }
  }

  // ---- checks -------------------------------------------------------------

  /** Every acknowledged proposal is in the log (or snapshot) of every new leader. */
  private checkLeaderHasAcked(leader: SimNode): void {
    const log = leader.raw.raft.log;
    for (const [id, a] of this.acked) {
      if (a.index > log.offset) {
        if (log.term(a.index) !== a.term) {
          throw new InvariantError(
            `new leader ${leader.id} lacks acked ${id} at ${a.index} (term ${a.term})`,
          );
        }
      } else if (!leader.machine.seen.has(id) && a.index <= leader.snapIndex) {
        throw new InvariantError(`new leader ${leader.id} snapshot lacks acked ${id}`);
      }
    }
  }

  members(): SimNode[] {
    return [...this.nodes.values()].filter((n) => !n.removed);
  }

  /** After faults stop: one leader, everyone caught up, every proposal resolved, same state everywhere. */
  checkConverged(): void {
    const alive = this.members().filter((n) => n.alive);
    const leaders = alive.filter((n) => n.raw.raft.role === 'leader');
    if (leaders.length !== 1) throw new InvariantError(`liveness: ${leaders.length} leaders after healing`);
    const leader = leaders[0]!;
    const conf = leader.raw.raft.conf;
    const members = alive.filter((n) => conf.voters.includes(n.id) || conf.learners.includes(n.id));
    const last = leader.raw.raft.log.lastIndex();
    for (const n of members) {
      const log = n.raw.raft.log;
      if (log.applied !== last || log.committed !== last) {
        const pr = Object.fromEntries(leader.raw.status().progress);
        throw new InvariantError(
          `liveness: ${n.id} (${n.raw.raft.role} t${n.raw.raft.term} last ${log.lastIndex()}) applied ${log.applied}, ` +
            `commit ${log.committed}; leader ${leader.id} t${leader.raw.raft.term} last ${last} conf ${JSON.stringify(conf)} sees ${JSON.stringify(pr)}`,
        );
      }
      if (n.tracker.size > 0)
        throw new InvariantError(`liveness: ${n.id} has ${n.tracker.size} unresolved proposals`);
      if (n.machine.ids.join(',') !== leader.machine.ids.join(',')) {
        throw new InvariantError(`${n.id} state differs from leader ${leader.id}`);
      }
    }
    for (const id of this.acked.keys()) {
      if (!leader.machine.seen.has(id)) throw new InvariantError(`acked ${id} missing from final state`);
    }
  }

  leaderNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.alive && n.raw.raft.role === 'leader');
  }
}

function encodeMachine(m: Machine): Uint8Array {
  return encoder.encode(JSON.stringify(m.ids));
}

function decodeMachine(data: Uint8Array): Machine {
  const ids = JSON.parse(decoder.decode(data)) as string[];
  return { ids, seen: new Set(ids) };
}
