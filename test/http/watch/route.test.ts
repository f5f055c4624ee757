import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { InProcessCluster, type InProcessServer, until } from '../../support/in-process.js';
import { mulberry32 as rng } from '../../support/random.js';

interface KvEvent {
  id?: string;
  event: string;
  index?: number;
  prevIndex?: number;
  reset?: boolean;
  error?: string;
  kv?:
    | { Key: string; Value: string | null }[]
    | { put: { Key: string; Value: string | null }[]; delete: string[] };
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/**
 * A watcher of one prefix that records what it sees and keeps its own copy
 * of the state; it may reconnect with its last index at any time.
 */
class KvWatcher {
  readonly state = new Map<string, string | null>();
  readonly indexes: number[] = [];
  gaps: string[] = [];
  resets = 0;
  last = 0;
  private ws: WebSocket | null = null;

  constructor(
    private readonly url: string,
    private readonly prefix: string,
  ) {}

  async connect(resume: boolean): Promise<void> {
    const ws = await open(this.url);
    this.ws = ws;
    ws.on('message', (data) => this.onEvent(JSON.parse(data.toString()) as KvEvent));
    ws.send(
      JSON.stringify({
        op: 'subscribe',
        id: 'w',
        kind: 'kv',
        key: this.prefix,
        recurse: true,
        ...(resume ? { index: this.last } : {}),
      }),
    );
  }

  close(): void {
    this.ws?.close();
    this.ws = null;
  }

