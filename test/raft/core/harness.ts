import { type CoreOptions, RawNode, type Ready } from '../../../src/raft/core/index.js';
import type { Message, MessageType } from '../../../src/raft/messages.js';
import type { ConfState, Entry, EntryKind, Index, NodeId, Snapshot, Term } from '../../../src/raft/types.js';

/**
 * Hand-driving helpers for the message-level tests: build a server in an
 * exact state (term, vote, log, membership), step messages into it and look
 * at what comes out of its Ready. Nothing here is random unless a test
 * passes a seeded generator.
 */

export const enc = new TextEncoder();

export function entry(index: Index, term: Term, kind: EntryKind = 'normal', data = `e${index}`): Entry {
  return { index, term, kind, data: enc.encode(data) };
}

/** A log whose entry i+first has term terms[i]. */
export function logOf(terms: readonly Term[], first: Index = 1): Entry[] {
  return terms.map((t, i) => entry(first + i, t));
}

/** A snapshot that only carries a membership (index 0), so a restarted server knows its peers. */
export function confSnapshot(conf: ConfState, index: Index = 0, term: Term = 0, data = ''): Snapshot {
  return { meta: { index, term, conf }, data: enc.encode(data) };
}

/** Paper defaults: no PreVote, no CheckQuorum, so the base algorithm is visible; tests opt in. */
export const PAPER: Omit<CoreOptions, 'id'> = {
  random: () => 0,
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: false,
  checkQuorum: false,
  leaseReads: false,
};

export interface NodeSpec {
  readonly id: NodeId;
  readonly voters: readonly NodeId[];
  readonly learners?: readonly NodeId[];
  /** Terms of the log entries 1..n (or after `snapshot`). */
  readonly terms?: readonly Term[];
  readonly term?: Term;
  readonly vote?: NodeId | null;
  readonly commit?: Index;
  readonly snapshot?: Snapshot;
  readonly opts?: Partial<Omit<CoreOptions, 'id'>>;
}

/** A server restarted from exactly this durable state. */
export function makeNode(spec: NodeSpec): RawNode {
  const conf = { voters: spec.voters, learners: spec.learners ?? [] };
  const snapshot = spec.snapshot ?? confSnapshot(conf);
  const first = snapshot.meta.index + 1;
  const entries = logOf(spec.terms ?? [], first);
  const lastTerm = entries.length > 0 ? entries[entries.length - 1]!.term : snapshot.meta.term;
  return RawNode.restart(
    { ...PAPER, ...spec.opts, id: spec.id },
    {
      hardState: { term: spec.term ?? lastTerm, vote: spec.vote ?? null, commit: spec.commit ?? 0 },
      snapshot,
      entries,
    },
  );
}

/** Processes one Ready as a driver would (persist = nothing to do, then advance) and returns it. */
export function drain(node: RawNode): Ready {
  const rd = node.ready();
  node.advance(rd);
  return rd;
}

/** The messages of the next Ready. */
export function out(node: RawNode): Message[] {
  return [...drain(node).messages];
}

/** The message variant(s) that can carry type `T` (VoteMsg carries both 'vote' and 'preVote'). */
export type MsgOf<T extends MessageType> = Message extends infer M
  ? M extends Message
    ? T extends M['type']
      ? M
      : never
    : never
  : never;

export function ofType<T extends MessageType>(msgs: readonly Message[], type: T): MsgOf<T>[] {
  return msgs.filter((m): m is MsgOf<T> => m.type === type);
}

export function tickN(node: RawNode, n: number): void {
  for (let i = 0; i < n; i++) node.tick();
}

/**
 * A few servers on a perfect, synchronous network. `run()` processes Readies
 * and delivers messages until nothing moves; `cut` drops links both ways.
 */
export class Net {
  readonly nodes = new Map<NodeId, RawNode>();
  readonly delivered: Message[] = [];
  /** Every message any server emitted, delivered or not. */
  readonly sent: Message[] = [];
  private readonly cut = new Set<string>();
  /** Extra filter: return false to drop a message. */
  filter: (m: Message) => boolean = () => true;

  constructor(nodes: readonly RawNode[]) {
    for (const n of nodes) this.nodes.set(n.raft.id, n);
  }

  node(id: NodeId): RawNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  /** Runs to quiescence; returns every message delivered during the run. */
  run(maxSteps = 10_000): Message[] {
    const start = this.delivered.length;
    for (let steps = 0; steps < maxSteps; steps++) {
      const queue: Message[] = [];
      for (const n of this.nodes.values()) if (n.hasReady()) queue.push(...drain(n).messages);
      if (queue.length === 0) return this.delivered.slice(start);
      this.sent.push(...queue);
      for (const m of queue) {
        if (this.cut.has(`${m.from}>${m.to}`) || !this.filter(m)) continue;
        const to = this.nodes.get(m.to);
        if (!to) continue;
        this.delivered.push(m);
        to.step(m);
      }
    }
    throw new Error('network did not quiesce');
  }

  tickAll(n = 1): Message[] {
    const start = this.delivered.length;
    for (let i = 0; i < n; i++) {
      for (const node of this.nodes.values()) node.tick();
      this.run();
    }
    return this.delivered.slice(start);
  }
}

/** A cluster of fresh servers with `ids` as voters, all at term 1 with an empty log. */
export function cluster(
  ids: readonly NodeId[],
  opts: Partial<Omit<CoreOptions, 'id'>> = {},
  learners: readonly NodeId[] = [],
): Net {
  return new Net([...ids, ...learners].map((id) => makeNode({ id, voters: ids, learners, term: 1, opts })));
}

/** Makes `id` leader by campaigning and running the network to quiescence. */
export function elect(net: Net, id: NodeId): RawNode {
  const n = net.node(id);
  n.campaign();
  net.run();
  if (n.raft.role !== 'leader') throw new Error(`${id} did not become leader (role ${n.raft.role})`);
  return n;
}

// ---- message builders: only the fields a test cares about need be given ----

export function voteMsg(
  from: NodeId,
  to: NodeId,
  term: Term,
  index: Index,
  logTerm: Term,
  extra: { type?: 'vote' | 'preVote'; transfer?: boolean } = {},
): Message {
  return { type: extra.type ?? 'vote', from, to, term, index, logTerm, transfer: extra.transfer ?? false };
}

export function appendMsg(
  from: NodeId,
  to: NodeId,
  term: Term,
  index: Index,
  logTerm: Term,
  entries: readonly Entry[],
  commit: Index,
): Message {
  return { type: 'append', from, to, term, index, logTerm, entries, commit };
}

export function appendResp(
  from: NodeId,
  to: NodeId,
  term: Term,
  index: Index,
  reject = false,
  rejectHint = 0,
  logTerm = 0,
): Message {
  return { type: 'appendResp', from, to, term, index, reject, rejectHint, logTerm };
}

export function heartbeatResp(from: NodeId, to: NodeId, term: Term, seq: number): Message {
  return { type: 'heartbeatResp', from, to, term, seq };
}
