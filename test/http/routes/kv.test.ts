import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessCluster, type InProcessServer, until } from '../../support/in-process.js';

interface KvPair {
  Key: string;
  Value: string | null;
  Flags: number;
  ModifyIndex: number;
  CreateIndex: number;
  LockIndex: number;
  Session?: string;
}

interface Version {
  ModifyIndex: number;
  Op: string;
  Flags: number;
  Value: string | null;
  Author: string;
  Time: string;
}

const text = (v: string | null | undefined) => Buffer.from(v ?? '', 'base64').toString();

/** The KV store of a dev server (--kv-history 5), called in process. */
describe('KV', () => {
  let c: InProcessCluster;
  let s: InProcessServer;

  beforeAll(async () => {
    c = await InProcessCluster.start({ http: { kvHistory: 5 } });
    s = c.dev;
  });

  afterAll(async () => {
    await c?.stop();
  });

  it('set, get, keys, recurse, cas, delete', async () => {
    expect((await s.put('/v1/kv/app/db/url', 'postgres://a')).json).toBe(true);
    expect((await s.put('/v1/kv/app/db/pool?flags=42', '10')).json).toBe(true);
    expect((await s.put('/v1/kv/app/web/port', '8080')).json).toBe(true);
    const one = (await s.request<KvPair[]>('GET', '/v1/kv/app/db/url')).json[0] as KvPair;
    expect(text(one.Value)).toBe('postgres://a');
    expect((await s.request<KvPair[]>('GET', '/v1/kv/app/db/pool')).json[0]?.Flags).toBe(42);
    expect((await s.request('GET', '/v1/kv/app/?keys&separator=/')).json).toEqual(['app/db/', 'app/web/']);
    const all = await s.request<KvPair[]>('GET', '/v1/kv/app/?recurse');
    expect(all.json.map((p) => p.Key)).toEqual(['app/db/pool', 'app/db/url', 'app/web/port']);
    expect((await s.request('GET', '/v1/kv/missing')).status).toBe(404);

    expect((await s.put(`/v1/kv/app/db/url?cas=${one.ModifyIndex + 1000}`, 'x')).json).toBe(false);
    expect((await s.put(`/v1/kv/app/db/url?cas=${one.ModifyIndex}`, 'postgres://b')).json).toBe(true);
    expect((await s.put('/v1/kv/app/db/url?cas=0', 'y')).json).toBe(false);
    expect((await s.put('/v1/kv/brand-new?cas=0', 'y')).json).toBe(true);

    expect((await s.request('DELETE', '/v1/kv/app/?recurse')).status).toBe(200);
    expect((await s.request('GET', '/v1/kv/app/?recurse')).status).toBe(404);
    const root = await s.request('GET', '/v1/kv/?keys');
    expect(root.status).toBe(200);
    expect(root.json).toEqual(['brand-new']);
    const bare = await s.request('GET', '/v1/kv/');
    expect(bare.status).toBe(400);
    expect(bare.text).toBe('Missing key name');
  });

  it('a missing key is a 404 with index headers; an empty value is null', async () => {
    const r = await s.request('GET', '/v1/kv/nothing/here');
    expect(r.status).toBe(404);
    expect(Number(r.headers.get('x-consul-index'))).toBeGreaterThanOrEqual(1);
    await s.put('/v1/kv/empty', '');
    const e = await s.request<KvPair[]>('GET', '/v1/kv/empty');
    expect(e.json[0]?.Value).toBeNull();
    expect(e.json[0]).not.toHaveProperty('Session');
  });

  it('blocking on a prefix wakes on a change under it, and a delete never sends the index back', async () => {
    await s.put('/v1/kv/watch/a', '1');
    await s.put('/v1/kv/watch/b', '2');
    const first = await s.request('GET', '/v1/kv/watch/?recurse');
    const index = Number(first.headers.get('x-consul-index'));
    let answered = false;
    const waiting = s
      .request<KvPair[]>('GET', `/v1/kv/watch/?recurse&index=${index}&wait=10s`)
      .finally(() => {
        answered = true;
      });
    await until('the query to be parked', () => (s.server.view.hub.size > 0 ? true : undefined));
    // A write to another prefix does not answer it.
    await s.put('/v1/kv/elsewhere', 'x');
    await until('the query to be parked', () => (s.server.view.hub.size > 0 ? true : undefined));
    expect(answered).toBe(false);
    await s.put('/v1/kv/watch/c', '3');
    const woke = await waiting;
    expect(woke.json.map((p) => p.Key)).toEqual(['watch/a', 'watch/b', 'watch/c']);
    const afterPut = Number(woke.headers.get('x-consul-index'));
    expect(afterPut).toBeGreaterThan(index);
    await s.request('DELETE', '/v1/kv/watch/c');
    const afterDelete = await s.request('GET', '/v1/kv/watch/?recurse');
    expect(Number(afterDelete.headers.get('x-consul-index'))).toBeGreaterThan(afterPut);
  });

  it('history lists versions (deletes too) with time and author; version reads one; rollback restores bytes and flags', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
    const put = async (body: string | Buffer, query = '') =>
      (await s.request('PUT', `/v1/kv/cfg/flag${query}`, body, { 'X-Cairn-Author': 'alice' })).text;
    expect(await put(bytes, '?flags=7')).toBe('true');
    expect(await put('second')).toBe('true');
    await s.request('DELETE', '/v1/kv/cfg/flag');
    expect(await put('fourth')).toBe('true');
    const h = await s.request<Version[]>('GET', '/v1/kv/cfg/flag?history');
    expect(h.json.map((v) => v.Op)).toEqual(['set', 'delete', 'set', 'set']);
    expect(h.json[3]?.Author).toBe('alice');
    expect(h.json[3]?.Flags).toBe(7);
    // Time is the server's wall clock at the write.
    expect(Date.parse(h.json[3]?.Time ?? '')).toBeGreaterThan(c.clock.now() - 60_000);
    expect(Date.parse(h.json[3]?.Time ?? '')).toBeLessThanOrEqual(c.clock.now());
    const firstIndex = h.json[3]?.ModifyIndex as number;
    const one = await s.request<Version>('GET', `/v1/kv/cfg/flag?version=${firstIndex}`);
    expect(Buffer.from(one.json.Value ?? '', 'base64')).toEqual(bytes);
    expect((await s.request('GET', '/v1/kv/cfg/flag?version=1')).status).toBe(404);

    const current = (await s.request<KvPair[]>('GET', '/v1/kv/cfg/flag')).json[0] as KvPair;
    const stale = await s.request(
      'PUT',
      `/v1/kv/cfg/flag?rollback=${firstIndex}&cas=${current.ModifyIndex + 99}`,
    );
    expect(stale.json).toBe(false);
    const rb = await s.request('PUT', `/v1/kv/cfg/flag?rollback=${firstIndex}&cas=${current.ModifyIndex}`);
    expect(rb.json).toBe(true);
    expect(await s.bytes('/v1/kv/cfg/flag?raw')).toEqual(bytes);
    expect(((await s.request<KvPair[]>('GET', '/v1/kv/cfg/flag')).json[0] as KvPair).Flags).toBe(7);
    const missing = await s.request('PUT', '/v1/kv/cfg/flag?rollback=999999');
    expect(missing.status).toBe(404);

    // --kv-history 5: only the last five versions are kept.
    for (let i = 0; i < 6; i++) await put(`v${i}`);
    const kept = await s.request<Version[]>('GET', '/v1/kv/cfg/flag?history');
    expect(kept.json).toHaveLength(5);
    expect(text(kept.json[0]?.Value)).toBe('v5');
  });

  it('bad input: oversized values, bad numbers → 4xx and nothing written', async () => {
    const big = await s.request('PUT', '/v1/kv/big', 'x'.repeat(512 * 1024 + 1));
    expect(big.status).toBe(413);
    for (const q of ['cas=-1', 'cas=abc', 'flags=1.5', 'flags=-3', 'acquire=', 'rollback=x']) {
      const r = await s.request('PUT', `/v1/kv/bad?${q}`, 'v');
      expect(r.status, q).toBe(400);
      expect(r.text.length, q).toBeGreaterThan(0);
    }
    expect((await s.request('GET', '/v1/kv/bad?index=-4')).status).toBe(400);
    const noSession = await s.request('PUT', '/v1/kv/bad?acquire=00000000-0000-0000-0000-000000000000', 'v');
    expect(noSession.status).toBe(400);
    expect((await s.request('GET', '/v1/kv/bad')).status).toBe(404);
    expect((await s.request('GET', '/v1/kv/big')).status).toBe(404);
  });
});

