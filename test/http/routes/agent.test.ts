import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthEntry } from '../../support/http.js';
import { InProcessCluster, type InProcessServer, until } from '../../support/in-process.js';

async function register(s: InProcessServer, id: string, name: string, check: Record<string, unknown>) {
  await s.put('/v1/agent/service/register', { Name: name, ID: id, Port: 80, Check: check });
}

async function pass(s: InProcessServer, id: string): Promise<void> {
  await s.put(`/v1/agent/check/pass/service:${id}`);
}

async function checkStatus(
  s: InProcessServer,
  id: string,
): Promise<{ Status: string; Output: string } | undefined> {
  const r = await s.request<{ CheckID: string; Status: string; Output: string }[]>(
    'GET',
    '/v1/health/state/any',
  );
  return r.json.find((c) => c.CheckID === `service:${id}`);
}

describe('TTL checks', () => {
  let c: InProcessCluster;
  let s: InProcessServer;

  beforeAll(async () => {
    c = await InProcessCluster.start();
    s = c.dev;
  });

  afterAll(async () => {
    await c?.stop();
  });

  it("an instance that stops heartbeating is critical once its TTL has passed, not before, with Consul's output", async () => {
    await register(s, 'ttl-1', 'ttl-svc', { TTL: '1s' });
    expect((await checkStatus(s, 'ttl-1'))?.Status).toBe('critical');
    await pass(s, 'ttl-1');
    expect((await checkStatus(s, 'ttl-1'))?.Status).toBe('passing');
    const expiries = s.server.stats().ttlExpiries;
    c.clock.advance(900);
    await c.expiryRound();
    expect(s.server.stats().ttlExpiries, 'nothing expires before its TTL').toBe(expiries);
    expect((await checkStatus(s, 'ttl-1'))?.Status).toBe('passing');
    c.clock.advance(200);
    const critical = await until('the check to expire', async () => {
      const check = await checkStatus(s, 'ttl-1');
      return check?.Status === 'critical' ? check : undefined;
    });
    expect(critical.Output).toBe('TTL expired');
    const passing = await s.request<HealthEntry[]>('GET', '/v1/health/service/ttl-svc?passing');
    expect(passing.json).toEqual([]);
  });

  it('heartbeats keep it passing, with no replicated write per heartbeat', async () => {
    await register(s, 'ttl-2', 'ttl-svc2', { TTL: '1s', Status: 'passing' });
    const before = await s.request('GET', '/v1/health/service/ttl-svc2');
    const index = before.headers.get('x-consul-index');
    const expiries = s.server.stats().ttlExpiries;
    // 2.5 s of clock, twice the TTL, with a heartbeat every 250 ms of it.
    for (let i = 0; i < 10; i++) {
      await pass(s, 'ttl-2');
      c.clock.advance(250);
      await c.expiryRound();
    }
    expect(s.server.stats().ttlExpiries).toBe(expiries);
    expect((await checkStatus(s, 'ttl-2'))?.Status).toBe('passing');
    const after = await s.request('GET', '/v1/health/service/ttl-svc2');
    expect(after.headers.get('x-consul-index'), 'heartbeats must not change the index').toBe(index);
  });

  it("a TTL update for a check without a TTL is a 500 with Consul's text; an unknown one is a 404", async () => {
    await s.put('/v1/catalog/register', {
      Node: 'ext',
      Address: '10.9.9.9',
      Check: { CheckID: 'ext-check', Name: 'external', Status: 'passing' },
    });
    const notTtl = await s.request('PUT', '/v1/agent/check/pass/ext-check');
    expect(notTtl.status).toBe(500);
    expect(notTtl.text).toContain('does not have associated TTL');
    const unknown = await s.request('PUT', '/v1/agent/check/pass/no-such-check');
    expect(unknown.status).toBe(404);
  });

  it('a service critical for longer than DeregisterCriticalServiceAfter is removed', async () => {
    await register(s, 'reap-1', 'reap-svc', { TTL: '500ms', DeregisterCriticalServiceAfter: '1s' });
    expect((await s.request<unknown[]>('GET', '/v1/catalog/service/reap-svc')).json).toHaveLength(1);
    c.clock.advance(1500);
    await until('the reaper to remove the service', async () => {
      const r = await s.request<unknown[]>('GET', '/v1/catalog/service/reap-svc');
      return r.json.length === 0 ? true : undefined;
    });
    const missing = await s.request('GET', '/v1/agent/service/reap-1');
    expect(missing.status).toBe(404);
  });
});

describe('self-preservation', () => {
  let c: InProcessCluster;
  let s: InProcessServer;

  beforeAll(async () => {
    c = await InProcessCluster.start({
      server: { selfPreservationMinChecks: 10, selfPreservationShare: 0.5 },
    });
    s = c.dev;
  });

  afterAll(async () => {
    await c?.stop();
  });

  async function selfPreservation(): Promise<boolean> {
    const m = await s.request('GET', '/v1/agent/metrics?format=prometheus');
    const line = m.text.split('\n').find((l) => l.startsWith('cairn_self_preservation '));
    return line?.endsWith(' 1') ?? false;
  }

  it('engages when most heartbeats stop at once, keeps the rest passing, and releases when they recover', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `sp-${i}`);
    for (const id of ids) await register(s, id, 'sp-svc', { TTL: '2s', Status: 'passing' });
    const beat = async (which: string[]) => Promise.all(which.map((id) => pass(s, id)));
    await beat(ids);
    expect(await selfPreservation()).toBe(false);
    const kept = ids.slice(0, 5);
    const stopped = ids.slice(5);
    // 5 s of clock, 2.5 TTLs: the kept five heartbeat every 400 ms of it, the other fifteen not at all.
    for (let t = 0; t < 5000; t += 400) {
      await beat(kept);
      c.clock.advance(400);
      await c.expiryRound();
    }
    expect(await selfPreservation()).toBe(true);
    const healthy = await s.request<HealthEntry[]>('GET', '/v1/health/service/sp-svc?passing');
    const passingIds = new Set(healthy.json.map((e) => e.Service.ID));
    for (const id of kept) expect(passingIds.has(id), `${id} kept heartbeating`).toBe(true);
    // Expiry paused before most of the silent ones were expired.
    expect(healthy.json.length).toBeGreaterThan(10);
    await beat(ids);
    await until('self-preservation to release', async () => ((await selfPreservation()) ? undefined : true));
    for (const id of stopped.slice(0, 3)) expect((await checkStatus(s, id))?.Status).toBe('passing');
  });
});
