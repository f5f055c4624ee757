/**
 * The SDK over HTTPS and WSS: a real dev agent behind a TLS front (test/support/tls-proxy.ts) with
 * a CA, server and client certificate made here. Registering, resolving and watching work with
 * the CA; without it, or without the client certificate a server requires, requests fail at once
 * with an error that names TLS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../cluster/index.js';
import {
  type CairnClient,
  type ClientOptions,
  createClient,
  InvalidArgumentError,
  NoServerError,
} from '../../src/client/index.js';
import { DevAgent } from '../support/agent.js';
import { TlsProxy } from '../support/tls-proxy.js';
import { makePki, type Pki } from '../tls/support.js';
import { rng } from './support.js';

let pki: Pki;
let agent: DevAgent;
let open: TlsProxy;
let strict: TlsProxy;
let dir: string;
const clients: CairnClient[] = [];

function client(o: ClientOptions): CairnClient {
  const c = createClient({ random: rng(7), env: {}, ...o });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  pki = await makePki();
  agent = await DevAgent.start();
  const front = {
    target: agent.httpPort,
    cert: pki.server.certPem,
    key: pki.server.keyPem,
    ca: pki.ca.certPem,
  };
  open = await TlsProxy.start({ ...front, requireClientCert: false });
  strict = await TlsProxy.start({ ...front, requireClientCert: true });
  dir = mkdtempSync(join(tmpdir(), 'cairn-client-tls-'));
  writeFileSync(join(dir, 'ca.pem'), pki.ca.certPem);
  writeFileSync(join(dir, 'client.pem'), pki.client.certPem);
  writeFileSync(join(dir, 'client-key.pem'), pki.client.keyPem);
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await open?.stop();
  await strict?.stop();
  await agent?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the SDK over https', () => {
  it('registers, resolves and reads config with the CA, and watches over wss', async () => {
    const c = client({ servers: [open.url], tls: { ca: pki.ca.certPem }, watch: { transport: 'websocket' } });
    const reg = await c.register({
      name: 'tls-web',
      address: '127.0.0.1',
      port: 8080,
      ttl: '10s',
      deregisterOnExit: false,
    });
    const web = c.resolve('tls-web');
    await web.ready;
    expect(web.endpoints().map((e) => e.serviceId)).toEqual([reg.id]);

    const seen: (string | undefined)[] = [];
    const w = c.config.watch('tls/greeting', (u) => seen.push(u.value));
    await w.ready;
    expect(await c.config.set('tls/greeting', 'hello over tls')).toBe(true);
    await waitUntil('the watch to see the write', async () =>
      seen.includes('hello over tls') ? true : undefined,
    );
    expect(await c.config.get('tls/greeting')).toBe('hello over tls');
    const status = c.status();
    expect(status.watch.state).toBe('open');
    expect(status.watch.connectedTo).toBe(open.url);
    expect(open.firstLines.some((l) => l.startsWith('GET /v1/watch '))).toBe(true);
  });

  it('makes a bare host:port https when tls is given', async () => {
    const c = client({ servers: open.hostPort, tls: { ca: Buffer.from(pki.ca.certPem) } });
    expect(c.status().preferred).toBe(open.url);
    expect(await c.config.set('tls/bare', 'yes')).toBe(true);
  });

  it('fails at once, naming TLS, when the server certificate is not trusted', async () => {
    // A long deadline: giving up must come from the failed handshakes, not from running out of time.
    const c = client({ servers: [open.url], requestTimeoutMs: 600_000 });
    const e = await c.config.get('tls/greeting').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NoServerError);
    expect((e as Error).message).toMatch(/TLS/);
    expect((e as NoServerError).attempts[0]?.error).toMatch(/^TLS: /);
  });

  it('fails naming TLS when https is spoken to a plain HTTP port', async () => {
    const c = client({
      servers: [`127.0.0.1:${agent.httpPort}`],
      tls: { ca: pki.ca.certPem },
      requestTimeoutMs: 600_000,
    });
    const e = await c.config.get('tls/greeting').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NoServerError);
    expect((e as Error).message).toMatch(/TLS/);
  });

  it('presents its client certificate to a server that requires one', async () => {
    const c = client({
      servers: [strict.url],
      tls: { ca: pki.ca.certPem, cert: pki.client.certPem, key: pki.client.keyPem },
      watch: { transport: 'websocket' },
    });
    expect(await c.config.set('tls/strict', 'ok')).toBe(true);
    const w = c.config.watch('tls/strict', () => {});
    await w.ready;
    expect(w.value).toBe('ok');
    expect(c.status().watch.state).toBe('open');
    expect(strict.clientNames).toContain('client.dc1.consul');
  });

  it('is refused, naming TLS, without the client certificate a server requires', async () => {
    const c = client({ servers: [strict.url], tls: { ca: pki.ca.certPem }, requestTimeoutMs: 600_000 });
    const e = await c.config.get('tls/strict').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NoServerError);
    expect((e as Error).message).toMatch(/TLS: .*certificate required/);

    const ws = client({
      servers: [strict.url],
      tls: { ca: pki.ca.certPem },
      watch: { transport: 'websocket' },
    });
    ws.config.watch('tls/strict', () => {});
    const why = await waitUntil(
      'the watch socket to fail',
      async () => ws.status().watch.lastError || undefined,
    );
    expect(why).toMatch(/TLS/);
    expect(ws.status().watch.state).not.toBe('open');
  });

  it('takes the servers and the files from the environment', async () => {
    const c = client({
      env: {
        CONSUL_HTTP_ADDR: strict.hostPort,
        CAIRN_HTTP_SSL: 'true',
        CAIRN_CACERT: join(dir, 'ca.pem'),
        CONSUL_CLIENT_CERT: join(dir, 'client.pem'),
        CAIRN_CLIENT_KEY: join(dir, 'client-key.pem'),
      },
    });
    expect(c.status().preferred).toBe(strict.url);
    expect(await c.config.set('tls/env', 'from env')).toBe(true);
    expect(await c.config.get('tls/env')).toBe('from env');
  });

  it('names a missing file and its variable', () => {
    const missing = join(dir, 'nope.pem');
    expect(() => createClient({ env: { CAIRN_HTTP_ADDR: open.url, CAIRN_CACERT: missing } })).toThrow(
      new InvalidArgumentError(`CAIRN_CACERT: ${missing}: no such file`),
    );
    expect(() =>
      createClient({
        env: {
          CAIRN_HTTP_ADDR: open.url,
          CAIRN_CACERT: join(dir, 'client-key.pem'),
          CAIRN_CLIENT_CERT: join(dir, 'client.pem'),
        },
      }),
    ).toThrow(/^CAIRN_CLIENT_CERT: set CAIRN_CLIENT_KEY too/);
  });
});
