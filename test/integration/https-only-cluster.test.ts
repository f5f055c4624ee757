/**
 * Three `cairn agent` processes with plain HTTP off (`--http-port -1`), HTTPS and mutual TLS: the
 * members list names every server's https address, and an SDK client given one follower's https
 * address follows the leader hint to the leader's https address, also after the leader changes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, RegistryCluster, waitUntil } from '../../cluster/index.js';
import { type CairnClient, createClient } from '../../src/client/index.js';
import { TestCa } from '../support/certs.js';
import { mulberry32 } from '../support/random.js';

interface MemberJson {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
}

describe('an https-only 3-server cluster and the SDK (server processes)', () => {
  let dir: string;
  let cluster: RegistryCluster;
  let tls: { ca: string; cert: string; key: string };
  const clients: CairnClient[] = [];

  /** One GET over https with the client certificate; the body parsed as JSON. */
  const get = <T>(s: AgentProcess, path: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const req = request(`${s.httpsUrl}${path}`, { ...tls, timeout: 5000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => {
          try {
            resolve(JSON.parse(body) as T);
          } catch (e) {
            reject(e);
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end();
    });

  /** The server every running server names as leader, asked over https. */
  const leader = (not?: AgentProcess) =>
    waitUntil(
      'a leader all running servers agree on',
      async () => {
        const running = cluster.servers.filter((s) => s.running);
        const named = await Promise.all(
          running.map((s) => get<string>(s, '/v1/status/leader').catch(() => '')),
        );
        const first = named[0];
        if (!first || !named.every((n) => n === first)) return undefined;
        const lead = cluster.servers.find((s) => s.serverAddress === first);
        return lead !== undefined && lead !== not ? lead : undefined;
      },
      60_000,
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-https-only-'));
    const ca = TestCa.create('cairn', dir);
    const server = ca.issue('server', ['DNS:server.dc1.consul', 'DNS:localhost', 'IP:127.0.0.1'], 'server');
    const client = ca.issue('client', ['DNS:client.dc1.consul'], 'client');
    tls = {
      ca: readFileSync(ca.certPath, 'utf8'),
      cert: readFileSync(client.cert, 'utf8'),
      key: readFileSync(client.key, 'utf8'),
    };
    cluster = await RegistryCluster.create({
      size: 3,
      baseDir: dir,
      https: true,
      agentArgs: [
        '--http-port',
        '-1',
        '--tls-cert-file',
        server.cert,
        '--tls-key-file',
        server.key,
        '--tls-ca-file',
        server.ca,
        '--tls-verify-incoming',
        '--tls-verify-outgoing',
        '--tls-verify-server-hostname',
      ],
    });
    cluster.start();
    await leader();
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await cluster?.stop('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every server lists every server with its https address and no plain one', async () => {
    const expected = Object.fromEntries(
      cluster.servers.map((s) => [s.name, { http: '', https: `127.0.0.1:${s.httpsPort}` }]),
    );
    for (const s of cluster.servers) {
      await waitUntil(
        `${s.name} lists three https addresses`,
        async () => {
          const members = await get<MemberJson[]>(s, '/v1/agent/members');
          const seen = Object.fromEntries(
            members.map((m) => [m.Name, { http: m.Tags.http, https: m.Tags.https }]),
          );
          return JSON.stringify(seen) === JSON.stringify(expected) ? true : undefined;
        },
        30_000,
      );
    }
  });

  it('the SDK, given one follower, follows the hint to the leader over https, and to the next one', async () => {
    let lead = await leader();
    const follower = cluster.servers.find((s) => s !== lead)!;
    const c = createClient({ servers: [follower.httpsUrl!], tls, random: mulberry32(5), env: {} });
    clients.push(c);
    expect(c.status().servers.map((s) => s.url)).toEqual([follower.httpsUrl]);
    let n = 0;
    const writeUntilLeaderIs = async (target: AgentProcess) =>
      waitUntil(
        `the client's leader to be ${target.name}`,
        async () => {
          expect(await c.config.set(`hint/${n}`, String(n))).toBe(true);
          n++;
          return c.status().leader === target.httpsUrl ? true : undefined;
        },
        60_000,
      );
    await writeUntilLeaderIs(lead);
    expect(c.status().servers.map((s) => s.url)).toContain(lead.httpsUrl);
    expect(c.status().servers.every((s) => s.url.startsWith('https://'))).toBe(true);

    // The leader goes; the hint moves to the new one (over https too).
    await lead.stop('SIGKILL');
    const old = lead;
    lead = await leader(old);
    await writeUntilLeaderIs(lead);
    expect(c.status().servers.every((s) => s.url.startsWith('https://'))).toBe(true);
    expect(await c.config.get(`hint/${n - 1}`)).toBe(String(n - 1));
  });
});
