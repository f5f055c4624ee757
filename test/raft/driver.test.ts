import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { KvMachine } from '../../src/raft/demo/kv-machine.js';
import {
  MemoryDisk,
  MemoryNetwork,
  MemoryStorage,
  type NodeId,
  RaftError,
  RaftNode,
  type RaftNodeOptions,
} from '../../src/raft/index.js';
import { until } from './until.js';

/**
 * RaftNode, the driver, over the in-memory network and disk: real timers
 * (10 ms ticks), real async I/O ordering, no sockets.
 */
const logger = pino({ level: 'silent' });
const enc = (k: string, v: string) => new TextEncoder().encode(JSON.stringify({ k, v }));

interface Member {
  node: RaftNode<number>;
  machine: KvMachine;
  disk: MemoryDisk;
}

type MemberOptions = Partial<Omit<RaftNodeOptions<number>, 'peers'>> & {
  /** Every server's id; in the memory network an id is also the address. */
  readonly members: NodeId[];
  readonly disk?: MemoryDisk;
};

class Harness {
  readonly net = new MemoryNetwork(7);
  readonly members = new Map<NodeId, Member>();

  async start(id: NodeId, opts: MemberOptions) {
    const { members, disk: given, ...rest } = opts;
    const disk = given ?? new MemoryDisk();
    const machine = new KvMachine();
    const node = new RaftNode<number>({
      tickMs: 10,
      ...rest,
      id,
      storage: new MemoryStorage(disk),
      transport: this.net.transport(id),
      stateMachine: machine,
      peers: new Map(members.filter((p) => p !== id).map((p) => [p, p])),
      logger,
    });
    await node.start();
    this.members.set(id, { node, machine, disk });
    return node;
  }

  async startCluster(ids: NodeId[], extra: Partial<RaftNodeOptions<number>> = {}) {
    for (const id of ids) await this.start(id, { bootstrap: ids, members: ids, ...extra });
  }

  node(id: NodeId): RaftNode<number> {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    return m.node;
  }

  async leader(timeoutMs = 10_000): Promise<RaftNode<number>> {
    return until(
      'a leader',
      timeoutMs,
      () => [...this.members.values()].find((m) => m.node.isLeader())?.node,
    );
  }

  async stopAll() {
    for (const m of this.members.values()) await m.node.stop();
    this.members.clear();
  }
}

