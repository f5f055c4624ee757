import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessCluster, type InProcessServer } from '../../support/in-process.js';

interface KvPair {
  Key: string;
  Value: string | null;
  ModifyIndex: number;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('transactions', () => {
  let c: InProcessCluster;
  let s: InProcessServer;

  beforeAll(async () => {
    c = await InProcessCluster.start();
    s = c.dev;
  });

  afterAll(async () => {
    await c?.stop();
  });

  it('apply all or nothing (409 with the errors); more than 64 operations is a 413', async () => {
    const ok = await s.request<{ Results: { KV: KvPair }[]; Errors: unknown }>('PUT', '/v1/txn', [
      { KV: { Verb: 'set', Key: 'txn/a', Value: b64('1') } },
      { KV: { Verb: 'set', Key: 'txn/b', Value: b64('2') } },
      { KV: { Verb: 'get', Key: 'txn/a' } },
    ]);
    expect(ok.status).toBe(200);
    expect(ok.json.Results).toHaveLength(3);
    expect(Buffer.from(ok.json.Results[2]?.KV.Value ?? '', 'base64').toString()).toBe('1');
    const a = (await s.request<KvPair[]>('GET', '/v1/kv/txn/a')).json[0] as KvPair;
    const failed = await s.request<{ Errors: { OpIndex: number; What: string }[] }>('PUT', '/v1/txn', [
      { KV: { Verb: 'set', Key: 'txn/c', Value: b64('3') } },
      { KV: { Verb: 'cas', Key: 'txn/a', Value: 'eA==', Index: a.ModifyIndex + 5 } },
    ]);
    expect(failed.status).toBe(409);
    expect(failed.json.Errors.map((e) => e.OpIndex)).toEqual([1]);
    expect((await s.request('GET', '/v1/kv/txn/c')).status).toBe(404);
    const tooMany = await s.request(
      'PUT',
      '/v1/txn',
      Array.from({ length: 65 }, (_, i) => ({ KV: { Verb: 'get', Key: `k${i}` } })),
    );
    expect(tooMany.status).toBe(413);
  });

  it('bad input: bad base64, unknown verbs, not a list → 400 and nothing written', async () => {
    const badValue = await s.request('PUT', '/v1/txn', [
      { KV: { Verb: 'set', Key: 'bad', Value: 'not base64!' } },
    ]);
    expect(badValue.status).toBe(400);
    expect(badValue.text).toMatch(/\[0\]\.KV\.Value/);
    const verb = await s.request('PUT', '/v1/txn', [{ KV: { Verb: 'explode', Key: 'bad' } }]);
    expect(verb.status).toBe(400);
    const notList = await s.request('PUT', '/v1/txn', { KV: {} });
    expect(notList.status).toBe(400);
    expect((await s.request('GET', '/v1/kv/bad')).status).toBe(404);
  });
});
