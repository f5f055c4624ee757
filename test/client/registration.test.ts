import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../cluster/index.js';
import { systemClock } from '../../src/client/clock.js';
import { ServerPool } from '../../src/client/http/server-pool.js';
import { Transport } from '../../src/client/http/transport.js';
import { HttpStatusError } from '../../src/client/index.js';
import type { RegistrationSpec } from '../../src/client/register/heartbeat.js';
import { Registration } from '../../src/client/register/registration.js';
import { FakeClock, rng } from './support.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly body: string;
}

/** A fake cairn server: records requests, answers with `reply`. */
async function fakeServer(
  reply: (s: Seen) => [number, string],
): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', body };
      seen.push(s);
      const [status, text] = reply(s);
      res.statusCode = status;
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const spec: RegistrationSpec = {
  name: 'web',
  id: 'web-1',
  address: '127.0.0.1',
  port: 80,
  tags: [],
  meta: {},
  weights: { passing: 1, warning: 1 },
  ttlMs: 3000,
  deregisterCriticalAfterMs: null,
};

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

function setup(servers: string[], load?: () => number) {
  const clock = new FakeClock();
  const transport = new Transport({
    pool: new ServerPool(servers, { random: () => 0 }),
    clock: systemClock,
    random: rng(1),
    attemptTimeoutMs: 2000,
    deadlineMs: 3000,
    connectTimeoutMs: 500,
  });
  const errors: Error[] = [];
  const reg = new Registration(spec, {
    transport,
    clock,
    random: rng(2),
    ...(load ? { load } : {}),
    onError: (e) => errors.push(e),
    onClosed: () => {},
  });
  cleanup.push(() => transport.close());
  return { clock, reg, errors };
}

/** The requests, without the leader-hint lookups a first write starts in the background. */
const paths = (seen: Seen[]) =>
  seen
    .filter((s) => !/^\/v1\/(agent\/members|status\/leader)/.test(s.url))
    .map((s) => `${s.method} ${s.url}`);
const calls = (seen: Seen[]) => seen.filter((s) => !/^\/v1\/(agent\/members|status\/leader)/.test(s.url));

describe('registration', () => {
  it('registers, heartbeats at ttl/3 with its load, and deregisters on close', async () => {
    const srv = await fakeServer(() => [200, '']);
    cleanup.push(() => new Promise((r) => srv.server.close(() => r())));
    let load = 0.5;
    const { clock, reg } = setup([srv.url], () => load);
    await reg.start();
    expect(paths(srv.seen)).toEqual(['PUT /v1/agent/service/register']);
    expect(JSON.parse(calls(srv.seen)[0]?.body ?? '').Check.TTL).toBe('3000ms');
    clock.advance(999);
    expect(calls(srv.seen)).toHaveLength(1);
    clock.advance(1);
    await waitUntil('a heartbeat', async () => (reg.stats.heartbeats === 1 ? true : undefined));
    expect(calls(srv.seen)[1]).toMatchObject({ method: 'PUT', url: '/v1/agent/check/update/service:web-1' });
    expect(JSON.parse(calls(srv.seen)[1]?.body ?? '')).toEqual({ Status: 'passing', Load: 0.5 });
    load = Number.NaN;
    clock.advance(1000);
    await waitUntil('a second heartbeat', async () => (reg.stats.heartbeats === 2 ? true : undefined));
    expect(calls(srv.seen)[2]?.url).toBe('/v1/agent/check/pass/service:web-1');
    await reg.close();
    expect(paths(srv.seen).at(-1)).toBe('PUT /v1/agent/service/deregister/web-1');
    expect(clock.pending).toBe(0);
  });

  it('registers again when a heartbeat finds the instance forgotten (404)', async () => {
    let forgotten = true;
    const srv = await fakeServer((s) => {
      if (s.url.startsWith('/v1/agent/check/') && forgotten) {
        forgotten = false;
        return [404, 'Unknown check ID "service:web-1"'];
      }
      return [200, ''];
    });
    cleanup.push(() => new Promise((r) => srv.server.close(() => r())));
    const { clock, reg } = setup([srv.url]);
    await reg.start();
    clock.advance(1000);
    await waitUntil('re-registration', async () => (reg.stats.heartbeats === 1 ? true : undefined));
    expect(paths(srv.seen)).toEqual([
      'PUT /v1/agent/service/register',
      'PUT /v1/agent/check/pass/service:web-1',
      'PUT /v1/agent/service/register',
      'PUT /v1/agent/check/pass/service:web-1',
    ]);
    expect(reg.stats.reregistrations).toBe(1);
    await reg.detach();
  });

  it('a failed heartbeat is retried sooner, on the next server', async () => {
    const down = await fakeServer(() => [500, 'No cluster leader']);
    const up = await fakeServer(() => [200, '']);
    cleanup.push(() => new Promise((r) => down.server.close(() => r())));
    cleanup.push(() => new Promise((r) => up.server.close(() => r())));
    const { clock, reg } = setup([up.url, down.url]);
    await reg.start();
    up.server.closeAllConnections();
    await new Promise<void>((r) => up.server.close(() => r()));
    clock.advance(1000);
    await waitUntil('a failure', async () => (reg.stats.failures === 1 ? true : undefined));
    expect(calls(down.seen).length).toBeGreaterThan(0);
    expect(clock.pending).toBe(1);
    await reg.detach();
  });

  it('after a register of unknown outcome, looks for the instance instead of registering it elsewhere', async () => {
    const flaky = await fakeServer((s) =>
      s.url === '/v1/agent/service/register'
        ? [503, 'forwarding to the leader failed: timeout']
        : [200, '{}'],
    );
    const other = await fakeServer(() => [200, '{"ID":"web-1"}']);
    cleanup.push(() => new Promise((r) => flaky.server.close(() => r())));
    cleanup.push(() => new Promise((r) => other.server.close(() => r())));
    const { reg } = setup([flaky.url, other.url]);
    await reg.start();
    expect(paths(other.seen)).toEqual(['GET /v1/agent/service/web-1']);
    expect(paths(flaky.seen)).toEqual(['PUT /v1/agent/service/register']);
    await reg.detach();
  });

  it('reports a refused registration', async () => {
    const srv = await fakeServer(() => [400, 'Check.TTL: must be at least 100ms']);
    cleanup.push(() => new Promise((r) => srv.server.close(() => r())));
    const { reg } = setup([srv.url]);
    await expect(reg.start()).rejects.toBeInstanceOf(HttpStatusError);
  });
});
