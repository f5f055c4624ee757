import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess, agentArgv, freePorts, RegistryCluster, waitUntil } from '../../cluster/index.js';
import { ClusterKeyring, TcpTransport } from '../../src/raft/index.js';
import { helloFrame, requestFrame } from '../../src/raft/transport/frames.js';
import { decodeResponse, encodeRpc, type Response } from '../../src/server/rpc.js';
import { http } from '../support/http.js';

interface RaftConfiguration {
  Servers: { ID: string; Address: string; Voter: boolean }[];
}

const configuration = async (s: AgentProcess) =>
  (await http<RaftConfiguration>('GET', `${s.url}/v1/operator/raft/configuration`)).json;
const addresses = async (s: AgentProcess) =>
  Object.fromEntries((await configuration(s)).Servers.map((x) => [x.ID, x.Address]));

/** A write through `s` that must be acknowledged. */
async function put(s: AgentProcess, key: string, value: string): Promise<void> {
  const r = await http('PUT', `${s.url}/v1/kv/${key}`, value);
  expect(r.status, `PUT ${key}: ${r.text}`).toBe(200);
}

/** Sends one join request the way a server would, proving `key` (or none), and returns the answer. */
async function joinAs(
  target: string,
  key: string | null,
  name: string,
  serverAddress: string,
): Promise<Response> {
  const t = new TcpTransport({
    id: 'intruder',
    keyring: key === null ? null : ClusterKeyring.fromBase64([key]),
  });
  await t.start({ onMessage: () => {}, onUnreachable: () => {}, onSnapshotStatus: () => {} });
  try {
    t.setPeer('target', target);
    const req = encodeRpc({
      t: 'join',
      server: { name, serverAddress, httpAddress: '127.0.0.1:1', datacenter: 'dc1' },
    });
    return decodeResponse(await t.request('target', req, 15_000));
  } finally {
    await t.close();
  }
}

describe('the cluster port with a cluster key (3 server processes)', () => {
  let dir: string;
  let cluster: RegistryCluster;
  let stranger: AgentProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-key-'));
    cluster = await RegistryCluster.create({ size: 3, baseDir: dir, logLevel: 'info' });
    cluster.start();
    await cluster.waitForLeader(60_000);
  });

  afterAll(async () => {
    await stranger?.stop('SIGKILL');
    await cluster?.stop('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('forms, replicates and keeps its members where they are against the hello-and-join hijack', async () => {
    const leader = await cluster.waitForLeader();
    expect(cluster.key).not.toBeNull();
    await put(leader, 'before', 'x');
    const before = await addresses(leader);
    const followers = cluster.servers.filter((s) => s !== leader);

    // Without the key: the plain hello and a join asking to move a voter are dropped unanswered.
    for (const f of followers) {
      const victim = followers.find((x) => x !== f)!;
      const sock = connect({ host: '127.0.0.1', port: f.serverPort });
      const got: Buffer[] = [];
      sock.on('data', (c: Buffer) => got.push(c));
      sock.on('error', () => {});
      const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
      const req = encodeRpc({
        t: 'join',
        server: {
          name: victim.name,
          serverAddress: '127.0.0.1:9',
          httpAddress: '127.0.0.1:1',
          datacenter: 'dc1',
        },
      });
      for (const part of [...helloFrame(victim.name, 'control'), ...requestFrame(1, req)]) sock.write(part);
      await closed;
      expect(Buffer.concat(got).length).toBe(0);
      await expect(joinAs(f.serverAddress, null, 'evil', '127.0.0.1:9')).rejects.toThrow();
    }

    // With the key: a join may not move an existing voter, through a follower or the leader.
    for (const target of [followers[0]!, leader]) {
      const victim = followers[1]!;
      const answer = await joinAs(target.serverAddress, cluster.key, victim.name, '127.0.0.1:9');
      expect(answer.ok).toBe(false);
      expect(answer.ok ? '' : answer.message).toContain(`server "${victim.name}" is already a member at`);
    }

    expect(await addresses(leader)).toEqual(before);
    for (let i = 0; i < 20; i++) await put(leader, `after-${i}`, String(i));
    for (const s of cluster.servers) {
      await waitUntil(`after-19 on ${s.name}`, async () =>
        (await http('GET', `${s.url}/v1/kv/after-19?raw&stale`)).text === '19' ? true : undefined,
      );
    }
    const metrics = (await http('GET', `${followers[0]!.url}/v1/agent/metrics?format=prometheus`)).text;
    expect(metrics).toMatch(
      /cairn_cluster_handshake_failures_total\{side="inbound",reason="keyRequired"\} [1-9]/,
    );
  });

  it('a server with another key cannot join, and both sides log why', async () => {
    const leader = await cluster.waitForLeader();
    const [serverPort, httpPort, dnsPort] = (await freePorts(3)) as [number, number, number];
    const dataDir = join(dir, 'x1');
    mkdirSync(dataDir, { recursive: true });
    const target = cluster.servers[0]!;
    stranger = new AgentProcess(
      'x1',
      httpPort,
      serverPort,
      [
        ...agentArgv({
          node: 'x1',
          dataDir,
          serverPort,
          httpPort,
          dnsPort,
          encrypt: randomBytes(32).toString('base64'),
        }),
        '--join',
        target.serverAddress,
      ],
      join(dir, 'x1.log'),
      join(dir, 'x1.pid'),
    );
    stranger.start();
    await waitUntil(
      'both logs to say why',
      async () =>
        readFileSync(join(dir, 'x1.log'), 'utf8').includes('closedByPeer') &&
        readFileSync(join(dir, `${target.name}.log`), 'utf8').includes('"reason":"unknownKey"')
          ? true
          : undefined,
      60_000,
    );
    expect((await configuration(leader)).Servers.map((s) => s.ID)).not.toContain('x1');
    await stranger.stop('SIGTERM');
  });
});

