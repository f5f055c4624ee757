import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessCluster, type InProcessServer } from '../../support/in-process.js';

interface KvPair {
  Key: string;
  LockIndex: number;
  Session?: string;
}

interface SessionInfo {
  ID: string;
  TTL: string;
  LockDelay: number;
  Behavior: string;
}

describe('sessions and locks', () => {
  let c: InProcessCluster;
  let s: InProcessServer;

  const create = async (body: Record<string, unknown>): Promise<string> =>
    ((await s.put('/v1/session/create', body)).json as { ID: string }).ID;
  const acquire = async (key: string, value: string, session: string): Promise<unknown> =>
    (await s.put(`/v1/kv/${key}?acquire=${session}`, value)).json;
  const get = async (key: string): Promise<KvPair | undefined> => {
    const r = await s.request<KvPair[]>('GET', `/v1/kv/${key}`);
    return r.status === 404 ? undefined : r.json[0];
  };

  beforeAll(async () => {
    c = await InProcessCluster.start();
    s = c.dev;
  });

  afterAll(async () => {
    await c?.stop();
  });

  it('acquire, LockIndex, release, destroy releases, behavior delete, renew', async () => {
    const s1 = await create({ Name: 'worker-1', TTL: '30s', LockDelay: '0s' });
    const s2 = await create({ Name: 'worker-2', LockDelay: '0s' });
    expect(await acquire('locks/job', 'w1', s1)).toBe(true);
    expect(await acquire('locks/job', 'w2', s2)).toBe(false);
    const held = await get('locks/job');
    expect(held?.Session).toBe(s1);
    expect(held?.LockIndex).toBe(1);
    expect((await s.put(`/v1/kv/locks/job?release=${s1}`, 'w1')).json).toBe(true);
    expect(await acquire('locks/job', 'w2', s2)).toBe(true);
    expect((await get('locks/job'))?.LockIndex).toBe(2);
    await s.put(`/v1/session/destroy/${s2}`);
    expect((await get('locks/job'))?.Session).toBeUndefined();

    const info = await s.request<SessionInfo[]>('GET', `/v1/session/info/${s1}`);
    expect(info.json[0]).toMatchObject({ ID: s1, TTL: '30s', LockDelay: 0, Behavior: 'release' });
    const renewed = await s.put(`/v1/session/renew/${s1}`);
    expect((renewed.json as { ID: string }[])[0]?.ID).toBe(s1);
    const list = await s.request<{ ID: string }[]>('GET', '/v1/session/list');
    expect(list.json.map((x) => x.ID)).toContain(s1);

    const s3 = await create({ Behavior: 'delete', LockDelay: '0s' });
    expect(await acquire('locks/ephemeral', 'x', s3)).toBe(true);
    await s.put(`/v1/session/destroy/${s3}`);
    expect(await get('locks/ephemeral')).toBeUndefined();

    const unknown = await s.request('PUT', '/v1/session/renew/00000000-0000-0000-0000-000000000000');
    expect(unknown.status).toBe(404);
  });

  it('lock-delay: after a session is invalidated its keys cannot be acquired until the delay passes', async () => {
    const holder = await create({ LockDelay: '2s' });
    const other = await create({ LockDelay: '0s' });
    expect(await acquire('locks/delayed', 'a', holder)).toBe(true);
    await s.put(`/v1/session/destroy/${holder}`);
    expect(await acquire('locks/delayed', 'b', other)).toBe(false);
    // Lock-delay runs on the leader's wall clock: just short of 2 s later it still holds...
    c.clock.advance(1800);
    expect(await acquire('locks/delayed', 'b', other)).toBe(false);
    // ...and once 2 s have passed the key can be had.
    c.clock.advance(300);
    expect(await acquire('locks/delayed', 'b', other)).toBe(true);
    expect((await get('locks/delayed'))?.Session).toBe(other);
  });

  it('bad input: a LockDelay String() cannot convert, a TTL under 10 s → 400 naming the field', async () => {
    const odd = await s.request('PUT', '/v1/session/create', { LockDelay: { toString: 0 } });
    expect(odd.status).toBe(400);
    expect(odd.text).toBe('LockDelay: {"toString":0} is not a duration');
    const badTtl = await s.request('PUT', '/v1/session/create', { TTL: '2s' });
    expect(badTtl.status).toBe(400);
    expect(badTtl.text).toMatch(/^TTL/);
  });
});
