import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess, freePorts, RegistryCluster, waitUntil } from '../../cluster/index.js';
import { http } from '../support/http.js';
import { mulberry32 as rng } from '../support/random.js';

interface KvPair {
  Key: string;
  Value: string | null;
  ModifyIndex: number;
  LockIndex: number;
  Session?: string;
}

interface Version {
  ModifyIndex: number;
  Op: string;
  Value: string | null;
}

const decode = (v: string | null | undefined) => Buffer.from(v ?? '', 'base64').toString();

/**
 * The config center on three real servers: CAS races through different
 * servers, a lock contended by ten clients with sessions, and history that
 * survives a restart and reaches a new server by snapshot install.
 */
describe('KV on a three-server cluster', () => {
  const seed = Number(process.env.CAIRN_TEST_SEED ?? Date.now() % 100_000);
  const random = rng(seed);
  let dir: string;
  let cluster: RegistryCluster;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-kv-cluster-'));
    cluster = await RegistryCluster.create({
      size: 3,
      baseDir: dir,
      logLevel: 'info',
      // Small snapshots so that a new server is caught up by a snapshot install.
      agentArgs: ['--snapshot-every', '100', '--trailing-logs', '10'],
    });
    cluster.start();
    await cluster.waitForLeader(30_000);
  });

  afterAll(async () => {
    await cluster?.stop('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const any = (): AgentProcess => {
    const running = cluster.servers.filter((s) => s.running);
    return running[Math.floor(random() * running.length)] as AgentProcess;
  };

  it('20 clients incrementing one counter with ?cas through different servers: final value = successful CAS answers', async () => {
    await http('PUT', `${cluster.servers[0]?.url}/v1/kv/counter`, '0');
    let acknowledged = 0;
    const deadline = Date.now() + 8000;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (Date.now() < deadline) {
          const s = any();
          const cur = await http<KvPair[]>('GET', `${s.url}/v1/kv/counter`);
          const pair = cur.json[0] as KvPair;
          const next = Number(decode(pair.Value)) + 1;
          const w = await http('PUT', `${any().url}/v1/kv/counter?cas=${pair.ModifyIndex}`, String(next));
          expect(w.status, `seed ${seed}: ${w.text}`).toBe(200);
          if (w.json === true) acknowledged++;
        }
      }),
    );
    expect(acknowledged, `seed ${seed}`).toBeGreaterThan(20);
    for (const s of cluster.servers) {
      const final = await http<KvPair[]>('GET', `${s.url}/v1/kv/counter`);
      expect(Number(decode(final.json[0]?.Value)), `seed ${seed}: value on ${s.name}`).toBe(acknowledged);
    }
  }, 60_000);

  it('10 contenders for a lock: never two holders, LockIndex fences each new holder', async () => {
    let holder: string | null = null;
    const violations: string[] = [];
    const fences: number[] = [];
    const deadline = Date.now() + 8000;
    await Promise.all(
      Array.from({ length: 10 }, async (_, c) => {
        const me = `client-${c}`;
        const server = cluster.servers[c % 3] as AgentProcess;
        const created = await http<{ ID: string }>('PUT', `${server.url}/v1/session/create`, {
          Name: me,
          TTL: '10s',
          LockDelay: '0s',
        });
        expect(created.status, created.text).toBe(200);
        const session = created.json.ID;
        while (Date.now() < deadline) {
          const got = await http('PUT', `${any().url}/v1/kv/locks/leader?acquire=${session}`, me);
          if (got.json !== true) {
            await new Promise((r) => setTimeout(r, 5 + random() * 20));
            continue;
          }
          if (holder !== null) violations.push(`seed ${seed}: ${me} acquired while ${holder} held the lock`);
          holder = me;
          const seen = await http<KvPair[]>('GET', `${any().url}/v1/kv/locks/leader?consistent`);
          const pair = seen.json[0] as KvPair;
          if (pair.Session !== session)
            violations.push(`seed ${seed}: ${me} holds but the key names ${pair.Session}`);
          fences.push(pair.LockIndex);
          await new Promise((r) => setTimeout(r, random() * 20));
          holder = null;
          const rel = await http('PUT', `${any().url}/v1/kv/locks/leader?release=${session}`, me);
          expect(rel.json, `seed ${seed}: release by ${me}`).toBe(true);
        }
        await http('PUT', `${server.url}/v1/session/destroy/${session}`);
      }),
    );
    expect(violations).toEqual([]);
    expect(fences.length).toBeGreaterThan(10);
    for (let i = 1; i < fences.length; i++)
      expect(fences[i], `seed ${seed}: fencing tokens ${fences.join(',')}`).toBeGreaterThan(
        fences[i - 1] as number,
      );
  }, 60_000);

  it('a holder whose session expires loses the lock within TTL x 2 + lock-delay', async () => {
    const s = cluster.servers[1] as AgentProcess;
    const holder = (
      await http<{ ID: string }>('PUT', `${s.url}/v1/session/create`, { TTL: '10s', LockDelay: '1s' })
    ).json.ID;
    const other = (await http<{ ID: string }>('PUT', `${s.url}/v1/session/create`, { LockDelay: '0s' })).json
      .ID;
    expect((await http('PUT', `${s.url}/v1/kv/locks/expiring?acquire=${holder}`, 'a')).json).toBe(true);
    const lastRenewal = Date.now();
    const taken = await waitUntil(
      'the other session to take the lock',
      async () => {
        const r = await http('PUT', `${any().url}/v1/kv/locks/expiring?acquire=${other}`, 'b');
        return r.json === true ? Date.now() : undefined;
      },
      30_000,
    );
    expect(taken - lastRenewal).toBeGreaterThanOrEqual(10_000);
    expect(taken - lastRenewal, 'TTL x 2 + lock-delay, plus a poll and an expiry round').toBeLessThanOrEqual(
      2 * 10_000 + 1000 + 1000,
    );
    const info = await http<unknown[]>('GET', `${s.url}/v1/session/info/${holder}`);
    expect(info.json).toEqual([]);
  }, 40_000);

  it('history survives a restart of every server and reaches a new server by snapshot install', async () => {
    const leader = await cluster.waitForLeader();
    for (let i = 0; i < 5; i++) await http('PUT', `${leader.url}/v1/kv/hist/key`, `version-${i}`);
    // Enough writes for several snapshots and a compacted log.
    for (let i = 0; i < 250; i++) await http('PUT', `${any().url}/v1/kv/filler/${i % 20}`, `f${i}`);
    const before = (await http<Version[]>('GET', `${leader.url}/v1/kv/hist/key?history`)).json;
    expect(before.map((v) => decode(v.Value))).toEqual([
      'version-4',
      'version-3',
      'version-2',
      'version-1',
      'version-0',
    ]);

    await Promise.all(cluster.servers.map((s) => s.stop('SIGKILL')));
    cluster.start();
    const again = await cluster.waitForLeader(30_000);
    const after = await waitUntil('history after restart', async () => {
      const r = await http<Version[]>('GET', `${again.url}/v1/kv/hist/key?history`);
      return r.status === 200 && r.json.length === 5 ? r.json : undefined;
    });
    expect(after).toEqual(before);

    const [serverPort, httpPort, dnsPort] = (await freePorts(3)) as [number, number, number];
    const dataDir = join(dir, 's4');
    mkdirSync(dataDir, { recursive: true });
    const joiner = new AgentProcess(
      's4',
      httpPort,
      serverPort,
      [
        '--node',
        's4',
        '--data-dir',
        dataDir,
        '--server-port',
        String(serverPort),
        '--http-port',
        String(httpPort),
        '--dns-port',
        String(dnsPort),
        '--join',
        again.serverAddress,
      ],
      join(dir, 's4.log'),
      join(dir, 's4.pid'),
    );
    joiner.start();
    try {
      const onJoiner = await waitUntil(
        'history on the new server',
        async () => {
          const r = await http<Version[]>('GET', `${joiner.url}/v1/kv/hist/key?history&stale`);
          return r.status === 200 && r.json.length === 5 ? r.json : undefined;
        },
        30_000,
      );
      expect(onJoiner).toEqual(before);
      expect(readFileSync(join(dir, 's4.log'), 'utf8')).toContain('installed snapshot from leader');
    } finally {
      await joiner.stop('SIGKILL');
    }
  }, 90_000);
});
