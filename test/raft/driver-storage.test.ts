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
  type StorageFault,
  StorageFaultError,
} from '../../src/raft/index.js';
import { until } from './until.js';

/**
 * RaftNode halting on storage it cannot trust: the periodic verify() finding the directory gone
 * while writes still succeed, and a write that fails. In memory, 10 ms ticks, 20 ms checks.
 */
const enc = (k: string, v: string) => new TextEncoder().encode(JSON.stringify({ k, v }));

const gone: StorageFault = {
  code: 'STORAGE_DIR_GONE',
  path: '/data/x',
  detail: 'data directory /data/x no longer exists (ENOENT)',
};

interface Member {
  node: RaftNode<number>;
  machine: KvMachine;
  disk: MemoryDisk;
  fatal: Promise<unknown>;
  logged: Record<string, unknown>[];
}

function member(id: NodeId, ids: NodeId[], net: MemoryNetwork): Member {
  const disk = new MemoryDisk();
  const logged: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'fatal' },
    { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const machine = new KvMachine();
  const node = new RaftNode<number>({
    tickMs: 10,
    storageCheckMs: 20,
    id,
    bootstrap: ids,
    storage: new MemoryStorage(disk),
    transport: net.transport(id),
    stateMachine: machine,
    peers: new Map(ids.filter((p) => p !== id).map((p) => [p, p])),
    logger,
  });
  const fatal = new Promise<unknown>((resolve) => node.once('fatal', resolve));
  return { node, machine, disk, fatal, logged };
}

describe('RaftNode halts on storage it cannot trust', () => {
  let members: Member[] = [];
  afterEach(async () => {
    for (const m of members) await m.node.stop();
    members = [];
  });

  async function cluster(ids: NodeId[]): Promise<Member[]> {
    const net = new MemoryNetwork(11);
    members = ids.map((id) => member(id, ids, net));
    for (const m of members) await m.node.start();
    return members;
  }

  const leaderOf = (ms: Member[]) =>
    until('a leader', 10_000, () => ms.find((m) => m.node.isLeader() && !m.disk.fault));

  it('a directory found gone while writes still succeed: fatal with its code, logged at fatal level', async () => {
    const [solo] = (await cluster(['solo'])) as [Member];
    await leaderOf([solo]);
    expect((await solo.node.propose(enc('a', '1'))).result).toBe(1);
    solo.disk.fault = gone;
    const err = await solo.fatal;
    expect(err).toBeInstanceOf(StorageFaultError);
    expect((err as StorageFaultError).code).toBe('STORAGE_DIR_GONE');
    expect((err as StorageFaultError).path).toBe('/data/x');
    const line = solo.logged.find((l) => l.code === 'STORAGE_DIR_GONE');
    expect(line?.level).toBe(60);
    expect(String(line?.msg)).toContain('/data/x no longer exists');
    // Halted: nothing more is accepted, and stop() still closes cleanly.
    await expect(solo.node.propose(enc('b', '2'))).rejects.toMatchObject({ code: 'RAFT_STOPPED' });
    await solo.node.stop();
  });

  it('a failed write: fatal STORAGE_IO_ERROR naming what failed; its proposal is not acknowledged', async () => {
    const [solo] = (await cluster(['solo'])) as [Member];
    await leaderOf([solo]);
    solo.disk.failWrites = { code: 'STORAGE_IO_ERROR', path: 'memory', detail: 'EIO on write' };
    const proposal = solo.node.propose(enc('a', '1'));
    const err = (await solo.fatal) as StorageFaultError;
    expect(err.code).toBe('STORAGE_IO_ERROR');
    const refused = await proposal.then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(RaftError);
    expect((refused as RaftError).code).toBe('RAFT_UNKNOWN_OUTCOME');
  });

  it('a failed write on a directory that is gone is reported as the directory gone (the better reason)', async () => {
    const [solo] = (await cluster(['solo'])) as [Member];
    await leaderOf([solo]);
    solo.disk.failWrites = { code: 'STORAGE_IO_ERROR', path: 'memory', detail: 'ENOENT opening 000005.log' };
    solo.disk.fault = gone;
    void solo.node.propose(enc('a', '1')).catch(() => {});
    const err = (await solo.fatal) as StorageFaultError;
    expect(err.code).toBe('STORAGE_DIR_GONE');
    expect((err.cause as StorageFaultError).message).toContain('ENOENT opening 000005.log');
  });

  it('a follower whose storage fails halts; the other two go on committing', async () => {
    const ms = await cluster(['a', 'b', 'c']);
    const leader = await leaderOf(ms);
    await leader.node.propose(enc('before', '1'));
    const follower = ms.find((m) => m !== leader) as Member;
    follower.disk.fault = gone;
    expect(((await follower.fatal) as StorageFaultError).code).toBe('STORAGE_DIR_GONE');
    const applied = follower.node.applied;
    const out = await leader.node.propose(enc('after', '2'));
    const third = ms.find((m) => m !== leader && m !== follower) as Member;
    await until('the third server to apply', 5000, () =>
      third.node.applied >= out.index ? true : undefined,
    );
    expect(follower.node.applied).toBe(applied);
  });

  it('a leader whose storage fails halts; the others elect a new leader that has every acknowledged write', async () => {
    const ms = await cluster(['a', 'b', 'c']);
    const leader = await leaderOf(ms);
    const acked = await leader.node.propose(enc('k', 'v'));
    leader.disk.fault = gone;
    await leader.fatal;
    const next = await until('a new leader', 10_000, () => ms.find((m) => m !== leader && m.node.isLeader()));
    const out = await next.node.propose(enc('k2', 'v2'));
    expect(out.index).toBeGreaterThan(acked.index);
    expect(next.machine.get('k')).toBe('v');
  });
});