describe('cluster key rotation by SIGHUP (3 server processes)', () => {
  let dir: string;
  let cluster: RegistryCluster;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-rotate-'));
  });

  afterAll(async () => {
    await cluster?.stop('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('install, use, remove: no write fails, and a restarted server joins with the new key only', async () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    const config = join(dir, 'keys.json');
    const keys = (k: string[]) => writeFileSync(config, JSON.stringify({ encrypt: k }));
    keys([oldKey]);
    cluster = await RegistryCluster.create({
      size: 3,
      baseDir: dir,
      logLevel: 'info',
      encrypt: null,
      agentArgs: ['--config-file', config],
    });
    cluster.start();
    let leader = await cluster.waitForLeader(60_000);

    let n = 0;
    const writeSome = async (count: number) => {
      for (let i = 0; i < count; i++) await put(leader, `k${n}`, String(n++));
    };
    const hangupAll = async (k: string[]) => {
      keys(k);
      for (const s of cluster.servers) s.hangup();
      await waitUntil('every server reloaded', async () =>
        cluster.servers.every(
          (s) =>
            (readFileSync(s.logPath, 'utf8').match(/SIGHUP: configuration reloaded/g)?.length ?? 0) >= steps,
        )
          ? true
          : undefined,
      );
    };
    let steps = 0;
    await writeSome(10);
    steps = 1;
    await hangupAll([oldKey, newKey]); // install
    await writeSome(10);
    steps = 2;
    await hangupAll([newKey, oldKey]); // use
    await writeSome(10);
    steps = 3;
    await hangupAll([newKey]); // remove
    await writeSome(10);

    // A restarted follower reconnects, every connection now proving the new key.
    const follower = cluster.servers.find((s) => s !== leader)!;
    await follower.stop('SIGTERM');
    await writeSome(10);
    follower.start();
    leader = await cluster.waitForLeader(60_000);
    await writeSome(10);
    await waitUntil(
      `k${n - 1} on the restarted follower`,
      async () =>
        (await http('GET', `${follower.url}/v1/kv/k${n - 1}?raw&stale`)).status === 200 ? true : undefined,
      60_000,
    );
    for (let i = 0; i < n; i++) {
      const r = await http('GET', `${follower.url}/v1/kv/k${i}?raw&stale`);
      expect(r.text).toBe(String(i));
    }
  });
});
