import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessCluster, type InProcessServer, until } from '../../support/in-process.js';
import { mulberry32 as rng } from '../../support/random.js';

interface KvPair {
  Key: string;
  Value: string | null;
  ModifyIndex: number;
  LockIndex: number;
  Session?: string;
}

const decode = (v: string | null | undefined) => Buffer.from(v ?? '', 'base64').toString();
const turn = () => new Promise((r) => setImmediate(r));

/**
 * The config center on three servers in process: CAS races and a contended lock through
 * different servers (writes forwarded to the leader), and a lock lost when its session expires.
 * (History across restarts and snapshot installs on real processes: integration/kv-cluster.test.ts.)
 */
describe('KV on a three-server cluster', () => {
  const seed = Number(process.env.CAIRN_TEST_SEED ?? Date.now() % 100_000);
  const random = rng(seed);
  let c: InProcessCluster;

  beforeAll(async () => {
    c = await InProcessCluster.start({ size: 3, seed });
  });

  afterAll(async () => {
    await c?.stop();
  });

  const any = (): InProcessServer => c.servers[Math.floor(random() * c.servers.length)] as InProcessServer;

  it('20 clients incrementing one counter with ?cas through different servers: final value = successful CAS answers', async () => {
    await c.dev.put('/v1/kv/counter', '0');
    let acknowledged = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        // Bounded by count: until 60 increments are acknowledged in all (each client gives up after 200 tries).
        for (let attempt = 0; attempt < 200 && acknowledged < 60; attempt++) {
          const cur = await any().request<KvPair[]>('GET', '/v1/kv/counter');
          const pair = cur.json[0] as KvPair;
          const next = Number(decode(pair.Value)) + 1;
          const w = await any().request('PUT', `/v1/kv/counter?cas=${pair.ModifyIndex}`, String(next));
          expect(w.status, `seed ${seed}: ${w.text}`).toBe(200);
          if (w.json === true) acknowledged++;
        }
      }),
    );
    expect(acknowledged, `seed ${seed}`).toBeGreaterThan(20);
    for (const s of c.servers) {
      // A default read is as fresh as the leader's commit on every server.
      const final = await s.request<KvPair[]>('GET', '/v1/kv/counter');
      expect(Number(decode(final.json[0]?.Value)), `seed ${seed}: value on ${s.name}`).toBe(acknowledged);
    }
  });

  it('10 contenders for a lock: never two holders, LockIndex fences each new holder', async () => {
    let holder: string | null = null;
    const violations: string[] = [];
    const fences: number[] = [];
    let acquisitions = 0;
    await Promise.all(
      Array.from({ length: 10 }, async (_, n) => {
        const me = `client-${n}`;
        const server = c.servers[n % 3] as InProcessServer;
        const created = await server.request<{ ID: string }>('PUT', '/v1/session/create', {
          Name: me,
          TTL: '10s',
          LockDelay: '0s',
        });
        expect(created.status, created.text).toBe(200);
        const session = created.json.ID;
        // Bounded by count, not time: 40 acquisitions shared among the ten.
        for (let attempt = 0; attempt < 400 && acquisitions < 40; attempt++) {
          const got = await any().request('PUT', `/v1/kv/locks/leader?acquire=${session}`, me);
          if (got.json !== true) {
            for (let i = Math.floor(random() * 4); i >= 0; i--) await turn();
            continue;
          }
          acquisitions++;
          if (holder !== null) violations.push(`seed ${seed}: ${me} acquired while ${holder} held the lock`);
          holder = me;
          const seen = await any().request<KvPair[]>('GET', '/v1/kv/locks/leader?consistent');
          const pair = seen.json[0] as KvPair;
          if (pair.Session !== session)
            violations.push(`seed ${seed}: ${me} holds but the key names ${pair.Session}`);
          fences.push(pair.LockIndex);
          for (let i = Math.floor(random() * 4); i >= 0; i--) await turn();
          holder = null;
          const rel = await any().request('PUT', `/v1/kv/locks/leader?release=${session}`, me);
          expect(rel.json, `seed ${seed}: release by ${me}`).toBe(true);
        }
        await server.put(`/v1/session/destroy/${session}`);
      }),
    );
    expect(violations).toEqual([]);
    expect(fences.length).toBeGreaterThan(10);
    for (let i = 1; i < fences.length; i++)
      expect(fences[i], `seed ${seed}: fencing tokens ${fences.join(',')}`).toBeGreaterThan(
        fences[i - 1] as number,
      );
  });

  it('a holder whose session expires keeps the lock for its TTL and loses it within TTL x 2 + lock-delay', async () => {
    const s = c.servers[1] as InProcessServer;
    // Any new term from here on restarts the session's timer (below).
    let term = c.leader().server.status().term;
    const holder = (
      (await s.put('/v1/session/create', { TTL: '10s', LockDelay: '1s' })).json as { ID: string }
    ).ID;
    const other = ((await s.put('/v1/session/create', { LockDelay: '0s' })).json as { ID: string }).ID;
    expect((await s.put(`/v1/kv/locks/expiring?acquire=${holder}`, 'a')).json).toBe(true);
    const tryOther = async () =>
      (await any().request('PUT', `/v1/kv/locks/expiring?acquire=${other}`, 'b')).json === true;

    // The leader starts timing a session at the first expiry round that sees it.
    await c.expiryRound();
    // Just short of the TTL (after an expiry round that saw it), the holder still has it.
    c.clock.advance(9_900);
    await c.expiryRound();
    expect(await tryOther(), `seed ${seed}`).toBe(false);
    // At TTL x 2 the session has surely expired (Consul allows up to twice the TTL)...
    c.clock.advance(10_100);
    await until('the session to expire', async () => {
      // A new term (another leader, or the same one re-elected on a loaded machine) restarts every
      // session's timer, as Consul does; on a standing clock it would then never expire, so once
      // the new leader has seen the session (a round of its own), the clock moves on by TTL x 2.
      const now = c.leader().server.status().term;
      if (now !== term) {
        term = now;
        await c.expiryRound();
        c.clock.advance(20_100);
        await c.expiryRound();
      }
      const info = await s.request<unknown[]>('GET', `/v1/session/info/${holder}`);
      return info.json.length === 0 ? true : undefined;
    });
    // ...and its lock-delay (1 s, from when it ended) must pass before another can take the key.
    expect(await tryOther(), `seed ${seed}: within the lock-delay`).toBe(false);
    c.clock.advance(1_100);
    expect(await tryOther(), `seed ${seed}: after TTL x 2 + lock-delay`).toBe(true);
  });
});
