/**
 * The SDK and the CLI against a real `cairn agent --dev --https-port ... --tls-verify-incoming`:
 * registering, resolving, config and watches over https and wss with a client certificate, and
 * a clean TLS failure without one. The certificates are made here with src/tls.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts, waitUntil } from '../../cluster/index.js';
import { type CairnClient, createClient, NoServerError } from '../../src/client/index.js';
import { DevAgent } from '../support/agent.js';
import { Child, distScript } from '../support/processes.js';
import { mulberry32 } from '../support/random.js';
import { makePki, type Pki } from '../tls/support.js';

const CLI = distScript('src/cli/main.js');

let pki: Pki;
let agent: DevAgent;
let httpsUrl: string;
let dir: string;
const file = (name: string) => join(dir, name);
const clients: CairnClient[] = [];
const children: Child[] = [];

beforeAll(async () => {
  pki = await makePki();
  dir = mkdtempSync(join(tmpdir(), 'cairn-clients-https-'));
  writeFileSync(file('ca.pem'), pki.ca.certPem);
  writeFileSync(file('server.pem'), pki.server.certPem);
  writeFileSync(file('server-key.pem'), pki.server.keyPem);
  writeFileSync(file('client.pem'), pki.client.certPem);
  writeFileSync(file('client-key.pem'), pki.client.keyPem);
  const [httpsPort] = (await freePorts(1)) as [number];
  httpsUrl = `https://127.0.0.1:${httpsPort}`;
  agent = await DevAgent.start([
    '--https-port',
    String(httpsPort),
    '--tls-cert-file',
    file('server.pem'),
    '--tls-key-file',
    file('server-key.pem'),
    '--tls-ca-file',
    file('ca.pem'),
    '--tls-verify-incoming',
  ]);
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  for (const c of children) await c.kill('SIGKILL');
  await agent?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function cairn(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    p.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('clients of an agent serving https with --tls-verify-incoming', () => {
  it('the SDK registers, resolves, writes and watches over https and wss with its certificate', async () => {
    const c = createClient({
      servers: [httpsUrl],
      tls: { ca: pki.ca.certPem, cert: pki.client.certPem, key: pki.client.keyPem },
      watch: { transport: 'websocket' },
      random: mulberry32(11),
      env: {},
    });
    clients.push(c);
    const reg = await c.register({
      name: 'e2e-tls',
      address: '127.0.0.1',
      port: 9,
      ttl: '10s',
      deregisterOnExit: false,
    });
    const svc = c.resolve('e2e-tls');
    await svc.ready;
    expect(svc.endpoints().map((e) => e.serviceId)).toEqual([reg.id]);
    const seen: (string | undefined)[] = [];
    const w = c.config.watch('e2e/tls', (u) => seen.push(u.value));
    await w.ready;
    expect(await c.config.set('e2e/tls', 'v1')).toBe(true);
    await waitUntil('the watch to see v1', async () => (seen.includes('v1') ? true : undefined));
    expect(c.status().watch).toMatchObject({ state: 'open', connectedTo: httpsUrl });
    await reg.close();
    await waitUntil('the instance to go', async () => (svc.endpoints().length === 0 ? true : undefined));
  });

  it('the SDK without a client certificate fails at once, naming TLS', async () => {
    const c = createClient({
      servers: [httpsUrl],
      tls: { ca: pki.ca.certPem },
      requestTimeoutMs: 600_000,
      env: {},
    });
    clients.push(c);
    const e = await c.config.get('e2e/tls').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NoServerError);
    expect((e as Error).message).toMatch(/TLS: /);
  });

  it('cairn kv and cairn kv watch work with --ca-file, --client-cert and --client-key', async () => {
    const tls = [
      '--http-addr',
      httpsUrl,
      '--ca-file',
      file('ca.pem'),
      '--client-cert',
      file('client.pem'),
      '--client-key',
      file('client-key.pem'),
    ];
    expect(await cairn(['kv', 'put', 'e2e/cli', 'one', ...tls])).toMatchObject({ status: 0, stderr: '' });
    expect(await cairn(['kv', 'get', 'e2e/cli', ...tls])).toEqual({ status: 0, stdout: 'one', stderr: '' });
    const w = new Child(CLI, ['kv', 'watch', 'e2e/cli', ...tls]);
    children.push(w);
    await waitUntil('the first value', async () => (w.output === 'one\n' ? true : undefined));
    expect(await cairn(['kv', 'put', 'e2e/cli', 'two', ...tls])).toMatchObject({ status: 0 });
    await waitUntil('the new value', async () => (w.output === 'one\ntwo\n' ? true : undefined));
  });

  it('cairn kv without the client certificate: exit 2, one line naming TLS', async () => {
    const r = await cairn(['kv', 'get', 'e2e/cli', '--http-addr', httpsUrl, '--ca-file', file('ca.pem')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^cairn: cannot reach 127\.0\.0\.1:\d+: TLS: [^\n]+\n$/);
  });
});
