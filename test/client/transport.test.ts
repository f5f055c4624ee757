import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/client/clock.js';
import { ServerPool } from '../../src/client/http/server-pool.js';
import { encodePath, queryString, Transport } from '../../src/client/http/transport.js';
import { HttpStatusError, NoServerError } from '../../src/client/index.js';
import { rng } from './support.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Fake {
  readonly url: string;
  hits: number;
  handler: Handler;
  readonly server: Server;
}

async function fake(handler: Handler): Promise<Fake> {
  const f: { hits: number; handler: Handler } = { hits: 0, handler };
  const server = createServer((req, res) => {
    f.hits++;
    f.handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(f, { url, server });
}

async function deadPort(): Promise<string> {
  const f = await fake(() => {});
  await new Promise<void>((resolve) => f.server.close(() => resolve()));
  return f.url;
}

const ok: Handler = (req, res) => {
  res.setHeader('X-Consul-Index', '7');
  res.end(JSON.stringify({ token: req.headers['x-consul-token'] ?? null, url: req.url }));
};

function transport(servers: string[], attemptTimeoutMs = 2000, deadlineMs = 4000): Transport {
  return new Transport({
    pool: new ServerPool(servers, { random: () => 0 }),
    clock: systemClock,
    random: rng(1),
    token: 'secret',
    attemptTimeoutMs,
    deadlineMs,
    connectTimeoutMs: 500,
  });
}

describe('transport', () => {
  const opened: Fake[] = [];
  const closing: Transport[] = [];
  let dead: string;
  beforeAll(async () => {
    dead = await deadPort();
  });
  afterAll(async () => {
    await Promise.all(closing.map((t) => t.close()));
    for (const f of opened) f.server.closeAllConnections();
    await Promise.all(opened.map((f) => new Promise((r) => f.server.close(r))));
  });
  const make = async (h: Handler) => {
    const f = await fake(h);
    opened.push(f);
    return f;
  };
  const use = (t: Transport) => {
    closing.push(t);
    return t;
  };

  it('moves past a refused connection and a server without a leader, sending the token', async () => {
    const noLeader = await make((_req, res) => {
      res.statusCode = 500;
      res.end('No cluster leader');
    });
    const good = await make(ok);
    const t = use(transport([dead, noLeader.url, good.url]));
    const a = await t.request({ method: 'GET', path: '/v1/kv/a', query: { recurse: true, wait: undefined } });
    expect(a.server).toBe(good.url);
    expect(a.index).toBe(7);
    expect(JSON.parse(a.text)).toEqual({ token: 'secret', url: '/v1/kv/a?recurse' });
    expect(noLeader.hits).toBe(1);
    // Sticky: the next request goes straight to the server that answered.
    await t.request({ method: 'GET', path: '/x' });
    expect(noLeader.hits).toBe(1);
    expect(t.pool.preferred).toBe(good.url);
  });

  it('answers accepted statuses, and does not retry a definite error elsewhere', async () => {
    const notFound = await make((_req, res) => {
      res.statusCode = 404;
      res.end('Unknown check ID "x"');
    });
    const other = await make(ok);
    const t = use(transport([notFound.url, other.url]));
    expect((await t.request({ method: 'GET', path: '/k', accept: [404] })).status).toBe(404);
    const e = await t
      .request({ method: 'PUT', path: '/v1/agent/check/pass/x', idempotent: true })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HttpStatusError);
    expect((e as HttpStatusError).status).toBe(404);
    expect(other.hits).toBe(0);
  });

  it('retries a timed-out idempotent request elsewhere, but not a non-idempotent one', async () => {
    const stuck = await make(() => {});
    const good = await make(ok);
    const t = use(transport([stuck.url, good.url], 200, 3000));
    expect((await t.request({ method: 'GET', path: '/slow' })).server).toBe(good.url);
    const t2 = use(transport([stuck.url, good.url], 200, 3000));
    const before = good.hits;
    const e = await t2.request({ method: 'PUT', path: '/v1/kv/x?cas=3', body: 'v' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NoServerError);
    expect((e as NoServerError).message).toMatch(/outcome unknown/);
    expect(good.hits).toBe(before);
  });

  it('gives up at the deadline with every server it tried', async () => {
    const t = use(transport([dead], 500, 600));
    const e = await t.request({ method: 'GET', path: '/' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NoServerError);
    expect((e as NoServerError).attempts.length).toBeGreaterThanOrEqual(1);
    expect((e as NoServerError).attempts[0]?.error).toMatch(/ECONNREFUSED/);
  });

  it('encodes paths and query strings', () => {
    expect(encodePath('app/a b/ü')).toBe('app/a%20b/%C3%BC');
    expect(queryString({ passing: true, tag: 'v 2', stale: false, index: 5, wait: undefined })).toBe(
      '?passing&tag=v%202&index=5',
    );
    expect(queryString({})).toBe('');
  });
});
