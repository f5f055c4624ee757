import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthEntry } from '../../support/http.js';
import { InProcessCluster, type InProcessServer, until } from '../../support/in-process.js';

/** Balanced healthy lookups through the HTTP API (the strategies' own properties are in test/balance). */
describe('balanced lookups: /v1/health/service/<name>?passing&lb=', () => {
  let c: InProcessCluster;
  let s: InProcessServer;
  const url = (q: string) => `/v1/health/service/${q}`;
  const ids = async (q: string) =>
    (await s.request<HealthEntry[]>('GET', url(q))).json.map((e) => e.Service.ID);

  beforeAll(async () => {
    c = await InProcessCluster.start();
    s = c.dev;
    const reg = async (body: Record<string, unknown>) => {
      await s.put('/v1/agent/service/register', body);
    };
    for (let i = 0; i < 4; i++) {
      await reg({
        Name: 'api',
        ID: `api-${i}`,
        Port: 9000 + i,
        Weights: { Passing: i === 0 ? 3 : 1, Warning: 1 },
        Check: { TTL: '60s', Status: 'passing' },
      });
    }
    await reg({ Name: 'api', ID: 'api-sick', Port: 9100, Check: { TTL: '60s' } });
    await reg({ Name: 'db', ID: 'db-primary', Port: 5432, Meta: { priority: '0' }, Check: { TTL: '60s' } });
    await reg({
      Name: 'db',
      ID: 'db-backup',
      Port: 5433,
      Meta: { priority: '1' },
      Check: { TTL: '60s', Status: 'passing' },
    });
    await reg({
      Name: 'fragile',
      ID: 'fr-1',
      Port: 1,
      Meta: { protection_threshold: '0.5' },
      Check: { TTL: '60s', Status: 'passing' },
    });
    for (let i = 2; i <= 4; i++)
      await reg({ Name: 'fragile', ID: `fr-${i}`, Port: i, Check: { TTL: '60s' } });
  });

  afterAll(async () => {
    await c?.stop();
  });

  it('passing excludes the critical instance; round robin rotates the first pick over all healthy ones', async () => {
    const firsts: string[] = [];
    for (let i = 0; i < 8; i++) {
      const list = await ids('api?passing&lb=round_robin');
      firsts.push(list[0] as string);
      expect([...list].sort()).toEqual(['api-0', 'api-1', 'api-2', 'api-3']);
    }
    const counts = new Map<string, number>();
    for (const f of firsts) counts.set(f, (counts.get(f) ?? 0) + 1);
    expect([...counts.values()]).toEqual([2, 2, 2, 2]);
  });

  it('weighted follows Weights.Passing', async () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const first = (await ids('api?passing&lb=weighted'))[0] as string;
      counts.set(first, (counts.get(first) ?? 0) + 1);
    }
    expect(counts.get('api-0')).toBe(30);
    expect(counts.get('api-1')).toBe(10);
  });

  it('hash keeps a key on one instance; limit trims', async () => {
    const a = await ids('api?passing&lb=hash&key=user-42');
    const b = await ids('api?passing&lb=hash&key=user-42');
    expect(a[0]).toBe(b[0]);
    expect(await ids('api?passing&lb=hash&key=user-42&limit=2')).toEqual(a.slice(0, 2));
    const noKey = await s.request('GET', url('api?passing&lb=hash'));
    expect(noKey.status).toBe(400);
    expect(noKey.text).toMatch(/^key/);
    const bad = await s.request('GET', url('api?passing&lb=fastest'));
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/^lb/);
  });

  it('priority falls back to the backup group only while the primary has no healthy instance', async () => {
    expect(await ids('db?passing&lb=priority')).toEqual(['db-backup']);
    const pass = await s.request('PUT', '/v1/agent/check/pass/service:db-primary');
    expect(pass.status).toBe(200);
    expect(await ids('db?passing&lb=priority')).toEqual(['db-primary']);
  });

  it('the protection threshold returns every instance, marked, when too few are healthy', async () => {
    const r = await s.request<HealthEntry[]>('GET', url('fragile?passing'));
    expect(r.json.map((e) => e.Service.ID).sort()).toEqual(['fr-1', 'fr-2', 'fr-3', 'fr-4']);
    expect(r.headers.get('x-cairn-protection-threshold')).toBe('engaged');
    const plain = await s.request<HealthEntry[]>('GET', url('api?passing'));
    expect(plain.headers.get('x-cairn-protection-threshold')).toBeNull();
  });

  it('least_load prefers instances that report a lower load with their heartbeats', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await s.request('PUT', `/v1/agent/check/update/service:api-${i}`, {
        Status: 'passing',
        Load: i === 2 ? 0.1 : 5,
      });
      expect(r.status, r.text).toBe(200);
    }
    // Loads are replicated by the leader once a second: wait until all four are.
    await until('the loads to be replicated', async () => {
      for (let i = 0; i < 4; i++) {
        const svc = await s.request<{ Load?: number }>('GET', `/v1/agent/service/api-${i}`);
        if (svc.json.Load !== (i === 2 ? 0.1 : 5)) return undefined;
      }
      return true;
    });
    const firsts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const first = (await ids('api?passing&lb=least_load'))[0] as string;
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    // Two random choices out of four: the least loaded wins whenever it is drawn (half the time,
    // ~150 of 300), each other instance about a sixth of the time (~50, sd ~6.5). Uniform picking
    // would give each ~75; 1.5 times the others is many deviations from both.
    const low = firsts.get('api-2') ?? 0;
    for (const other of ['api-0', 'api-1', 'api-3']) {
      expect(low, `api-2 first ${low} times vs ${other} ${firsts.get(other) ?? 0}`).toBeGreaterThan(
        1.5 * (firsts.get(other) ?? 0),
      );
    }
    const svc = await s.request<{ Load?: number }>('GET', '/v1/agent/service/api-2');
    expect(svc.json.Load).toBe(0.1);
  });

  it('filter and tag narrow the answer', async () => {
    expect(await ids('api?passing&filter=Service.Port%20%3D%3D%209001')).toEqual(['api-1']);
    const bad = await s.request('GET', url('api?filter=Service.Port%20%3D%3D'));
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/^filter/);
  });
});
