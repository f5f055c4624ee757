import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess, agentArgv, freePorts, RegistryCluster, waitUntil } from '../../cluster/index.js';
import { type CertFiles, TestCa } from '../support/certs.js';
import { http } from '../support/http.js';

interface RaftConfiguration {
  Servers: { ID: string }[];
}

const NAMES = ['DNS:server.dc1.consul', 'DNS:localhost', 'IP:127.0.0.1'];
const VERIFY = ['--tls-verify-incoming', '--tls-verify-outgoing', '--tls-verify-server-hostname'];

/** Lines of a server's log that say a configuration reload took effect. */
const reloads = (s: AgentProcess) =>
  readFileSync(s.logPath, 'utf8')
    .split('\n')
    .filter((l) => l.includes('SIGHUP: configuration reloaded')).length;

describe('moving a mutual-TLS cluster from CA A to CA B by SIGHUP, under writes (server processes)', () => {
  let dir: string;
  let caA: TestCa;
  let caB: TestCa;
  let cluster: RegistryCluster;
  let stranger: AgentProcess | null = null;
  const live = (name: string) => ({
    cert: join(dir, 'live', `${name}.pem`),
    key: join(dir, 'live', `${name}-key.pem`),
  });
  const caFile = () => join(dir, 'live', 'ca.pem');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-ca-rotation-'));
    mkdirSync(join(dir, 'live'));
    caA = TestCa.create('a', mkdtempSync(join(dir, 'a-')));
    caB = TestCa.create('b', mkdtempSync(join(dir, 'b-')));
    copyFileSync(caA.certPath, caFile());
    for (const name of ['s1', 's2', 's3']) {
      const onA = caA.issue(name, NAMES, 'server');
      copyFileSync(onA.cert, live(name).cert);
      copyFileSync(onA.key, live(name).key);
    }
    cluster = await RegistryCluster.create({
      size: 3,
      baseDir: dir,
      logLevel: 'info',
      agentArgsFor: (name) => [
        '--tls-cert-file',
        live(name).cert,
        '--tls-key-file',
        live(name).key,
        '--tls-ca-file',
        caFile(),
        ...VERIFY,
      ],
    });
    cluster.start();
    await cluster.waitForLeader(60_000);
  });

  afterAll(async () => {
    await stranger?.stop('SIGKILL');
    await cluster?.stop('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('no write fails, every acknowledged write is read back, and a certificate of A is refused after', async () => {
    const leader = await cluster.waitForLeader(60_000);
    const acknowledged: number[] = [];
    const failures: string[] = [];
    let stop = false;
    const writer = (async () => {
      for (let n = 0; !stop; n++) {
        try {
          const r = await http('PUT', `${leader.url}/v1/kv/rot/${n}`, String(n));
          if (r.status === 200 && r.text.trim() === 'true') acknowledged.push(n);
          else failures.push(`${n}: ${r.status} ${r.text}`);
        } catch (e) {
          failures.push(`${n}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    })();
    /** Waits until the writer has had `count` more writes acknowledged. */
    const more = async (count: number) => {
      const target = acknowledged.length + count;
      await waitUntil(
        `${count} more writes`,
        async () => (acknowledged.length >= target ? true : undefined),
        60_000,
      );
    };
    const hangup = async (servers: readonly AgentProcess[]) => {
      const before = servers.map(reloads);
      for (const s of servers) s.hangup();
      await waitUntil('the reload on each server', async () =>
        servers.every((s, i) => reloads(s) > before[i]!) ? true : undefined,
      );
    };
    try {
      await more(10);
      // Step 1: every server trusts A and B.
      writeFileSync(caFile(), readFileSync(caA.certPath, 'utf8') + readFileSync(caB.certPath, 'utf8'));
      await hangup(cluster.servers);
      await more(10);
      // Step 2: one server after the other presents a certificate of B.
      for (const s of cluster.servers) {
        const onB: CertFiles = caB.issue(s.name, NAMES, 'server');
        copyFileSync(onB.cert, live(s.name).cert);
        copyFileSync(onB.key, live(s.name).key);
        await hangup([s]);
        await more(10);
      }
      // Step 3: B only. Connections opened under A's certificates are closed and made again on B's.
      const logged = cluster.servers.map((s) => readFileSync(s.logPath, 'utf8').length);
      copyFileSync(caB.certPath, caFile());
      await hangup(cluster.servers);
      await more(30);
      const closedOnReload = cluster.servers.filter((s, i) =>
        readFileSync(s.logPath, 'utf8').slice(logged[i]).includes('no longer trusted after a reload'),
      );
      expect(closedOnReload.length).toBeGreaterThan(0);
    } finally {
      stop = true;
      await writer;
    }
    expect(failures).toEqual([]);
    expect(acknowledged.length).toBeGreaterThanOrEqual(70);
    const last = acknowledged[acknowledged.length - 1]!;
    for (const s of cluster.servers) {
      await waitUntil(`rot/${last} on ${s.name}`, async () =>
        (await http('GET', `${s.url}/v1/kv/rot/${last}?raw&stale`)).text === String(last) ? true : undefined,
      );
      const keys = (await http<string[]>('GET', `${s.url}/v1/kv/rot/?keys&stale`)).json;
      const stored = new Set(keys);
      expect(acknowledged.filter((n) => !stored.has(`rot/${n}`))).toEqual([]);
    }
    for (const n of acknowledged.filter((_, i) => i % 7 === 0)) {
      expect((await http('GET', `${leader.url}/v1/kv/rot/${n}?raw`)).text).toBe(String(n));
    }

    // A server that still presents a certificate of A (and trusts both) cannot join, and the
    // server it dials says why.
    const [serverPort, httpPort, dnsPort] = (await freePorts(3)) as [number, number, number];
    const name = 'x-still-on-a';
    const dataDir = join(dir, name);
    mkdirSync(dataDir);
    const onA = caA.issue(name, NAMES, 'server');
    const both = join(dir, 'both.pem');
    writeFileSync(both, readFileSync(caA.certPath, 'utf8') + readFileSync(caB.certPath, 'utf8'));
    const before = readFileSync(leader.logPath, 'utf8').length;
    stranger = new AgentProcess(
      name,
      httpPort,
      serverPort,
      [
        ...agentArgv({ node: name, dataDir, serverPort, httpPort, dnsPort, encrypt: cluster.key! }),
        ...['--tls-cert-file', onA.cert, '--tls-key-file', onA.key, '--tls-ca-file', both, ...VERIFY],
        '--join',
        leader.serverAddress,
      ],
      join(dir, `${name}.log`),
      join(dir, `${name}.pid`),
    );
    stranger.start();
    await waitUntil(
      'the leader logs the refusal',
      async () => {
        const text = readFileSync(leader.logPath, 'utf8').slice(before);
        return /"side":"inbound","reason":"tls"/.test(text) ? true : undefined;
      },
      60_000,
    );
    await stranger.stop('SIGTERM');
    const conf = (await http<RaftConfiguration>('GET', `${leader.url}/v1/operator/raft/configuration`)).json;
    expect(conf.Servers.map((x) => x.ID)).not.toContain(name);
  });
});
