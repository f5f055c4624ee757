import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { promisify } from 'node:util';
import Consul from 'consul';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freePorts } from '../../cluster/index.js';
import { type Agent, startAgent } from '../../src/agent/index.js';
import { parseAgentArgs } from '../../src/cli/agent-args.js';
import { type CertFiles, TestCa } from '../support/certs.js';

const run = promisify(execFile);

/** curl's exit status and output; a refusal is a non-zero status, not a thrown error. */
async function curl(args: readonly string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run('curl', ['-sS', '--max-time', '20', ...args]);
    return { code: 0, out: stdout };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof err.code === 'number' ? err.code : 1,
      out: `${err.stdout ?? ''}${err.stderr ?? ''}`,
    };
  }
}

describe('an agent serving the API over HTTPS only, requiring client certificates', () => {
  let ca: TestCa;
  let other: TestCa;
  let server: CertFiles;
  let client: CertFiles;
  let agent: Agent;
  let httpsPort: number;
  let httpPort: number;
  let argv: string[];

  beforeAll(async () => {
    ca = TestCa.create('cairn');
    other = TestCa.create('other');
    server = ca.issue('server', ['DNS:server.dc1.consul', 'DNS:localhost', 'IP:127.0.0.1'], 'server');
    client = ca.issue('client', ['DNS:client.dc1.consul'], 'client');
    const ports = (await freePorts(4)) as [number, number, number, number];
    [httpsPort, httpPort] = ports;
    argv = [
      '--dev',
      '--http-port',
      '-1',
      '--https-port',
      String(ports[0]),
      '--dns-port',
      String(ports[2]),
      '--server-port',
      String(ports[3]),
      '--tls-cert-file',
      server.cert,
      '--tls-key-file',
      server.key,
      '--tls-ca-file',
      server.ca,
      '--tls-verify-incoming',
      '--log-level',
      'silent',
    ];
    agent = await startAgent(parseAgentArgs(argv), pino({ level: 'silent' }));
  });

  afterAll(async () => {
    await agent?.stop();
    for (const c of [ca, other]) if (c) rmSync(c.dir, { recursive: true, force: true });
  });

  const url = (path: string) => `https://127.0.0.1:${httpsPort}${path}`;

  it('answers curl with the CA and a client certificate, and refuses curl without one', async () => {
    expect(agent.listeners.map((l) => l.name)).toEqual(['https', 'dns']);
    const ok = await curl([
      '--cacert',
      ca.certPath,
      '--cert',
      client.cert,
      '--key',
      client.key,
      url('/v1/status/leader'),
    ]);
    expect(ok.code, ok.out).toBe(0);
    expect(typeof JSON.parse(ok.out)).toBe('string');
    const noCert = await curl(['--cacert', ca.certPath, url('/v1/status/leader')]);
    expect(noCert.code).not.toBe(0);
    const wrongCa = await curl([
      '--cacert',
      other.certPath,
      '--cert',
      client.cert,
      '--key',
      client.key,
      url('/v1/status/leader'),
    ]);
    expect(wrongCa.code).not.toBe(0);
    // The plain HTTP port is off.
    const plain = await curl([`http://127.0.0.1:${httpPort}/v1/status/leader`]);
    expect(plain.code).not.toBe(0);
  });

  it('shows openssl s_client its chain', async () => {
    const { stdout } = await run(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${httpsPort}`,
        '-CAfile',
        ca.certPath,
        '-cert',
        client.cert,
        '-key',
        client.key,
      ],
      { timeout: 20_000, input: '' } as never,
    ).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
    expect(stdout).toContain('Verify return code: 0 (ok)');
    expect(stdout).toMatch(/subject=.*server\.dc1\.consul/);
  });

  it('serves the npm consul client (https with a CA and a client certificate) and a wss watch', async () => {
    const tlsAgent = new HttpsAgent({
      ca: readFileSync(ca.certPath),
      cert: readFileSync(client.cert),
      key: readFileSync(client.key),
    });
    const consul = new Consul({ host: '127.0.0.1', port: httpsPort, secure: true, agent: tlsAgent });
    await consul.kv.set('tls/hello', 'world');
    const got = (await consul.kv.get('tls/hello')) as { Value: string };
    expect(got.Value).toBe('world');

    const ws = new WebSocket(`wss://127.0.0.1:${httpsPort}/v1/watch`, {
      ca: readFileSync(ca.certPath),
      cert: readFileSync(client.cert),
      key: readFileSync(client.key),
    });
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () =>
        ws.send(JSON.stringify({ op: 'subscribe', id: 'w1', kind: 'kv', key: 'tls/', recurse: true })),
      );
      ws.once('message', (m) => resolve(String(m)));
    });
    ws.close();
    expect(first).toContain('tls/hello');
    tlsAgent.destroy();
  });

  it('a reload with certificates of another CA applies to new connections', async () => {
    const next = other.issue('server2', ['DNS:server.dc1.consul', 'IP:127.0.0.1'], 'server');
    const nextClient = other.issue('client2', ['DNS:client.dc1.consul'], 'client');
    const swapped = argv.map((a) =>
      a === server.cert ? next.cert : a === server.key ? next.key : a === server.ca ? next.ca : a,
    );
    await agent.reload(parseAgentArgs(swapped));
    const newChain = await curl([
      '--cacert',
      other.certPath,
      '--cert',
      nextClient.cert,
      '--key',
      nextClient.key,
      url('/v1/status/leader'),
    ]);
    expect(newChain.code, newChain.out).toBe(0);
    const oldChain = await curl([
      '--cacert',
      ca.certPath,
      '--cert',
      client.cert,
      '--key',
      client.key,
      url('/v1/status/leader'),
    ]);
    expect(oldChain.code).not.toBe(0);
    // A wrong file is refused and the running certificates stay.
    await expect(
      agent.reload(parseAgentArgs(argv.map((a) => (a === server.key ? next.cert : a)))),
    ).rejects.toThrow(/key/);
    const still = await curl([
      '--cacert',
      other.certPath,
      '--cert',
      nextClient.cert,
      '--key',
      nextClient.key,
      url('/v1/status/leader'),
    ]);
    expect(still.code, still.out).toBe(0);
  });
});