describe('RaftNode (driver) over the in-memory network', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stopAll();
  });

  it('resolves a proposal with the state machine result and its index; followers apply it too', async () => {
    h = new Harness();
    await h.startCluster(['a', 'b', 'c']);
    const leader = await h.leader();
    const out = await leader.propose(enc('x', '1'));
    expect(out.result).toBe(1);
    expect(out.index).toBeGreaterThan(1);
    for (const id of ['a', 'b', 'c']) {
      await until(`${id} to apply`, 5000, () => (h.node(id).applied >= out.index ? true : undefined));
      expect(h.members.get(id)?.machine.get('x')).toBe('1');
    }
  });

  it('a follower refuses proposals with RAFT_NOT_LEADER naming the leader', async () => {
    h = new Harness();
    await h.startCluster(['a', 'b', 'c']);
    const leader = await h.leader();
    const follower = ['a', 'b', 'c'].map((id) => h.node(id)).find((n) => n !== leader);
    await until('the follower to know the leader', 5000, () =>
      follower?.leader()?.id === leader.id ? true : undefined,
    );
    const err = await follower?.propose(enc('y', '1')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RaftError);
    expect((err as RaftError).code).toBe('RAFT_NOT_LEADER');
    expect((err as RaftError).leaderId).toBe(leader.id);
    expect((err as RaftError).leaderAddress).toBe(leader.id);
    expect((err as RaftError).outcomeKnown).toBe(true);
  });

  it('group commit: concurrent proposals share synced writes', async () => {
    h = new Harness();
    await h.startCluster(['a', 'b', 'c']);
    const leader = await h.leader();
    const before = { ...leader.stats };
    const outs = await Promise.all(
      Array.from({ length: 200 }, (_, i) => leader.propose(enc(`k${i}`, String(i)))),
    );
    expect(new Set(outs.map((o) => o.index)).size).toBe(200);
    const entries = leader.stats.entriesWritten - before.entriesWritten;
    const syncs = leader.stats.syncedWrites - before.syncedWrites;
    expect(entries).toBeGreaterThanOrEqual(200);
    expect(syncs, `${entries} entries in ${syncs} synced writes`).toBeLessThan(entries / 4);
  });

  it('read barriers: linearizable reads on the leader, and none without a quorum', async () => {
    h = new Harness();
    await h.startCluster(['a', 'b', 'c'], { readTimeoutMs: 500 });
    const leader = await h.leader();
    const w = await leader.propose(enc('r', 'v'));
    expect(await leader.readBarrier(false)).toBeGreaterThanOrEqual(w.index);
    expect(await leader.readBarrier(true)).toBeGreaterThanOrEqual(w.index);
    h.net.isolate(leader.id);
    const err = await leader.readBarrier(false).catch((e: unknown) => e);
    expect((err as RaftError).code).toMatch(/RAFT_READ_TIMEOUT|RAFT_NOT_LEADER/);
  });

  it('a leader cut off from its followers is replaced; its unacknowledged proposal never takes effect elsewhere', async () => {
    h = new Harness();
    await h.startCluster(['a', 'b', 'c'], { proposalTimeoutMs: 3000 });
    const old = await h.leader();
    await old.propose(enc('before', '1'));
    h.net.isolate(old.id);
    const lost = old.propose(enc('lost', '1')).catch((e: unknown) => e);
    const next = await until('a new leader', 10_000, () =>
      [...h.members.values()].map((m) => m.node).find((n) => n !== old && n.isLeader()),
    );
    await next.propose(enc('after', '1'));
    h.net.heal();
    const err = await lost;
    expect(err).toBeInstanceOf(RaftError);
    expect(['RAFT_DROPPED', 'RAFT_UNKNOWN_OUTCOME', 'RAFT_NOT_LEADER']).toContain((err as RaftError).code);
    await until('the old leader to apply the new leader’s write', 10_000, () =>
      h.members.get(old.id)?.machine.get('after') === '1' ? true : undefined,
    );
    for (const m of h.members.values()) expect(m.machine.get('lost')).toBeUndefined();
  });

  it('a restarted server recovers its state from its disk (snapshot + log)', async () => {
    h = new Harness();
    await h.startCluster(['a', 'b', 'c'], { snapshotEvery: 20, keepEntries: 5 });
    const leader = await h.leader();
    for (let i = 0; i < 60; i++) await leader.propose(enc(`s${i}`, String(i)));
    const follower = ['a', 'b', 'c'].find((id) => id !== leader.id) as NodeId;
    const member = h.members.get(follower) as Member;
    await until('the follower to catch up', 5000, () =>
      member.node.applied >= leader.applied ? true : undefined,
    );
    const digest = member.machine.summary().digest;
    await member.node.stop();
    h.members.delete(follower);
    member.disk.crash();
    const again = await h.start(follower, {
      members: ['a', 'b', 'c'],
      disk: member.disk,
      snapshotEvery: 20,
      keepEntries: 5,
    });
    expect(again.status().firstIndex, 'the log was compacted behind a snapshot').toBeGreaterThan(1);
    await until('the restarted follower to reach the same state', 5000, () =>
      h.members.get(follower)?.machine.summary().digest === digest ? true : undefined,
    );
  });

  it('snapshots wait for half the last snapshot’s size in new entries (or ten times snapshotEvery), not only snapshotEvery', async () => {
    h = new Harness();
    await h.startCluster(['a'], { snapshotEvery: 10, keepEntries: 1 });
    const leader = await h.leader();
    // A state of ~20 KB: its snapshot is large next to the tiny entries that follow.
    await leader.propose(enc('big', 'x'.repeat(20_000)));
    for (let i = 0; i < 9; i++) await leader.propose(enc(`t${i}`, '1'));
    const first = await until('the first snapshot', 5000, () =>
      leader.status().firstIndex > 1 ? leader.status().firstIndex : undefined,
    );
    // 60 more tiny entries (~2 KB): six times snapshotEvery, far less than half of 20 KB.
    for (let i = 0; i < 60; i++) await leader.propose(enc(`u${i}`, '1'));
    await new Promise((r) => setTimeout(r, 300));
    expect(leader.status().firstIndex, 'no snapshot for a few KB of new entries').toBe(first);
    // Ten times snapshotEvery entries is the most the log grows by, however small they are.
    for (let i = 0; i < 45; i++) await leader.propose(enc(`w${i}`, '1'));
    const second = await until('a snapshot at ten times snapshotEvery', 5000, () =>
      leader.status().firstIndex > first ? leader.status().firstIndex : undefined,
    );
    // Then 12 KB of entries: past half the snapshot's size, so the next one is taken at once.
    await leader.propose(enc('big2', 'y'.repeat(12_000)));
    for (let i = 0; i < 10; i++) await leader.propose(enc(`v${i}`, '1'));
    await until('a snapshot after half its size in bytes', 5000, () =>
      leader.status().firstIndex > second ? true : undefined,
    );
  });

  it('a failed disk write while entries apply stops the node with a fatal event and fails the proposal', async () => {
    const hasBoom = (data: Uint8Array) => Buffer.from(data).includes('boom');
    class FailingStorage extends MemoryStorage {
      override async save(...args: Parameters<MemoryStorage['save']>): Promise<void> {
        if (args[0].entries.some((e) => hasBoom(e.data))) throw new Error('disk on fire');
        return super.save(...args);
      }
    }
    /** Applies slowly, so the driver yields mid-apply while the same Ready's write fails. */
    class SlowMachine extends KvMachine {
      override apply(command: Uint8Array, index: number): number {
        const until = performance.now() + 3;
        while (performance.now() < until) {}
        return super.apply(command, index);
      }
    }
    const node = new RaftNode<number>({
      tickMs: 10,
      id: 'solo',
      bootstrap: ['solo'],
      storage: new FailingStorage(new MemoryDisk()),
      transport: new MemoryNetwork(3).transport('solo'),
      stateMachine: new SlowMachine(),
      peers: new Map(),
      logger,
    });
    const fatal = new Promise<unknown>((resolve) => node.once('fatal', resolve));
    await node.start();
    await until('a leader', 5000, () => (node.isLeader() ? true : undefined));
    const slow = Array.from({ length: 30 }, (_, i) => node.propose(enc(`p${i}`, '1')));
    // Proposed while the slow entries are written: it rides in the Ready that applies them.
    await new Promise((r) => setImmediate(r));
    const failing = node.propose(enc('boom', 'boom'));
    expect(String(await fatal)).toContain('disk on fire');
    await expect(failing).rejects.toBeInstanceOf(Error);
    await Promise.allSettled(slow);
    await node.stop();
  });

  it('membership: a learner joins and catches up, is promoted, and a removed server leaves', async () => {
    h = new Harness();
    await h.startCluster(['a', 'b', 'c'], { snapshotEvery: 30, keepEntries: 5 });
    const leader = await h.leader();
    for (let i = 0; i < 50; i++) await leader.propose(enc(`m${i}`, String(i)));
    await h.start('d', { members: ['a', 'b', 'c'], snapshotEvery: 30, keepEntries: 5 });
    await leader.addLearner('d', 'd');
    await until('d to catch up', 5000, () =>
      h.members.get('d')?.machine.summary().digest === h.members.get(leader.id)?.machine.summary().digest
        ? true
        : undefined,
    );
    // d applies committed entries while it writes them, so the leader learns of its progress
    // (from the acknowledgement sent after the write) a moment after d's state matches.
    await until('the leader to see d caught up', 5000, () =>
      (leader.status().progress.get('d')?.match ?? 0) >= leader.status().commit ? true : undefined,
    );
    await expect(leader.promote('zz')).rejects.toMatchObject({ code: 'RAFT_BAD_MEMBERSHIP' });
    await leader.promote('d');
    const victim = ['a', 'b', 'c'].find((id) => id !== leader.id) as NodeId;
    await leader.removeMember(victim);
    expect([...leader.status().conf.voters].sort()).toEqual(
      ['a', 'b', 'c', 'd'].filter((id) => id !== victim).sort(),
    );
    const out = await leader.propose(enc('post', 'removal'));
    await until('d to apply', 5000, () => (h.node('d').applied >= out.index ? true : undefined));
    expect(h.members.get('d')?.machine.get('post')).toBe('removal');
  });

  it('leadership transfer hands over to the named server', async () => {
    h = new Harness();
    await h.startCluster(['a', 'b', 'c']);
    const leader = await h.leader();
    await leader.propose(enc('t', '1'));
    const target = ['a', 'b', 'c'].find((id) => id !== leader.id) as NodeId;
    expect(leader.transferLeadership(target)).toBe(true);
    await until('the target to lead', 5000, () => (h.node(target).isLeader() ? true : undefined));
    expect(leader.isLeader()).toBe(false);
  });

  it('backpressure: proposals beyond the uncommitted-bytes bound are dropped, not queued', async () => {
    h = new Harness();
    await h.startCluster(['a', 'b', 'c'], { core: { maxUncommittedBytes: 4096 }, proposalTimeoutMs: 1000 });
    const leader = await h.leader();
    for (const id of ['a', 'b', 'c']) if (id !== leader.id) h.net.partition(leader.id, id);
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, () => leader.propose(new Uint8Array(512))),
    );
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as RaftError).code : 'ok'));
    expect(codes.filter((c) => c === 'RAFT_DROPPED').length).toBeGreaterThan(0);
  });

  it('stop: pending proposals end with a known error code, later calls are refused', async () => {
    h = new Harness();
    await h.startCluster(['a', 'b', 'c']);
    const leader = await h.leader();
    for (const id of ['a', 'b', 'c']) if (id !== leader.id) h.net.partition(leader.id, id);
    const pending = leader.propose(enc('p', '1')).catch((e: unknown) => e);
    await leader.stop();
    expect(['RAFT_UNKNOWN_OUTCOME', 'RAFT_STOPPED']).toContain(((await pending) as RaftError).code);
    await expect(leader.propose(enc('q', '1'))).rejects.toMatchObject({ code: 'RAFT_STOPPED' });
  });
});
