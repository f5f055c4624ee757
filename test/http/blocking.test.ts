import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthEntry } from '../support/http.js';
import { InProcessCluster, type InProcessServer, until } from '../support/in-process.js';

/** Consul's blocking-query headers and semantics, on a dev server in process. */
describe('blocking queries', () => {
  let c: InProcessCluster;
  let s: InProcessServer;

  beforeAll(async () => {
    c = await InProcessCluster.start();
    s = c.dev;
  });

  afterAll(async () => {
    await c?.stop();
  });

  it('X-Consul-Index is never 0; a query above the index waits for a change; wait= times out with the same index', async () => {
    const first = await s.request('GET', '/v1/health/service/nothing-here');
    expect(Number(first.headers.get('x-consul-index'))).toBeGreaterThanOrEqual(1);
    expect(first.headers.get('x-consul-knownleader')).toBe('true');
    expect(first.headers.get('x-consul-lastcontact')).toMatch(/^\d+$/);
    const index = Number(first.headers.get('x-consul-index'));
    let answered = false;
    const waited = s.request<HealthEntry[]>('GET', `/v1/health/service/nothing-here?index=${index}&wait=10s`);
    void waited.then(() => {
      answered = true;
    });
    await until('the query to be parked', () => (s.server.view.hub.size > 0 ? true : undefined));
    expect(answered, 'nothing changed yet: still waiting').toBe(false);
    await s.put('/v1/agent/service/register', {
      Name: 'nothing-here',
      ID: 'nh-1',
      Port: 3,
      Check: { Name: 'alive', TTL: '30s' },
    });
    const r = await waited;
    expect(Number(r.headers.get('x-consul-index'))).toBeGreaterThan(index);
    expect(r.json.map((h) => h.Service.ID)).toEqual(['nh-1']);
    const timedOut = await s.request(
      'GET',
      `/v1/health/service/nothing-here?index=${r.headers.get('x-consul-index')}&wait=300ms`,
    );
    expect(timedOut.status).toBe(200);
    expect(timedOut.headers.get('x-consul-index')).toBe(r.headers.get('x-consul-index'));
  });

  it('?stale with ?consistent is a 400 with Consul’s text', async () => {
    const conflicting = await s.request('GET', '/v1/catalog/services?stale&consistent');
    expect(conflicting.status).toBe(400);
    expect(conflicting.text).toBe('Cannot specify ?stale with ?consistent, conflicting semantics.');
  });
});
