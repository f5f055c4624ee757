import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../cluster/index.js';
import { DevAgent } from '../support/agent.js';
import { type HealthEntry, http } from '../support/http.js';

async function register(
  agent: DevAgent,
  id: string,
  name: string,
  check: Record<string, unknown>,
): Promise<void> {
  const r = await http('PUT', `${agent.url}/v1/agent/service/register`, {
    Name: name,
    ID: id,
    Port: 80,
    Check: check,
  });
  expect(r.status, r.text).toBe(200);
}

async function pass(agent: DevAgent, id: string): Promise<void> {
  const r = await http('PUT', `${agent.url}/v1/agent/check/pass/service:${id}`);
  expect(r.status, r.text).toBe(200);
}

async function checkStatus(
  agent: DevAgent,
  id: string,
): Promise<{ Status: string; Output: string } | undefined> {
  const r = await http<{ CheckID: string; Status: string; Output: string }[]>(
    'GET',
    `${agent.url}/v1/health/state/any`,
  );
  return r.json.find((c) => c.CheckID === `service:${id}`);
}

describe('TTL checks on a real agent', () => {
  let agent: DevAgent;

  beforeAll(async () => {
    agent = await DevAgent.start();
  });

  afterAll(async () => {
    await agent?.stop();
  });

  it("an instance that stops heartbeating is critical within TTL + 1 s, with Consul's output", async () => {
    await register(agent, 'ttl-1', 'ttl-svc', { TTL: '1s' });
    expect((await checkStatus(agent, 'ttl-1'))?.Status).toBe('critical');
    await pass(agent, 'ttl-1');
    expect((await checkStatus(agent, 'ttl-1'))?.Status).toBe('passing');
    const lastBeat = Date.now();
    const critical = await waitUntil(
      'the check to expire',
      async () => {
        const c = await checkStatus(agent, 'ttl-1');
        return c?.Status === 'critical' ? { c, at: Date.now() } : undefined;
      },
      10_000,
    );
    expect(critical.c.Output).toBe('TTL expired');
    expect(critical.at - lastBeat).toBeGreaterThanOrEqual(900);
    expect(critical.at - lastBeat, 'critical within TTL + 1 s').toBeLessThanOrEqual(2000 + 150);
    const passing = await http<HealthEntry[]>('GET', `${agent.url}/v1/health/service/ttl-svc?passing`);
    expect(passing.json).toEqual([]);
  });

  it('heartbeats keep it passing, with no replicated write per heartbeat', async () => {
    await register(agent, 'ttl-2', 'ttl-svc2', { TTL: '1s', Status: 'passing' });
    const before = await http('GET', `${agent.url}/v1/health/service/ttl-svc2`);
    const index = before.headers.get('x-consul-index');
    for (let i = 0; i < 10; i++) {
      await pass(agent, 'ttl-2');
      await new Promise((r) => setTimeout(r, 250));
    }
    expect((await checkStatus(agent, 'ttl-2'))?.Status).toBe('passing');
    const after = await http('GET', `${agent.url}/v1/health/service/ttl-svc2`);
    expect(after.headers.get('x-consul-index'), 'heartbeats must not change the index').toBe(index);
  });

  it("a TTL update for a check without a TTL is a 500 with Consul's text; an unknown one is a 404", async () => {
    const cat = await http('PUT', `${agent.url}/v1/catalog/register`, {
      Node: 'ext',
      Address: '10.9.9.9',
      Check: { CheckID: 'ext-check', Name: 'external', Status: 'passing' },
    });
    expect(cat.status, cat.text).toBe(200);
    const notTtl = await http('PUT', `${agent.url}/v1/agent/check/pass/ext-check`);
    expect(notTtl.status).toBe(500);
    expect(notTtl.text).toContain('does not have associated TTL');
    const unknown = await http('PUT', `${agent.url}/v1/agent/check/pass/no-such-check`);
    expect(unknown.status).toBe(404);
  });

  it('a service critical for longer than DeregisterCriticalServiceAfter is removed', async () => {
    await register(agent, 'reap-1', 'reap-svc', { TTL: '500ms', DeregisterCriticalServiceAfter: '1s' });
    const gone = await waitUntil(
      'the reaper to remove the service',
      async () => {
        const r = await http<unknown[]>('GET', `${agent.url}/v1/catalog/service/reap-svc`);
        return r.json.length === 0 ? true : undefined;
      },
      10_000,
    );
    expect(gone).toBe(true);
    const missing = await http('GET', `${agent.url}/v1/agent/service/reap-1`);
    expect(missing.status).toBe(404);
  });
});

describe('self-preservation on a real agent', () => {
  let agent: DevAgent;

  beforeAll(async () => {
    agent = await DevAgent.start([
      '--self-preservation-min-checks',
      '10',
      '--self-preservation-share',
      '0.5',
    ]);
  });

  afterAll(async () => {
    await agent?.stop();
  });

  async function selfPreservation(): Promise<boolean> {
    const m = await http('GET', `${agent.url}/v1/agent/metrics?format=prometheus`);
    const line = m.text.split('\n').find((l) => l.startsWith('cairn_self_preservation '));
    return line?.endsWith(' 1') ?? false;
  }

  it('engages when most heartbeats stop at once, keeps the rest passing, and releases when they recover', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `sp-${i}`);
    for (const id of ids) await register(agent, id, 'sp-svc', { TTL: '2s', Status: 'passing' });
    const beat = async (which: string[]) => Promise.all(which.map((id) => pass(agent, id)));
    await beat(ids);
    expect(await selfPreservation()).toBe(false);
    const kept = ids.slice(0, 5);
    const stopped = ids.slice(5);
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      await beat(kept);
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(await selfPreservation()).toBe(true);
    const healthy = await http<HealthEntry[]>('GET', `${agent.url}/v1/health/service/sp-svc?passing`);
    const passingIds = new Set(healthy.json.map((e) => e.Service.ID));
    for (const id of kept) expect(passingIds.has(id), `${id} kept heartbeating`).toBe(true);
    // Expiry paused before most of the silent ones were expired.
    expect(healthy.json.length).toBeGreaterThan(10);
    await beat(ids);
    await waitUntil(
      'self-preservation to release',
      async () => ((await selfPreservation()) ? undefined : true),
      5000,
    );
    for (const id of stopped.slice(0, 3)) expect((await checkStatus(agent, id))?.Status).toBe('passing');
  });
});
