import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { KvMachine } from '../../src/raft/demo/kv-machine.js';
import { MemoryDisk, MemoryNetwork, MemoryStorage, type NodeId, RaftNode } from '../../src/raft/index.js';
import { until } from './until.js';

/**
 * A state machine that throws (it met a command or a snapshot it cannot read) stops its RaftNode:
 * a fatal event with the cause, nothing applied after the entry, and a clean stop afterwards.
 */
const enc = (k: string, v: string) => new TextEncoder().encode(JSON.stringify({ k, v }));

class Refusal extends Error {}

/** Throws on any entry whose key starts with "poison", and (if asked) on every snapshot it is given. */
class PickyMachine extends KvMachine {
  readonly seen: number[] = [];
  constructor(private readonly refuseSnapshots = false) {
    super();
  }
  override apply(command: Uint8Array, index: number): number {
    if (Buffer.from(command).includes('"poison')) throw new Refusal(`cannot read the entry at ${index}`);
    this.seen.push(index);
    return super.apply(command, index);
  }
  override restore(snapshot: Uint8Array): void {
    if (this.refuseSnapshots) throw new Refusal('snapshot format not supported');
    super.restore(snapshot);
  }
}

const logger = pino({ level: 'silent' });
let nodes: RaftNode<number>[] = [];

afterEach(async () => {
  for (const n of nodes) await n.stop();
  nodes = [];
});

function node(id: NodeId, net: MemoryNetwork, machine: KvMachine, members: NodeId[], extra = {}) {
  const n = new RaftNode<number>({
    tickMs: 10,
    id,
    bootstrap: members,
    storage: new MemoryStorage(new MemoryDisk()),
    transport: net.transport(id),
    stateMachine: machine,
    peers: new Map(members.filter((p) => p !== id).map((p) => [p, p])),
    logger,
    ...extra,
  });
  nodes.push(n);
  return n;
}

describe('RaftNode with a state machine that throws', () => {
  it('stops at the entry: fatal with the cause, nothing after it applied, its proposals fail', async () => {
    const machine = new PickyMachine();
    const solo = node('solo', new MemoryNetwork(5), machine, ['solo']);
    const fatal = new Promise<unknown>((resolve) => solo.once('fatal', resolve));
    await solo.start();
    await until('a leader', 5000, () => (solo.isLeader() ? true : undefined));
    const first = await solo.propose(enc('a', '1'));
    // Proposed in one turn, so the poisoned entry and the ones after it apply in one batch.
    const poisoned = solo.propose(enc('poison', 'x'));
    const after = [solo.propose(enc('b', '2')), solo.propose(enc('c', '3'))];
    const err = await fatal;
    expect(err).toBeInstanceOf(Refusal);
    const poisonedIndex = first.index + 1;
    expect(String(err)).toContain(`at ${poisonedIndex}`);
    expect(solo.applied).toBe(first.index);
    expect(machine.seen.at(-1)).toBe(first.index);
    await expect(poisoned).rejects.toMatchObject({ code: 'RAFT_UNKNOWN_OUTCOME' });
    for (const p of after) await expect(p).rejects.toBeInstanceOf(Error);
    expect(machine.get('b')).toBeUndefined();
    expect(machine.get('c')).toBeUndefined();
    // A stopped node takes nothing more, and stop() still closes it.
    await expect(solo.propose(enc('d', '4'))).rejects.toMatchObject({ code: 'RAFT_STOPPED' });
    await solo.stop();
  });

  it('a follower that cannot restore the snapshot it is sent stops with a fatal event', async () => {
    const net = new MemoryNetwork(9);
    const ids = ['a', 'b', 'c'];
    const opts = { snapshotEvery: 10, keepEntries: 2 };
    const machines = new Map<NodeId, PickyMachine>(ids.map((id) => [id, new PickyMachine(id === 'c')]));
    for (const id of ids) await node(id, net, machines.get(id) as PickyMachine, ids, opts).start();
    const byId = new Map(nodes.map((n) => [n.id, n]));
    // c must not lead: it is the one left behind and caught up by snapshot. If it won the
    // election, it hands leadership over (until the transfer is taken).
    const leader = await until('a leader other than c', 10_000, () => {
      const lead = nodes.find((n) => n.isLeader());
      if (lead?.id === 'c') lead.transferLeadership('a');
      return lead !== undefined && lead.id !== 'c' ? lead : undefined;
    });
    const c = byId.get('c') as RaftNode<number>;
    const fatal = new Promise<unknown>((resolve) => c.once('fatal', resolve));
    net.isolate('c');
    for (let i = 0; i < 60; i++) await leader.propose(enc(`k${i}`, String(i)));
    await until('the leader to compact its log', 10_000, () =>
      leader.status().firstIndex > c.applied + 1 ? true : undefined,
    );
    const compactedTo = leader.status().firstIndex;
    net.heal();
    expect(String(await fatal)).toContain('snapshot format not supported');
    const appliedAtFatal = c.applied;
    expect(appliedAtFatal).toBeLessThan(compactedTo);
    // Stopped: it takes nothing more from the leader.
    await leader.propose(enc('later', '1'));
    expect(c.applied).toBe(appliedAtFatal);
    expect(machines.get('c')?.get('k59')).toBeUndefined();
  });
});