  private onEvent(e: KvEvent): void {
    if (e.event === 'snapshot') {
      if (e.reset) this.resets++;
      this.state.clear();
      for (const p of e.kv as { Key: string; Value: string | null }[]) this.state.set(p.Key, p.Value);
      this.last = e.index ?? 0;
      return;
    }
    if (e.event !== 'change') return;
    const index = e.index as number;
    if (index <= this.last) this.gaps.push(`index ${index} after ${this.last}`);
    if ((e.prevIndex as number) > this.last)
      this.gaps.push(`missed changes between ${this.last} and ${e.prevIndex}`);
    this.indexes.push(index);
    const d = e.kv as { put: { Key: string; Value: string | null }[]; delete: string[] };
    for (const p of d.put) this.state.set(p.Key, p.Value);
    for (const k of d.delete) this.state.delete(k);
    this.last = index;
  }
}

/**
 * WebSocket watches need a socket: the in-process server's app listens on a free loopback port
 * for them, while writes and long-polls go through inject().
 */
describe('WebSocket watches', () => {
  const seed = Number(process.env.CAIRN_TEST_SEED ?? Date.now() % 100_000);
  const random = rng(seed);
  let c: InProcessCluster;
  let agent: InProcessServer;
  let wsUrl: string;

  beforeAll(async () => {
    // The 1,000 long-polls below all come from one address: past the default per-client cap.
    c = await InProcessCluster.start({ http: { limits: { maxBlockingPerClient: 0 } } });
    agent = c.dev;
    await agent.app.listen({ host: '127.0.0.1', port: 0 });
    const address = agent.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('the app is not on a TCP port');
    wsUrl = `ws://127.0.0.1:${address.port}/v1/watch`;
  });

  afterAll(async () => {
    await c?.stop();
  });

  it('5,000 changes, 50 watchers (some reconnecting with their last index): each ends with the final state, in order, without gaps', async () => {
    const watchers = Array.from({ length: 50 }, () => new KvWatcher(wsUrl, 'load/'));
    await Promise.all(watchers.map((w) => w.connect(false)));
    const reconnecting = watchers.slice(0, 15);
    let writes = 0;
    const writer = (async () => {
      const inFlight: Promise<unknown>[] = [];
      for (let i = 0; i < 5000; i++) {
        const key = `load/k${Math.floor(random() * 200)}`;
        const p =
          random() < 0.1
            ? agent.request('DELETE', `/v1/kv/${key}`)
            : agent.request('PUT', `/v1/kv/${key}`, `v${i}`);
        inFlight.push(p);
        if (inFlight.length >= 32) await Promise.all(inFlight.splice(0));
        writes++;
      }
      await Promise.all(inFlight);
    })();
    const chaos = (async () => {
      while (writes < 4500) {
        await new Promise((r) => setTimeout(r, 50 + random() * 200));
        const w = reconnecting[Math.floor(random() * reconnecting.length)] as KvWatcher;
        w.close();
        await new Promise((r) => setTimeout(r, random() * 100));
        await w.connect(true);
      }
    })();
    await Promise.all([writer, chaos]);
    const finalRes = await agent.request<{ Key: string; Value: string | null }[]>(
      'GET',
      '/v1/kv/load/?recurse',
    );
    const expected = new Map(finalRes.json.map((p) => [p.Key, p.Value]));
    const finalIndex = Number(finalRes.headers.get('x-consul-index'));
    for (const [i, w] of watchers.entries()) {
      await until(
        `watcher ${i} (seed ${seed}) to reach index ${finalIndex}`,
        async () => (w.last >= finalIndex ? true : undefined),
        20_000,
      );
      expect(w.state, `watcher ${i}, seed ${seed}`).toEqual(expected);
      expect(w.gaps, `watcher ${i}, seed ${seed}`).toEqual([]);
      for (let k = 1; k < w.indexes.length; k++) {
        expect(w.indexes[k], `watcher ${i} seed ${seed}: strictly increasing`).toBeGreaterThan(
          w.indexes[k - 1] as number,
        );
      }
    }
    // The journal keeps 50,000 changes: resuming watchers never needed a reset.
    expect(
      reconnecting.reduce((n, w) => n + w.resets, 0),
      `seed ${seed}`,
    ).toBe(0);
    for (const w of watchers) w.close();
  }, 120_000);

  it('service watches deliver instances added, changed (health) and removed', async () => {
    const ws = await open(wsUrl);
    const events: { event: string; instances?: unknown }[] = [];
    ws.on('message', (d) => events.push(JSON.parse(d.toString())));
    ws.send(JSON.stringify({ op: 'subscribe', id: 's', kind: 'service', service: 'api', passing: false }));
    await until('the snapshot', async () => (events.length >= 1 ? true : undefined));
    expect(events[0]).toMatchObject({ event: 'snapshot', instances: [] });
    await agent.put('/v1/agent/service/register', {
      Name: 'api',
      ID: 'api-1',
      Port: 1,
      Check: { TTL: '30s' },
    });
    // One write at a time: writes applied together may reach a watcher as one change.
    await until('the added instance', async () => (events.length >= 2 ? true : undefined));
    await agent.put('/v1/agent/check/pass/service:api-1');
    await until('the changed instance', async () => (events.length >= 3 ? true : undefined));
    await agent.put('/v1/agent/service/deregister/api-1');
    await until('three changes', async () => (events.length >= 4 ? true : undefined));
    const changes = events.slice(1) as {
      instances: { added: unknown[]; changed: { Checks: { Status: string }[] }[]; removed: string[] };
    }[];
    expect(changes[0]?.instances.added).toHaveLength(1);
    expect(changes[1]?.instances.changed[0]?.Checks[0]?.Status).toBe('passing');
    expect(changes[2]?.instances.removed).toEqual(['dev/api-1']);
    ws.close();
  });

  it('bad subscriptions get an error event; the socket and the server keep working', async () => {
    const ws = await open(wsUrl);
    const got: KvEvent[] = [];
    ws.on('message', (d) => got.push(JSON.parse(d.toString())));
    ws.send(JSON.stringify({ op: 'subscribe', id: 'x', kind: 'nope' }));
    ws.send(JSON.stringify({ op: 'subscribe', id: 'y', kind: 'kv' }));
    ws.send(JSON.stringify({ op: 'subscribe', id: 'z', kind: 'kv', key: 'a', index: -5 }));
    ws.send('{not json');
    ws.send(Buffer.from([0, 1, 2, 3]));
    ws.send(JSON.stringify({ op: 'unsubscribe', id: 'never' }));
    ws.send(JSON.stringify({ op: 'subscribe', id: 'ok', kind: 'kv', key: 'fine' }));
    await until('seven answers', async () => (got.length >= 7 ? true : undefined));
    const errors = got.filter((e) => e.event === 'error');
    expect(errors.map((e) => e.error?.split(':')[0])).toEqual([
      'kind',
      'key',
      'index',
      'message',
      'message',
      'id',
    ]);
    expect(got.find((e) => e.id === 'ok')?.event).toBe('snapshot');
    await agent.put('/v1/kv/fine', 'yes');
    await until('the change on the good subscription', async () =>
      got.some((e) => e.id === 'ok' && e.event === 'change') ? true : undefined,
    );
    ws.close();
  });

  it('a consumer that reads nothing is held at the limit and reset to a snapshot; other watchers are not delayed', async () => {
    const slow = await open(wsUrl);
    let bytesBeforeReset = 0;
    let reset: KvEvent | null = null;
    slow.on('message', (d: Buffer) => {
      if (reset) return;
      const e = JSON.parse(d.toString()) as KvEvent;
      if (e.event === 'snapshot' && e.reset) reset = e;
      else bytesBeforeReset += d.byteLength;
    });
    slow.send(JSON.stringify({ op: 'subscribe', id: 'slow', kind: 'kv', key: 'big/', recurse: true }));
    await new Promise((r) => setTimeout(r, 200));
    // Stop reading: TCP backpressure fills the server's send buffer for this socket.
    const raw = (slow as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    const fast = new KvWatcher(wsUrl, 'big/');
    await fast.connect(false);
    const value = 'x'.repeat(200 * 1024);
    const writes = 150;
    for (let i = 0; i < writes; i++) {
      const r = await agent.request('PUT', `/v1/kv/big/k${i % 10}`, value);
      expect(r.status).toBe(200);
    }
    const finalIndex = Number(
      (await agent.request('GET', '/v1/kv/big/?recurse')).headers.get('x-consul-index'),
    );
    await until(
      'the fast watcher to see every change',
      async () => (fast.last >= finalIndex ? true : undefined),
      10_000,
    );
    expect(fast.gaps).toEqual([]);
    // Every change reached it without a reset (writes applied together may share one event).
    expect(fast.resets).toBe(0);
    expect(fast.indexes.length).toBeGreaterThan(0);
    expect([...fast.state.values()]).toEqual(Array(10).fill(Buffer.from(value).toString('base64')));
    expect(await metric(agent, 'cairn_watch_slow_consumers_total')).toBeGreaterThanOrEqual(1);
    // Reading again: what was queued for it arrives, then a fresh snapshot instead of the rest.
    raw.resume();
    await until(
      'the slow consumer to be reset to a snapshot',
      async () => (reset ? true : undefined),
      20_000,
    );
    const produced = writes * value.length * (4 / 3);
    expect(bytesBeforeReset, `queued ${bytesBeforeReset} of ${produced} bytes`).toBeLessThan(produced / 2);
    const snapshot = reset as unknown as KvEvent;
    expect((snapshot.kv as unknown[]).length).toBe(10);
    expect(await metric(agent, 'cairn_watch_resets_total')).toBeGreaterThanOrEqual(1);
    fast.close();
    slow.terminate();
  }, 60_000);

  it('1,000 long-polls on one key share one wake-up and all see the change', async () => {
    await agent.put('/v1/kv/poll/key', 'a');
    const first = await agent.request('GET', '/v1/kv/poll/key');
    const index = first.headers.get('x-consul-index');
    const polls = Array.from({ length: 1000 }, () =>
      agent.request<{ Value: string }[]>('GET', `/v1/kv/poll/key?index=${index}&wait=30s`),
    );
    await until(
      'the long-polls to be waiting',
      async () => ((await metric(agent, 'cairn_blocking_queries_waiting')) >= 1000 ? true : undefined),
      20_000,
    );
    await agent.put('/v1/kv/poll/key', 'b');
    const answers = await Promise.all(polls);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(Buffer.from(a.json[0]?.Value ?? '', 'base64').toString()).toBe('b');
    }
    expect(await metric(agent, 'cairn_blocking_queries_waiting')).toBeLessThan(10);
  }, 60_000);
});

async function metric(agent: InProcessServer, name: string): Promise<number> {
  const text = (await agent.request('GET', '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return Number(line?.split(' ').pop() ?? Number.NaN);
}