describe('deleted keys are forgotten after --kv-tombstone-ttl', () => {
  let c: InProcessCluster;
  let s: InProcessServer;

  beforeAll(async () => {
    c = await InProcessCluster.start({ server: { kvTombstoneTtlMs: 1000 } });
    s = c.dev;
  });

  afterAll(async () => {
    await c?.stop();
  });

  const tombstones = async (): Promise<number> => {
    const body = (await s.request('GET', '/v1/agent/metrics?format=prometheus')).text;
    const line = body.split('\n').find((l) => l.startsWith('cairn_kv_tombstones '));
    if (line === undefined) throw new Error('no cairn_kv_tombstones in the metrics');
    return Number(line.split(' ')[1]);
  };

  it('keeps a deleted key’s history for the TTL, then reaps it; indexes never go back', async () => {
    for (const k of ['churn/a', 'churn/b', 'keep/c']) await s.put(`/v1/kv/${k}`, 'v');
    expect((await s.request('DELETE', '/v1/kv/churn?recurse')).status).toBe(200);
    const history = await s.request<Version[]>('GET', '/v1/kv/churn/a?history');
    expect(history.status).toBe(200);
    expect(history.json.map((v) => v.Op)).toEqual(['delete', 'set']);
    const before = Number((await s.request('GET', '/v1/kv/churn/?recurse')).headers.get('x-consul-index'));
    expect(await tombstones()).toBe(2);

    // The GC reaps what its (monotonic) clock saw applied a TTL ago: move the clock past the TTL,
    // and on, a little per poll, as time would, until a GC round has seen the delete and aged it.
    c.clock.advance(1000);
    await until('the tombstones to be reaped', async () => {
      c.clock.advance(100);
      return (await tombstones()) === 0 ? true : undefined;
    });
    expect((await s.request<Version[]>('GET', '/v1/kv/churn/a?history')).json).toEqual([]);
    const after = await s.request('GET', '/v1/kv/churn/?recurse');
    expect(after.status).toBe(404);
    expect(Number(after.headers.get('x-consul-index'))).toBeGreaterThanOrEqual(before);
    // Live keys and their history are untouched.
    const kept = await s.request<KvPair[]>('GET', '/v1/kv/keep/c');
    expect(text(kept.json[0]?.Value)).toBe('v');
    expect((await s.request<Version[]>('GET', '/v1/kv/keep/c?history')).json).toHaveLength(1);
  });
});
