import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCluster, type LocalServer, waitUntil } from '../../cluster/index.js';

interface StateSummary {
  readonly applied: number;
  readonly digest: string;
  readonly keys: number;
  readonly value?: string | null;
}

/**
 * Three servers as separate processes (real TCP, real LevelDB, fsync):
 * propose, SIGKILL the leader, keep writing to the new leader, restart the
 * old one, and check that every server converges to one applied state that
 * holds every acknowledged write.
 */
describe('raft: three real server processes', () => {
  let dir: string;
  let cluster: LocalCluster;
  const acked = new Map<string, string>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-raft-proc-'));
    // A small snapshot interval so the restarted server also exercises snapshot + compaction.
    cluster = await LocalCluster.create({ size: 3, baseDir: dir, snapshotEvery: 50 });
    cluster.start();
  });

  afterAll(async () => {
    await cluster?.stop('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function write(server: LocalServer, from: number, count: number): Promise<void> {
    for (let i = from; i < from + count; i++) {
      const k = `key-${i}`;
      const v = `value-${i}`;
      const res = await server.post('/raft/propose', JSON.stringify({ k, v }));
      expect(res.status, `propose ${k} to ${server.id}: ${JSON.stringify(res.body)}`).toBe(200);
      acked.set(k, v);
    }
  }

  it('elects a leader, survives the SIGKILL of the leader, and converges after its restart', async () => {
    const first = await cluster.waitForLeader();
    await write(first, 0, 120);

    await first.stop('SIGKILL');
    const second = await cluster.waitForLeader(20_000, first.id);
    expect(second.id).not.toBe(first.id);
    const statusAfter = await second.status();
    expect(statusAfter.term).toBeGreaterThan(0);
    await write(second, 120, 80);

    first.start();
    const states = await waitUntil(
      'all three servers to apply the same state',
      async () => {
        const all = await Promise.all(
          cluster.servers.map((s) => s.get('/raft/state') as Promise<StateSummary>),
        );
        const [a] = all;
        if (!a || a.keys !== acked.size) return undefined;
        return all.every((s) => s.digest === a.digest && s.applied === a.applied) ? all : undefined;
      },
      30_000,
    ).catch((e: unknown) => {
      const logs = cluster.servers.map((s) => `--- ${s.id}\n${readFileSync(s.logPath, 'utf8').slice(-3000)}`);
      throw new Error(`${String(e)}\n${logs.join('\n')}`);
    });
    expect(new Set(states.map((s) => s.digest)).size).toBe(1);

    // Every acknowledged write, read back from every server (a linearizable read on the leader too).
    for (const s of cluster.servers) {
      for (const k of ['key-0', 'key-119', 'key-120', 'key-199']) {
        const got = (await s.get(`/raft/state?key=${k}`)) as StateSummary;
        expect(got.value, `${k} on ${s.id}`).toBe(acked.get(k));
      }
    }
    const leader = await cluster.waitForLeader();
    const read = (await leader.get('/raft/state?linearizable&key=key-150')) as StateSummary;
    expect(read.value).toBe('value-150');

    // The restarted server caught up through the log or a snapshot, and its term moved on.
    const restarted = await first.status();
    expect(restarted.term).toBeGreaterThanOrEqual(statusAfter.term);
    expect(restarted.applied).toBe(states[0]?.applied);
  });
});

describe('raft: membership changes across real processes', () => {
  let dir: string;
  let cluster: LocalCluster;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-raft-members-'));
    // Snapshots every 40 entries keeping 10 behind: a joiner 100 entries behind must get a snapshot.
    cluster = await LocalCluster.create({
      size: 3,
      spares: 1,
      baseDir: dir,
      snapshotEvery: 40,
      trailingLogs: 10,
    });
    cluster.start();
  });

  afterAll(async () => {
    await cluster?.stop('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('adds a learner that catches up by snapshot, promotes it, and removes a founder', async () => {
    const leader = await cluster.waitForLeader();
    for (let i = 0; i < 100; i++) {
      const res = await leader.post('/raft/propose', JSON.stringify({ k: `m-${i}`, v: String(i) }));
      expect(res.status).toBe(200);
    }
    const joiner = cluster.server('s4');
    const add = await leader.post(`/raft/members?id=s4&address=127.0.0.1:${joiner.raftPort}`);
    expect(add.status, JSON.stringify(add.body)).toBe(200);
    joiner.start();
    await waitUntil('the learner to apply the leader state', async () => {
      const [a, b] = (await Promise.all([
        leader.get('/raft/state'),
        joiner.get('/raft/state'),
      ])) as StateSummary[];
      return a && b && a.keys === 100 && a.digest === b.digest ? true : undefined;
    });
    const joined = (await joiner.get('/raft/status')) as { firstIndex: number };
    expect(joined.firstIndex, 'the learner log starts after an installed snapshot').toBeGreaterThan(1);
    expect(readFileSync(joiner.logPath, 'utf8')).toContain('installed snapshot from leader');
    const bad = await leader.post('/raft/members/promote?id=s9');
    expect(bad.status).toBe(409);

    const promote = await leader.post('/raft/members/promote?id=s4');
    expect(promote.status, JSON.stringify(promote.body)).toBe(200);
    const victim = cluster.servers.find((s) => s.id !== leader.id && s.id !== 's4');
    if (!victim) throw new Error('no follower to remove');
    const remove = await fetch(`${leader.url}/raft/members?id=${victim.id}`, { method: 'DELETE' });
    expect(remove.status).toBe(200);
    await victim.stop('SIGTERM');

    const status = (await leader.get('/raft/status')) as { conf: { voters: string[]; learners: string[] } };
    expect([...status.conf.voters].sort()).toEqual(
      [leader.id, 's4']
        .concat(
          cluster.servers
            .map((s) => s.id)
            .filter((id) => id !== leader.id && id !== 's4' && id !== victim.id),
        )
        .sort(),
    );
    expect(status.conf.learners).toEqual([]);

    // The promoted member now counts towards the quorum: writes still commit with the removed one gone.
    const res = await leader.post('/raft/propose', JSON.stringify({ k: 'after', v: 'removal' }));
    expect(res.status).toBe(200);
    const seen = (await waitUntil('the new voter to apply the last write', async () => {
      const s = (await joiner.get('/raft/state?key=after')) as StateSummary;
      return s.value === 'removal' ? s : undefined;
    })) as StateSummary;
    expect(seen.keys).toBe(101);
  });
});
