import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { InProcessCluster, type InProcessServer, until } from '../../support/in-process.js';

interface WatchEvent {
  id?: string;
  event: string;
  error?: string;
}

/** A watch socket that keeps every event it receives. */
class Watcher {
  readonly events: WatchEvent[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.events.push(JSON.parse(data.toString()) as WatchEvent));
  }

  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  /** The first event after `from` that matches. */
  next(what: string, match: (e: WatchEvent) => boolean, from = 0): Promise<WatchEvent> {
    return until(what, () => this.events.slice(from).find(match));
  }
}

type Outcome = { opened: Watcher } | { refused: number; body: string };

/** Opens a watch socket from `localAddress`: open, or the status and body of a refused upgrade. */
function connect(port: number, localAddress = '127.0.0.1'): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/watch`, { localAddress });
    ws.once('open', () => resolve({ opened: new Watcher(ws) }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ refused: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

async function open(port: number, localAddress?: string): Promise<Watcher> {
  const o = await connect(port, localAddress);
  if (!('opened' in o)) throw new Error(`watch socket refused: ${o.refused} ${o.body}`);
  return o.opened;
}

function closed(w: Watcher): Promise<void> {
  return new Promise((resolve) => {
    if (w.ws.readyState === w.ws.CLOSED) return resolve();
    w.ws.once('close', () => resolve());
    w.ws.close();
  });
}

async function refusedCount(s: InProcessServer, reason: string): Promise<number> {
  const m = new RegExp(`^cairn_http_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(
    await s.ctx.metrics.text(),
  );
  if (!m) throw new Error(`no cairn_http_refused_total{reason="${reason}"} in the metrics`);
  return Number(m[1]);
}

describe('watch sockets and subscriptions per client address (loopback sockets)', () => {
  let c: InProcessCluster;
  let s: InProcessServer;
  let port: number;
  const opened: Watcher[] = [];
  beforeAll(async () => {
    c = await InProcessCluster.start({
      http: { limits: { maxWatchConnectionsPerClient: 2, maxWatchSubscriptionsPerClient: 3 } },
    });
    s = c.dev;
    await s.app.listen({ host: '127.0.0.1', port: 0 });
    port = (s.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const w of opened) w.ws.terminate();
    await c?.stop();
  });

  const conns = (client: string) => s.ctx.limits.watchConnections.of(client);
  const subs = (client: string) => s.ctx.limits.watchSubscriptions.of(client);

  it('refuses the socket over the cap with 429 at the upgrade, per address, and frees the slot on close', async () => {
    const a = await open(port);
    const b = await open(port);
    opened.push(a, b);
    expect(conns('127.0.0.1')).toBe(2);
    const before = await refusedCount(s, 'watch_connections');

    const third = await connect(port);
    expect(third).toEqual({
      refused: 429,
      body: expect.stringMatching(/^Too many watch connections from 127\.0\.0\.1: at most 2 open at once/),
    });
    expect(await refusedCount(s, 'watch_connections')).toBe(before + 1);
    await until('the refused upgrade to hold nothing', () => (conns('127.0.0.1') === 2 ? true : undefined));

    // Another address has its own allowance.
    const elsewhere = await open(port, '127.0.0.2');
    opened.push(elsewhere);
    expect(conns('127.0.0.2')).toBe(1);

    // Plain requests to the path are not upgrades and hold nothing.
    for (let i = 0; i < 3; i++) {
      const plain = await fetch(`http://127.0.0.1:${port}/v1/watch`);
      await plain.text();
      expect(plain.status).toBe(404);
    }
    expect(conns('127.0.0.1')).toBe(2);

    await closed(b);
    await until('the closed socket to free its slot', () => (conns('127.0.0.1') === 1 ? true : undefined));
    const again = await open(port);
    opened.push(again);
    expect(conns('127.0.0.1')).toBe(2);
  });

  it('answers a subscribe over the cap with an error event, keeps the socket, and frees slots on unsubscribe and close', async () => {
    await Promise.all(opened.map((w) => closed(w)));
    opened.length = 0;
    await until('every socket to be gone', () =>
      s.ctx.limits.watchConnections.size === 0 ? true : undefined,
    );
    const a = await open(port);
    const b = await open(port);
    opened.push(a, b);
    a.send({ op: 'subscribe', id: 'a1', kind: 'kv', key: 'lim/', recurse: true });
    a.send({ op: 'subscribe', id: 'a2', kind: 'services' });
    b.send({ op: 'subscribe', id: 'b1', kind: 'nodes' });
    await a.next('a2 snapshot', (e) => e.id === 'a2' && e.event === 'snapshot');
    await b.next('b1 snapshot', (e) => e.id === 'b1' && e.event === 'snapshot');
    expect(subs('127.0.0.1')).toBe(3);
    const before = await refusedCount(s, 'watch_subscriptions');

    const mark = b.events.length;
    b.send({ op: 'subscribe', id: 'b2', kind: 'kv', key: 'lim/x' });
    const err = await b.next('b2 refused', (e) => e.id === 'b2', mark);
    expect(err.event).toBe('error');
    expect(err.error).toMatch(
      /^too many watch subscriptions from 127\.0\.0\.1: at most 3 per client address/,
    );
    expect(await refusedCount(s, 'watch_subscriptions')).toBe(before + 1);
    expect(subs('127.0.0.1')).toBe(3);
    b.send({ op: 'ping' });
    await b.next('pong on the same socket', (e) => e.event === 'pong', mark);

    a.send({ op: 'unsubscribe', id: 'a1' });
    await a.next('a1 unsubscribed', (e) => e.id === 'a1' && e.event === 'unsubscribed');
    expect(subs('127.0.0.1')).toBe(2);
    const mark2 = b.events.length;
    b.send({ op: 'subscribe', id: 'b2', kind: 'kv', key: 'lim/x' });
    expect((await b.next('b2 accepted', (e) => e.id === 'b2', mark2)).event).toBe('snapshot');
    expect(subs('127.0.0.1')).toBe(3);

    await closed(a);
    await until('the closed socket to free its subscriptions', () =>
      subs('127.0.0.1') === 2 ? true : undefined,
    );
    await closed(b);
    await until('every subscription to be freed', () =>
      s.ctx.limits.watchSubscriptions.size === 0 ? true : undefined,
    );
    const text = await s.ctx.metrics.text();
    expect(text).toMatch(/^cairn_http_client_held\{kind="watch_subscriptions"\} 0$/m);
  });
});
