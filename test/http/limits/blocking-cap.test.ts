import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessCluster, type InProcessServer, until } from '../../support/in-process.js';

const CAP = 3;

/** A GET through inject from a given client address. */
function getFrom(s: InProcessServer, remoteAddress: string, url: string) {
  return s.app.inject({ method: 'GET', url, remoteAddress });
}

async function refusedCount(s: InProcessServer, reason: string): Promise<number> {
  const text = await s.ctx.metrics.text();
  const m = new RegExp(`^cairn_http_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text);
  if (!m) throw new Error(`no cairn_http_refused_total{reason="${reason}"} in the metrics`);
  return Number(m[1]);
}

describe('blocking queries per client address', () => {
  let c: InProcessCluster;
  let s: InProcessServer;
  beforeAll(async () => {
    c = await InProcessCluster.start({ http: { limits: { maxBlockingPerClient: CAP } } });
    s = c.dev;
  });
  afterAll(async () => {
    await c?.stop();
  });

  const held = (client: string) => s.ctx.limits.blocking.of(client);

  it('holds up to the cap, answers one more 429 with the query headers, and counts it', async () => {
    await s.put('/v1/kv/cap/a', 'v1');
    const now = Number((await getFrom(s, '10.0.0.1', '/v1/kv/cap/a')).headers['x-consul-index']);
    const url = `/v1/kv/cap/a?index=${now}&wait=5m`;
    const waiting = Array.from({ length: CAP }, () => getFrom(s, '10.0.0.1', url));
    await until('the queries to be held', () => (held('10.0.0.1') === CAP ? true : undefined));
    const before = await refusedCount(s, 'blocking');

    const over = await getFrom(s, '10.0.0.1', url);
    expect(over.statusCode).toBe(429);
    expect(over.body).toMatch(/^Too many blocking queries from 10\.0\.0\.1: at most 3 may wait at once/);
    expect(over.headers['content-type']).toMatch(/^text\/plain/);
    expect(Number(over.headers['x-consul-index'])).toBe(now);
    expect(over.headers['x-consul-knownleader']).toBe('true');
    expect(await refusedCount(s, 'blocking')).toBe(before + 1);
    expect(held('10.0.0.1')).toBe(CAP);

    // The cap is per address; reads that do not wait are never refused.
    const other = getFrom(s, '10.0.0.2', url);
    await until('the other address to be held', () => (held('10.0.0.2') === 1 ? true : undefined));
    expect((await getFrom(s, '10.0.0.1', '/v1/kv/cap/a')).statusCode).toBe(200);
    expect((await getFrom(s, '10.0.0.1', `/v1/kv/cap/a?index=${now - 1}`)).statusCode).toBe(200);
    expect(await refusedCount(s, 'blocking')).toBe(before + 1);

    // A change answers every held query and frees its slot.
    await s.put('/v1/kv/cap/a', 'v2');
    for (const r of [...(await Promise.all(waiting)), await other]) {
      expect(r.statusCode).toBe(200);
      expect(Number(r.headers['x-consul-index'])).toBeGreaterThan(now);
    }
    expect(s.ctx.limits.blocking.size).toBe(0);
    expect(s.ctx.limits.blocking.clients).toBe(0);
    const metrics = await s.ctx.metrics.text();
    expect(metrics).toMatch(/^cairn_http_client_held\{kind="blocking"\} 0$/m);
  });

  it('a query that ends by its wait frees its slot too', async () => {
    await s.put('/v1/kv/cap/b', 'x');
    const now = Number((await getFrom(s, '10.0.0.3', '/v1/kv/cap/b')).headers['x-consul-index']);
    const url = `/v1/kv/cap/b?index=${now}&wait=10ms`;
    const answers = await Promise.all(Array.from({ length: CAP * 3 }, () => getFrom(s, '10.0.0.3', url)));
    // However they interleave, each either waited (200) or found the cap full (429), and none is left held.
    for (const r of answers) expect([200, 429]).toContain(r.statusCode);
    expect(answers.filter((r) => r.statusCode === 200).length).toBeGreaterThanOrEqual(CAP);
    expect(held('10.0.0.3')).toBe(0);
    const again = await getFrom(s, '10.0.0.3', url);
    expect(again.statusCode).toBe(200);
  });

  it('a client that disconnects frees its slot (real sockets on loopback)', async () => {
    await s.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (s.app.server.address() as AddressInfo).port;
    await s.put('/v1/kv/cap/c', 'x');
    const now = Number((await getFrom(s, '127.0.0.1', '/v1/kv/cap/c')).headers['x-consul-index']);
    const aborts: AbortController[] = [];
    const ended: Promise<void>[] = [];
    for (let i = 0; i < CAP; i++) {
      const ac = new AbortController();
      aborts.push(ac);
      ended.push(
        new Promise<void>((resolve) => {
          const req = httpRequest({
            host: '127.0.0.1',
            port,
            path: `/v1/kv/cap/c?index=${now}&wait=5m`,
            signal: ac.signal,
            agent: false,
          });
          req.on('error', () => resolve());
          req.on('response', (res) => {
            res.resume();
            res.on('end', () => resolve());
          });
          req.end();
        }),
      );
    }
    await until('the socket queries to be held', () => (held('127.0.0.1') === CAP ? true : undefined));
    const full = await fetch(`http://127.0.0.1:${port}/v1/kv/cap/c?index=${now}&wait=5m`);
    expect(full.status).toBe(429);
    await full.text();
    for (const ac of aborts) ac.abort();
    await Promise.all(ended);
    await until('the slots of the gone clients to be freed', () =>
      held('127.0.0.1') === 0 ? true : undefined,
    );
    const ac = new AbortController();
    const next = fetch(`http://127.0.0.1:${port}/v1/kv/cap/c?index=${now}&wait=5m`, { signal: ac.signal });
    await until('a new query to be held', () => (held('127.0.0.1') === 1 ? true : undefined));
    ac.abort();
    await expect(next).rejects.toThrow();
    await until('its slot to be freed', () => (held('127.0.0.1') === 0 ? true : undefined));
  });

  it('0 means no cap', async () => {
    const free = await InProcessCluster.start({ http: { limits: { maxBlockingPerClient: 0 } } });
    try {
      const d = free.dev;
      await d.put('/v1/kv/free', 'x');
      const now = Number((await getFrom(d, '10.0.0.9', '/v1/kv/free')).headers['x-consul-index']);
      const many = Array.from({ length: 50 }, () =>
        getFrom(d, '10.0.0.9', `/v1/kv/free?index=${now}&wait=5m`),
      );
      await until('all to be held', () => (d.ctx.limits.blocking.of('10.0.0.9') === 50 ? true : undefined));
      await d.put('/v1/kv/free', 'y');
      for (const r of await Promise.all(many)) expect(r.statusCode).toBe(200);
    } finally {
      await free.stop();
    }
  });
});
