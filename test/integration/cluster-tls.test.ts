import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess, agentArgv, freePorts, RegistryCluster, waitUntil } from '../../cluster/index.js';
import { type CertFiles, TestCa } from '../support/certs.js';
import { http } from '../support/http.js';

interface RaftConfiguration {
  Servers: { ID: string; Address: string; Voter: boolean }[];
}

const tlsArgs = (f: CertFiles) => [
  '--tls-cert-file',
  f.cert,
  '--tls-key-file',
  f.key,
  '--tls-ca-file',
  f.ca,
  '--tls-verify-incoming',
  '--tls-verify-outgoing',
  '--tls-verify-server-hostname',
];

describe('three servers with the cluster key and mutual TLS (server processes)', () => {
  let dir: string;
  let ca: TestCa;
  let other: TestCa;
  let cluster: RegistryCluster;
  const strangers: AgentProcess[] = [];
  /** The leader the first test kills: the others may name it for a moment after. */
  let killed: string | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-mtls-'));
    ca = TestCa.create('cairn', join(dir));
    other = TestCa.create('other', mkdtempSync(join(tmpdir(), 'cairn-other-ca-')));
    const server = ca.issue('server', ['DNS:server.dc1.consul', 'DNS:localhost', 'IP:127.0.0.1'], 'server');
    cluster = await RegistryCluster.create({
      size: 3,
      baseDir: dir,
      logLevel: 'info',
      agentArgs: tlsArgs(server),
    });
    cluster.start();
    await cluster.waitForLeader(60_000);
  });

  afterAll(async () => {
    for (const s of strangers) await s.stop('SIGKILL');
    await cluster?.stop('SIGKILL');
    for (const d of [dir, other?.dir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('forms, replicates, and survives a leader kill', async () => {
    let leader = await cluster.waitForLeader();
    for (let i = 0; i < 10; i++)
      expect((await http('PUT', `${leader.url}/v1/kv/k${i}`, String(i))).status).toBe(200);
    await leader.stop('SIGKILL');
    killed = leader.name;
    leader = await cluster.waitForLeader(60_000, killed);
    for (let i = 10; i < 20; i++)
      expect((await http('PUT', `${leader.url}/v1/kv/k${i}`, String(i))).status).toBe(200);
    for (const s of cluster.servers.filter((x) => x.running)) {
      await waitUntil(`k19 on ${s.name}`, async () =>
        (await http('GET', `${s.url}/v1/kv/k19?raw&stale`)).text === '19' ? true : undefined,
      );
      for (let i = 0; i < 20; i++)
        expect((await http('GET', `${s.url}/v1/kv/k${i}?raw&stale`)).text).toBe(String(i));
    }
    // The server port saw every connection as TLS: none was refused as plain.
    const metrics = (await http('GET', `${leader.url}/v1/agent/metrics?format=prometheus`)).text;
    expect(metrics).not.toMatch(
      /cairn_cluster_handshake_failures_total\{side="inbound",reason="tlsRequired"\} [1-9]/,
    );
  });

  it('a server with a certificate of another CA, or with a client certificate, cannot join; both sides say why', async () => {
    const leader = await cluster.waitForLeader(60_000, killed);
    const target = leader;
    const cases: [string, CertFiles, RegExp][] = [
      [
        'x-other-ca',
        { ...other.issue('xo', ['DNS:server.dc1.consul', 'IP:127.0.0.1'], 'server'), ca: ca.certPath },
        /"reason":"tls"/,
      ],
      ['x-client', ca.issue('xc', ['DNS:client.dc1.consul'], 'client'), /"reason":"notAServer"/],
    ];
    for (const [name, files, serverSays] of cases) {
      const [serverPort, httpPort, dnsPort] = (await freePorts(3)) as [number, number, number];
      const dataDir = join(dir, name);
      mkdirSync(dataDir, { recursive: true });
      const before = readFileSync(target.logPath, 'utf8').length;
      const s = new AgentProcess(
        name,
        httpPort,
        serverPort,
        [
          ...agentArgv({ node: name, dataDir, serverPort, httpPort, dnsPort, encrypt: cluster.key! }),
          ...tlsArgs(files),
          '--join',
          target.serverAddress,
        ],
        join(dir, `${name}.log`),
        join(dir, `${name}.pid`),
      );
      strangers.push(s);
      s.start();
      await waitUntil(
        `${name}: both logs say why`,
        async () =>
          serverSays.test(readFileSync(target.logPath, 'utf8').slice(before)) &&
          /cluster connection dropped/.test(readFileSync(join(dir, `${name}.log`), 'utf8'))
            ? true
            : undefined,
        60_000,
      );
      await s.stop('SIGTERM');
      const conf = (await http<RaftConfiguration>('GET', `${leader.url}/v1/operator/raft/configuration`))
        .json;
      expect(conf.Servers.map((x) => x.ID)).not.toContain(name);
    }
  });

  it('certificates rotated by SIGHUP under writes: no write fails, and a restarted server rejoins on the new ones', async () => {
    // The server the first test killed comes back, so that one more can be stopped below.
    for (const s of cluster.servers) if (!s.running) s.start();
    let leader = await cluster.waitForLeader(60_000, killed);
    for (const s of cluster.servers) {
      await waitUntil(
        `k19 on ${s.name}`,
        async () =>
          (await http('GET', `${s.url}/v1/kv/k19?raw&stale`).catch(() => null))?.text === '19'
            ? true
            : undefined,
        60_000,
      );
    }
    // New leaf certificates of the same CA, written over the files every server was started with.
    const fresh = ca.issue(
      'server-next',
      ['DNS:server.dc1.consul', 'DNS:localhost', 'IP:127.0.0.1'],
      'server',
    );
    const original = { cert: join(dir, 'server.pem'), key: join(dir, 'server-key.pem') };
    const serial = (file: string) => new X509Certificate(readFileSync(file)).serialNumber;
    const oldSerial = serial(original.cert);
    let n = 0;
    const writes = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const r = await http('PUT', `${leader.url}/v1/kv/rot/${n}`, String(n));
        expect(r.status, r.text).toBe(200);
        n++;
      }
    };
    await writes(10);
    copyFileSync(fresh.cert, original.cert);
    copyFileSync(fresh.key, original.key);
    const running = cluster.servers.filter((s) => s.running);
    for (const s of running) s.hangup();
    await waitUntil('every running server reloaded', async () =>
      running.every((s) => /SIGHUP: configuration reloaded/.test(readFileSync(s.logPath, 'utf8')))
        ? true
        : undefined,
    );
    await writes(10);
    // A follower restarted now dials and is dialled only with the new certificate.
    const follower = running.find((s) => s !== leader)!;
    await follower.stop('SIGTERM');
    await writes(10);
    follower.start();
    leader = await cluster.waitForLeader(60_000, killed);
    await writes(10);
    await waitUntil(
      `rot/${n - 1} on the restarted follower`,
      async () =>
        (await http('GET', `${follower.url}/v1/kv/rot/${n - 1}?raw&stale`)).text === String(n - 1)
          ? true
          : undefined,
      60_000,
    );
    expect(serial(original.cert)).not.toBe(oldSerial);
  });
});
