import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CertFiles, TestCa } from '../../support/certs.js';
import { distScript } from '../../support/processes.js';

const KV_LOAD = distScript('scripts/bench/kv-load.js');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

const runLoad = (args: readonly string[]): Promise<Ran> =>
  new Promise((resolve) => {
    execFile(process.execPath, [KV_LOAD, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });

/** A stand-in for cairn's HTTPS API that demands a client certificate and records what it got. */
describe('kv-load over HTTPS with a client certificate (real process, loopback)', () => {
  let dir: string;
  let ca: TestCa;
  let client: CertFiles;
  let server: https.Server;
  let url: string;
  const seen: { method: string; path: string; authorized: boolean }[] = [];
  let tlsSessions = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-kv-load-'));
    ca = TestCa.create('bench', dir);
    const srv = ca.issue('server', ['DNS:localhost', 'IP:127.0.0.1'], 'server');
    client = ca.issue('client', ['DNS:client.dc1.consul'], 'client');
    server = https.createServer(
      {
        key: readFileSync(srv.key),
        cert: readFileSync(srv.cert),
        ca: readFileSync(srv.ca),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        seen.push({
          method: req.method ?? '',
          path: req.url ?? '',
          authorized: (req.socket as TLSSocket).authorized,
        });
        req.resume();
        req.on('end', () => res.end(req.method === 'PUT' ? 'true' : '[]'));
      },
    );
    // A loaded machine may pause the generator: its idle sockets must not be closed meanwhile.
    server.keepAliveTimeout = 120_000;
    server.on('secureConnection', () => {
      tlsSessions++;
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
    rmSync(dir, { recursive: true, force: true });
  });

  it('seeds the read keys, reads only those, over at most one kept-alive connection per client', async () => {
    seen.length = 0;
    tlsSessions = 0;
    const r = await runLoad([
      '--target',
      'kv-get',
      '--urls',
      url,
      '--concurrency',
      '4',
      '--seconds',
      '1',
      '--ca',
      client.ca,
      '--cert',
      client.cert,
      '--key',
      client.key,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as {
      target: string;
      ops: number;
      errors: number;
      p99_ms: number;
    };
    expect(out.target).toBe('kv-get');
    expect(out.errors).toBe(0);
    expect(out.ops).toBeGreaterThan(0);
    expect(seen.every((s) => s.authorized)).toBe(true);
    const puts = seen.filter((s) => s.method === 'PUT').map((s) => s.path);
    expect(puts).toEqual(Array.from({ length: 100 }, (_, k) => `/v1/kv/bench/${k}`));
    const gets = seen.filter((s) => s.method === 'GET');
    expect(gets.length).toBe(out.ops);
    for (const g of gets) expect(g.path).toMatch(/^\/v1\/kv\/bench\/\d{1,2}$/);
    expect(tlsSessions).toBeGreaterThan(0);
    expect(tlsSessions).toBeLessThanOrEqual(4);
  });

  it('with a client certificate of another CA, the server refuses it and the generator exits 2 saying why', async () => {
    seen.length = 0;
    const stranger = TestCa.create('stranger', dir).issue('stranger', ['DNS:client.dc1.consul'], 'client');
    const r = await runLoad([
      '--target',
      'kv-get-stale',
      '--urls',
      url,
      '--seconds',
      '1',
      '--ca',
      client.ca,
      '--cert',
      stranger.cert,
      '--key',
      stranger.key,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`kv-load: seeding /v1/kv/bench/0 on ${url} failed`);
    expect(r.stdout).toBe('');
    expect(seen).toEqual([]);
  });

  it('a bad flag is one line and exit status 2', async () => {
    const r = await runLoad(['--target', 'kv-put', '--urls', url, '--seconds', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('kv-load: --urls: https: needs --ca\n');
  });
});
