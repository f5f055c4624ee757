import Consul from 'consul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevAgent } from '../support/agent.js';
import { http } from '../support/http.js';

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

/** The config center on a dev agent: the npm consul client for kv, txn and session; raw HTTP for history. */
describe('KV, transactions and sessions', () => {
  let agent: DevAgent;
  let consul: Consul;

  beforeAll(async () => {
    agent = await DevAgent.start(['--kv-history', '5']);
    consul = new Consul({ host: '127.0.0.1', port: agent.httpPort });
  });

  afterAll(async () => {
    consul?.destroy();
    await agent?.stop();
  });

  it('set, get, keys, recurse, cas, delete with the consul client', async () => {
    expect(await consul.kv.set('app/db/url', 'postgres://a')).toBe(true);
    expect(await consul.kv.set({ key: 'app/db/pool', value: '10', flags: 42 })).toBe(true);
    expect(await consul.kv.set('app/web/port', '8080')).toBe(true);
    const one = (await consul.kv.get('app/db/url')) as KvPair;
    expect(one.Value).toBe('postgres://a');
    const pool = (await consul.kv.get('app/db/pool')) as KvPair;
    expect(pool.Flags).toBe(42);
    expect(await consul.kv.keys({ key: 'app/', separator: '/' })).toEqual(['app/db/', 'app/web/']);
    const all = (await consul.kv.get({ key: 'app/', recurse: true })) as KvPair[];
    expect(all.map((p) => p.Key)).toEqual(['app/db/pool', 'app/db/url', 'app/web/port']);
    expect(await consul.kv.get('missing')).toBeUndefined();

    expect(await consul.kv.set({ key: 'app/db/url', value: 'x', cas: one.ModifyIndex + 1000 })).toBeFalsy();
    expect(await consul.kv.set({ key: 'app/db/url', value: 'postgres://b', cas: one.ModifyIndex })).toBe(
      true,
    );
    expect(await consul.kv.set({ key: 'app/db/url', value: 'y', cas: 0 })).toBeFalsy();
    expect(await consul.kv.set({ key: 'brand-new', value: 'y', cas: 0 })).toBe(true);

    await consul.kv.del({ key: 'app/', recurse: true });
    expect(await consul.kv.get({ key: 'app/', recurse: true })).toBeUndefined();
    const root = await http('GET', `${agent.url}/v1/kv/?keys`);
    expect(root.status).toBe(200);
    expect(root.json).toEqual(['brand-new']);
    const bare = await http('GET', `${agent.url}/v1/kv/`);
    expect(bare.status).toBe(400);
    expect(bare.text).toBe('Missing key name');
  });

  it('a missing key is a 404 with index headers; an empty value is null', async () => {
    const r = await http('GET', `${agent.url}/v1/kv/nothing/here`);
    expect(r.status).toBe(404);
    expect(Number(r.headers.get('x-consul-index'))).toBeGreaterThanOrEqual(1);
    await http('PUT', `${agent.url}/v1/kv/empty`, '');
    const e = await http<KvPair[]>('GET', `${agent.url}/v1/kv/empty`);
    expect(e.json[0]?.Value).toBeNull();
    expect(e.json[0]).not.toHaveProperty('Session');
  });

  it('blocking on a prefix wakes on a change under it, and a delete never sends the index back', async () => {
    await http('PUT', `${agent.url}/v1/kv/watch/a`, '1');
    await http('PUT', `${agent.url}/v1/kv/watch/b`, '2');
    const first = await http('GET', `${agent.url}/v1/kv/watch/?recurse`);
    const index = Number(first.headers.get('x-consul-index'));
    const waiting = http<KvPair[]>('GET', `${agent.url}/v1/kv/watch/?recurse&index=${index}&wait=10s`);
    await new Promise((r) => setTimeout(r, 300));
    await http('PUT', `${agent.url}/v1/kv/watch/c`, '3');
    const woke = await waiting;
    expect(woke.json.map((p) => p.Key)).toEqual(['watch/a', 'watch/b', 'watch/c']);
    const afterPut = Number(woke.headers.get('x-consul-index'));
    expect(afterPut).toBeGreaterThan(index);
    await http('DELETE', `${agent.url}/v1/kv/watch/c`);
    const afterDelete = await http('GET', `${agent.url}/v1/kv/watch/?recurse`);
    expect(Number(afterDelete.headers.get('x-consul-index'))).toBeGreaterThan(afterPut);
  });

  it('history lists versions (deletes too) with time and author; version reads one; rollback restores bytes and flags', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
    const put = async (body: string | Buffer, query = '') => {
      const res = await fetch(`${agent.url}/v1/kv/cfg/flag${query}`, {
        method: 'PUT',
        body,
        headers: { 'X-Cairn-Author': 'alice' },
      });
      return res.text();
    };
    expect(await put(bytes, '?flags=7')).toBe('true');
    expect(await put('second')).toBe('true');
    await http('DELETE', `${agent.url}/v1/kv/cfg/flag`);
    expect(await put('fourth')).toBe('true');
    const h = await http<Version[]>('GET', `${agent.url}/v1/kv/cfg/flag?history`);
    expect(h.json.map((v) => v.Op)).toEqual(['set', 'delete', 'set', 'set']);
    expect(h.json[3]?.Author).toBe('alice');
    expect(h.json[3]?.Flags).toBe(7);
    expect(Date.parse(h.json[3]?.Time ?? '')).toBeGreaterThan(Date.now() - 60_000);
    const firstIndex = h.json[3]?.ModifyIndex as number;
    const one = await http<Version>('GET', `${agent.url}/v1/kv/cfg/flag?version=${firstIndex}`);
    expect(Buffer.from(one.json.Value ?? '', 'base64')).toEqual(bytes);
    expect((await http('GET', `${agent.url}/v1/kv/cfg/flag?version=1`)).status).toBe(404);

    const current = (await http<KvPair[]>('GET', `${agent.url}/v1/kv/cfg/flag`)).json[0] as KvPair;
    const stale = await http(
      'PUT',
      `${agent.url}/v1/kv/cfg/flag?rollback=${firstIndex}&cas=${current.ModifyIndex + 99}`,
    );
    expect(stale.json).toBe(false);
    const rb = await http(
      'PUT',
      `${agent.url}/v1/kv/cfg/flag?rollback=${firstIndex}&cas=${current.ModifyIndex}`,
    );
    expect(rb.json).toBe(true);
    const raw = Buffer.from(await (await fetch(`${agent.url}/v1/kv/cfg/flag?raw`)).arrayBuffer());
    expect(raw).toEqual(bytes);
    expect(((await http<KvPair[]>('GET', `${agent.url}/v1/kv/cfg/flag`)).json[0] as KvPair).Flags).toBe(7);
    const missing = await http('PUT', `${agent.url}/v1/kv/cfg/flag?rollback=999999`);
    expect(missing.status).toBe(404);

    // --kv-history 5: only the last five versions are kept.
    for (let i = 0; i < 6; i++) await put(`v${i}`);
    const kept = await http<Version[]>('GET', `${agent.url}/v1/kv/cfg/flag?history`);
    expect(kept.json).toHaveLength(5);
    expect(Buffer.from(kept.json[0]?.Value ?? '', 'base64').toString()).toBe('v5');
  });

  it('transactions apply all or nothing (409 with the errors) with the consul client', async () => {
    // The npm client answers a JSON `false` body with undefined (it does against Consul too).
    const ok = (await consul.transaction.create([
      { KV: { Verb: 'set', Key: 'txn/a', Value: Buffer.from('1').toString('base64') } },
      { KV: { Verb: 'set', Key: 'txn/b', Value: Buffer.from('2').toString('base64') } },
      { KV: { Verb: 'get', Key: 'txn/a' } },
    ] as never)) as { Results: { KV: KvPair }[]; Errors: unknown };
    expect(ok.Results).toHaveLength(3);
    expect(Buffer.from(ok.Results[2]?.KV.Value ?? '', 'base64').toString()).toBe('1');
    const a = (await consul.kv.get('txn/a')) as KvPair;
    const failed = await http<{ Errors: { OpIndex: number; What: string }[] }>('PUT', `${agent.url}/v1/txn`, [
      { KV: { Verb: 'set', Key: 'txn/c', Value: Buffer.from('3').toString('base64') } },
      { KV: { Verb: 'cas', Key: 'txn/a', Value: 'eA==', Index: a.ModifyIndex + 5 } },
    ]);
    expect(failed.status).toBe(409);
    expect(failed.json.Errors.map((e) => e.OpIndex)).toEqual([1]);
    expect(await consul.kv.get('txn/c')).toBeUndefined();
    const tooMany = await http(
      'PUT',
      `${agent.url}/v1/txn`,
      Array.from({ length: 65 }, (_, i) => ({ KV: { Verb: 'get', Key: `k${i}` } })),
    );
    expect(tooMany.status).toBe(413);
  });

  it('sessions and locks: acquire, LockIndex, release, destroy releases, behavior delete, renew', async () => {
    const { ID: s1 } = (await consul.session.create({ name: 'worker-1', ttl: '30s', lockdelay: '0s' })) as {
      ID: string;
    };
    const { ID: s2 } = (await consul.session.create({ name: 'worker-2', lockdelay: '0s' })) as { ID: string };
    expect(await consul.kv.set({ key: 'locks/job', value: 'w1', acquire: s1 })).toBe(true);
    expect(await consul.kv.set({ key: 'locks/job', value: 'w2', acquire: s2 })).toBeFalsy();
    const held = (await consul.kv.get('locks/job')) as KvPair;
    expect(held.Session).toBe(s1);
    expect(held.LockIndex).toBe(1);
    expect(await consul.kv.set({ key: 'locks/job', value: 'w1', release: s1 })).toBe(true);
    expect(await consul.kv.set({ key: 'locks/job', value: 'w2', acquire: s2 })).toBe(true);
    expect(((await consul.kv.get('locks/job')) as KvPair).LockIndex).toBe(2);
    await consul.session.destroy(s2);
    const released = (await consul.kv.get('locks/job')) as KvPair;
    expect(released.Session).toBeUndefined();

    const info = (await consul.session.info(s1)) as {
      ID: string;
      TTL: string;
      LockDelay: number;
      Behavior: string;
    };
    expect(info).toMatchObject({ ID: s1, TTL: '30s', LockDelay: 0, Behavior: 'release' });
    const renewed = (await consul.session.renew(s1)) as { ID: string }[];
    expect(renewed[0]?.ID).toBe(s1);
    const list = (await consul.session.list()) as { ID: string }[];
    expect(list.map((s) => s.ID)).toContain(s1);

    const { ID: s3 } = (await consul.session.create({ behavior: 'delete', lockdelay: '0s' })) as {
      ID: string;
    };
    expect(await consul.kv.set({ key: 'locks/ephemeral', value: 'x', acquire: s3 })).toBe(true);
    await consul.session.destroy(s3);
    expect(await consul.kv.get('locks/ephemeral')).toBeUndefined();

    const unknown = await http('PUT', `${agent.url}/v1/session/renew/00000000-0000-0000-0000-000000000000`);
    expect(unknown.status).toBe(404);
  });

  it('lock-delay: after a session is invalidated its keys cannot be acquired until the delay passes', async () => {
    const { ID: holder } = (await consul.session.create({ lockdelay: '2s' })) as { ID: string };
    const { ID: other } = (await consul.session.create({ lockdelay: '0s' })) as { ID: string };
    expect(await consul.kv.set({ key: 'locks/delayed', value: 'a', acquire: holder })).toBe(true);
    await consul.session.destroy(holder);
    const destroyedAt = Date.now();
    expect(await consul.kv.set({ key: 'locks/delayed', value: 'b', acquire: other })).toBeFalsy();
    let acquiredAt = 0;
    while (Date.now() - destroyedAt < 6000) {
      if (await consul.kv.set({ key: 'locks/delayed', value: 'b', acquire: other })) {
        acquiredAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(acquiredAt - destroyedAt).toBeGreaterThanOrEqual(1800);
    expect(acquiredAt).toBeGreaterThan(0);
  });

  it('bad input: oversized values, bad base64, unknown verbs, bad numbers → 4xx and nothing written', async () => {
    const big = await http('PUT', `${agent.url}/v1/kv/big`, 'x'.repeat(512 * 1024 + 1));
    expect(big.status).toBe(413);
    for (const q of ['cas=-1', 'cas=abc', 'flags=1.5', 'flags=-3', 'acquire=', 'rollback=x']) {
      const r = await http('PUT', `${agent.url}/v1/kv/bad?${q}`, 'v');
      expect(r.status, q).toBe(400);
      expect(r.text.length, q).toBeGreaterThan(0);
    }
    const idx = await http('GET', `${agent.url}/v1/kv/bad?index=-4`);
    expect(idx.status).toBe(400);
    // An object String() cannot convert is still a plain 400, not a 500.
    const odd = await http('PUT', `${agent.url}/v1/session/create`, { LockDelay: { toString: 0 } });
    expect(odd.status).toBe(400);
    expect(odd.text).toBe('LockDelay: {"toString":0} is not a duration');
    const b64 = await http('PUT', `${agent.url}/v1/txn`, [
      { KV: { Verb: 'set', Key: 'bad', Value: 'not base64!' } },
    ]);
    expect(b64.status).toBe(400);
    expect(b64.text).toMatch(/\[0\]\.KV\.Value/);
    const verb = await http('PUT', `${agent.url}/v1/txn`, [{ KV: { Verb: 'explode', Key: 'bad' } }]);
    expect(verb.status).toBe(400);
    const notList = await http('PUT', `${agent.url}/v1/txn`, { KV: {} });
    expect(notList.status).toBe(400);
    const noSession = await http(
      'PUT',
      `${agent.url}/v1/kv/bad?acquire=00000000-0000-0000-0000-000000000000`,
      'v',
    );
    expect(noSession.status).toBe(400);
    expect((await http('GET', `${agent.url}/v1/kv/bad`)).status).toBe(404);
    expect((await http('GET', `${agent.url}/v1/kv/big`)).status).toBe(404);
    const badTtl = await http('PUT', `${agent.url}/v1/session/create`, { TTL: '2s' });
    expect(badTtl.status).toBe(400);
    expect(badTtl.text).toMatch(/^TTL/);
  });
});

describe('deleted keys are forgotten after --kv-tombstone-ttl', () => {
  let agent: DevAgent;

  beforeAll(async () => {
    agent = await DevAgent.start(['--kv-tombstone-ttl', '1s']);
  });

  afterAll(async () => {
    await agent?.stop();
  });

  const tombstones = async (): Promise<number> => {
    const text = (await http('GET', `${agent.url}/v1/agent/metrics?format=prometheus`)).text;
    const line = text.split('\n').find((l) => l.startsWith('cairn_kv_tombstones '));
    if (line === undefined) throw new Error('no cairn_kv_tombstones in the metrics');
    return Number(line.split(' ')[1]);
  };

  it('keeps a deleted key’s history for the TTL, then reaps it; indexes never go back', async () => {
    for (const k of ['churn/a', 'churn/b', 'keep/c']) {
      expect((await http('PUT', `${agent.url}/v1/kv/${k}`, 'v')).status).toBe(200);
    }
    expect((await http('DELETE', `${agent.url}/v1/kv/churn?recurse`)).status).toBe(200);
    const history = await http<Version[]>('GET', `${agent.url}/v1/kv/churn/a?history`);
    expect(history.status).toBe(200);
    expect(history.json.map((v) => v.Op)).toEqual(['delete', 'set']);
    const before = Number(
      (await http('GET', `${agent.url}/v1/kv/churn/?recurse`)).headers.get('x-consul-index'),
    );
    expect(await tombstones()).toBe(2);

    const deadline = Date.now() + 15_000;
    while ((await tombstones()) !== 0) {
      if (Date.now() > deadline) throw new Error('tombstones were not reaped within 15 s of a 1 s TTL');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await http<Version[]>('GET', `${agent.url}/v1/kv/churn/a?history`)).json).toEqual([]);
    const after = await http('GET', `${agent.url}/v1/kv/churn/?recurse`);
    expect(after.status).toBe(404);
    expect(Number(after.headers.get('x-consul-index'))).toBeGreaterThanOrEqual(before);
    // Live keys and their history are untouched.
    const kept = await http<KvPair[]>('GET', `${agent.url}/v1/kv/keep/c`);
    expect(Buffer.from(kept.json[0]?.Value ?? '', 'base64').toString()).toBe('v');
    expect((await http<Version[]>('GET', `${agent.url}/v1/kv/keep/c?history`)).json).toHaveLength(1);
  }, 30_000);
});
