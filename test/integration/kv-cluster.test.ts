import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess, agentArgv, freePorts, RegistryCluster, waitUntil } from '../../cluster/index.js';
import { http } from '../support/http.js';
import { mulberry32 as rng } from '../support/random.js';

interface Version {
  ModifyIndex: number;
  Op: string;
  Value: string | null;
}

const decode = (v: string | null | undefined) => Buffer.from(v ?? '', 'base64').toString();

/**
 * The config center on three real servers: history that survives a restart
 * (SIGKILL of every process) and reaches a new server by snapshot install.
 * CAS races, contended locks and session expiry run in process:
 * test/http/routes/kv-cluster.test.ts.
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
        ...agentArgv({ node: 's4', dataDir, serverPort, httpPort, dnsPort, encrypt: cluster.key! }),
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
        60_000,
      ).catch((e: unknown) => {
        // The data directory goes with afterAll: what the new server said is the only clue left.
        const log = readFileSync(join(dir, 's4.log'), 'utf8');
        throw new Error(`${(e as Error).message}\nthe end of s4.log:\n${log.slice(-3000)}`);
      });
      expect(onJoiner).toEqual(before);
      expect(readFileSync(join(dir, 's4.log'), 'utf8')).toContain('installed snapshot from leader');
    } finally {
      await joiner.stop('SIGKILL');
    }
  }, 150_000);
});
