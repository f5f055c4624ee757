/**
 * `cairn kv` and `cairn watch service` as processes over https and wss: a real dev agent behind a
 * TLS front (test/support/tls-proxy.ts), with a CA, server and client certificate made here. The
 * front runs in this process, so the CLI is spawned asynchronously (spawnSync would block it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../cluster/index.js';
import { DevAgent } from '../support/agent.js';
import { Child, distScript } from '../support/processes.js';
import { TlsProxy } from '../support/tls-proxy.js';
import { makePki } from '../tls/support.js';

const CLI = distScript('src/cli/main.js');

let agent: DevAgent;
let open: TlsProxy;
let strict: TlsProxy;
let dir: string;
const file = (name: string) => join(dir, name);
const watchers: Child[] = [];

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `cairn ...args` with only `env` (and PATH) in its environment. */
function cairn(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
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

/** Exactly one line on stderr. */
function oneLine(r: Run): string {
  const lines = r.stderr.split('\n');
  expect(lines, r.stderr).toHaveLength(2);
  expect(lines[1]).toBe('');
  return lines[0] as string;
}

function ok(r: Run): Run {
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r;
}

beforeAll(async () => {
  const pki = await makePki();
  agent = await DevAgent.start();
  const front = {
    target: agent.httpPort,
    cert: pki.server.certPem,
    key: pki.server.keyPem,
    ca: pki.ca.certPem,
  };
  open = await TlsProxy.start({ ...front, requireClientCert: false });
  strict = await TlsProxy.start({ ...front, requireClientCert: true });
  dir = mkdtempSync(join(tmpdir(), 'cairn-cli-https-'));
  writeFileSync(file('ca.pem'), pki.ca.certPem);
  writeFileSync(file('client.pem'), pki.client.certPem);
  writeFileSync(file('client-key.pem'), pki.client.keyPem);
  writeFileSync(file('not-pem.txt'), 'hello\n');
});

afterEach(async () => {
  for (const w of watchers.splice(0)) await w.kill('SIGKILL');
});

afterAll(async () => {
  await open?.stop();
  await strict?.stop();
  await agent?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cairn kv over https', () => {
  it('writes and reads with --http-addr https://... and --ca-file', async () => {
    const tls = ['--http-addr', open.url, '--ca-file', file('ca.pem')];
    expect(ok(await cairn(['kv', 'put', 'https/a', 'over tls', ...tls])).stdout).toBe(
      'Success! Data written to: https/a\n',
    );
    expect(ok(await cairn(['kv', 'get', 'https/a', ...tls])).stdout).toBe('over tls');
    // A TLS flag makes a bare HOST:PORT https.
    expect(
      ok(await cairn(['kv', 'get', 'https/a', '--http-addr', open.hostPort, '--ca-file', file('ca.pem')]))
        .stdout,
    ).toBe('over tls');
  });

  it('presents --client-cert and --client-key to a server that requires them', async () => {
    const r = await cairn([
      'kv',
      '--http-addr',
      strict.url,
      '--ca-file',
      file('ca.pem'),
      '--client-cert',
      file('client.pem'),
      '--client-key',
      file('client-key.pem'),
      'put',
      'https/strict',
      'yes',
    ]);
    ok(r);
    expect(strict.clientNames).toContain('client.dc1.consul');
  });

  it('takes the address and the files from the environment (cairn names, then Consul names)', async () => {
    const env = {
      CONSUL_HTTP_ADDR: strict.hostPort,
      CAIRN_HTTP_SSL: 'true',
      CONSUL_CACERT: file('ca.pem'),
      CAIRN_CLIENT_CERT: file('client.pem'),
      CONSUL_CLIENT_KEY: file('client-key.pem'),
    };
    expect(ok(await cairn(['kv', 'get', 'https/strict'], env)).stdout).toBe('yes');
  });

  it('without the CA: exit 2, one line naming TLS', async () => {
    const r = await cairn(['kv', 'get', 'https/a', '--http-addr', open.url]);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toMatch(new RegExp(`^cairn: cannot reach ${open.hostPort}: TLS: `));
  });

  it('without the client certificate a server requires: exit 2, one line naming TLS', async () => {
    const r = await cairn(['kv', 'get', 'https/a', '--http-addr', strict.url, '--ca-file', file('ca.pem')]);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toBe(`cairn: cannot reach ${strict.hostPort}: TLS: tlsv13 alert certificate required`);
  });

  it('a missing or wrong file: exit 2, one line naming the flag and the file', async () => {
    const missing = file('nope.pem');
    const r1 = await cairn(['kv', 'get', 'k', '--http-addr', open.url, '--ca-file', missing]);
    expect(r1.status).toBe(2);
    expect(oneLine(r1)).toBe(`cairn: kv get: --ca-file: ${missing}: no such file`);
    const r2 = await cairn(['kv', 'get', 'k', '--http-addr', open.url], {
      CAIRN_CACERT: file('not-pem.txt'),
    });
    expect(r2.status).toBe(2);
    expect(oneLine(r2)).toBe(
      `cairn: kv get: CAIRN_CACERT: ${file('not-pem.txt')}: not a PEM CA certificate file (found no PEM data)`,
    );
    const r3 = await cairn(['kv', 'get', 'k', '--client-cert', file('client.pem')]);
    expect(r3.status).toBe(2);
    expect(oneLine(r3)).toBe(
      'cairn: kv get: --client-cert needs --client-key (a certificate and its key go together)',
    );
    const r4 = await cairn([
      'kv',
      'get',
      'k',
      '--http-addr',
      strict.url,
      '--client-cert',
      file('client.pem'),
      '--client-key',
      file('ca.pem'),
    ]);
    expect(r4.status).toBe(2);
    expect(oneLine(r4)).toMatch(
      new RegExp(`^cairn: kv get: --client-key: ${file('ca.pem')}: not a PEM private key file`),
    );
  });
});

describe('watches over wss', () => {
  it('cairn kv watch follows a key over the wss stream', async () => {
    const tls = ['--http-addr', open.url, '--ca-file', file('ca.pem')];
    ok(await cairn(['kv', 'put', 'https/w', 'one', ...tls]));
    const w = new Child(CLI, ['kv', 'watch', 'https/w', ...tls]);
    watchers.push(w);
    await waitUntil('the first value', async () => (w.output === 'one\n' ? true : undefined));
    ok(await cairn(['kv', 'put', 'https/w', 'two', ...tls]));
    await waitUntil('the new value', async () => (w.output === 'one\ntwo\n' ? true : undefined));
    expect(open.firstLines.some((l) => l.startsWith('GET /v1/watch '))).toBe(true);
  });

  it('cairn watch service follows instances over wss with a client certificate', async () => {
    const w = new Child(CLI, [
      'watch',
      'service',
      'https-web',
      '--http-addr',
      strict.url,
      '--ca-file',
      file('ca.pem'),
      '--client-cert',
      file('client.pem'),
      '--client-key',
      file('client-key.pem'),
    ]);
    watchers.push(w);
    await waitUntil('the first list', async () => (w.output.startsWith('0 instance(s)') ? true : undefined));
    await agent.put('/v1/agent/service/register', { Name: 'https-web', ID: 'hw1', Port: 80 });
    await waitUntil('the added instance', async () => (/\n\+ \S+\/hw1 /.test(w.output) ? true : undefined));
    expect(strict.firstLines.filter((l) => l.startsWith('GET /v1/watch ')).length).toBeGreaterThan(0);
  });

  it('cairn kv watch without the CA exits 2 with one line naming TLS', async () => {
    const r = await cairn(['kv', 'watch', 'https/w', '--http-addr', open.url]);
    expect(r.status, r.stderr).toBe(2);
    expect(oneLine(r)).toMatch(new RegExp(`^cairn: cannot reach ${open.hostPort}: TLS: `));
  });
});
