import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessCluster, type InProcessServer } from '../../support/in-process.js';

interface AgentHealthJson {
  AggregatedStatus: string;
  Service: { ID: string; Service: string; Port: number };
  Checks: { CheckID: string; Status: string }[];
}

/**
 * Endpoints Consul clients call that cairn answers with Consul's semantics (issue: a drop-in for
 * Consul's clients): agent service health by name and ID, node services, version, host,
 * coordinates, ACL endpoints while ACLs are off, and unknown endpoints with the query headers.
 */
describe("Consul's agent, catalog and coordinate endpoints", () => {
  let c: InProcessCluster;
  let s: InProcessServer;

  beforeAll(async () => {
    c = await InProcessCluster.start();
    s = c.dev;
    for (const [id, port] of [
      ['web-1', 81],
      ['web-2', 82],
    ] as const) {
      await s.put('/v1/agent/service/register', { Name: 'web', ID: id, Port: port, Check: { TTL: '30s' } });
    }
  });

  afterAll(async () => {
    await c?.stop();
  });

  it('agent health by ID: the status code carries the health (503 critical, 429 warning, 200 passing)', async () => {
    let r = await s.request<AgentHealthJson>('GET', '/v1/agent/health/service/id/web-1');
    expect(r.status).toBe(503);
    expect(r.json.AggregatedStatus).toBe('critical');
    expect(r.json.Service).toMatchObject({ ID: 'web-1', Service: 'web', Port: 81 });
    expect(r.json.Checks.map((x) => x.CheckID)).toEqual(['service:web-1']);

    await s.put('/v1/agent/check/warn/service:web-1');
    r = await s.request<AgentHealthJson>('GET', '/v1/agent/health/service/id/web-1');
    expect([r.status, r.json.AggregatedStatus]).toEqual([429, 'warning']);

    await s.put('/v1/agent/check/pass/service:web-1');
    r = await s.request<AgentHealthJson>('GET', '/v1/agent/health/service/id/web-1');
    expect([r.status, r.json.AggregatedStatus]).toEqual([200, 'passing']);

    const text = await s.request('GET', '/v1/agent/health/service/id/web-1?format=text');
    expect([text.status, text.text]).toEqual([200, 'passing']);
    const accept = await s.request('GET', '/v1/agent/health/service/id/web-1', undefined, {
      accept: 'text/plain',
    });
    expect(accept.text).toBe('passing');
  });

  it('agent health by ID of an unknown instance is 404 naming it', async () => {
    const r = await s.request('GET', '/v1/agent/health/service/id/nope');
    expect([r.status, r.text]).toEqual([404, 'ServiceId nope not found']);
  });

  it('agent health by name lists every instance and answers with the worst status', async () => {
    await s.put('/v1/agent/check/pass/service:web-1');
    await s.put('/v1/agent/check/fail/service:web-2');
    let r = await s.request<AgentHealthJson[]>('GET', '/v1/agent/health/service/name/web');
    expect(r.status).toBe(503);
    expect(r.json.map((e) => [e.Service.ID, e.AggregatedStatus])).toEqual([
      ['web-1', 'passing'],
      ['web-2', 'critical'],
    ]);
    await s.put('/v1/agent/check/warn/service:web-2');
    r = await s.request<AgentHealthJson[]>('GET', '/v1/agent/health/service/name/web');
    expect(r.status).toBe(429);
    const text = await s.request('GET', '/v1/agent/health/service/name/web?format=text');
    expect([text.status, text.text]).toEqual([429, 'warning']);

    const none = await s.request('GET', '/v1/agent/health/service/name/ghost?format=text');
    expect([none.status, none.text]).toEqual([404, 'ServiceName ghost Not Found']);
    const noneJson = await s.request('GET', '/v1/agent/health/service/name/ghost');
    expect([noneJson.status, noneJson.json]).toEqual([404, []]);
  });

  it('service maintenance makes the aggregated status "maintenance" with 503', async () => {
    await s.put('/v1/agent/check/pass/service:web-1');
    await s.put('/v1/agent/service/maintenance/web-1?enable=true');
    const r = await s.request<AgentHealthJson>('GET', '/v1/agent/health/service/id/web-1');
    expect([r.status, r.json.AggregatedStatus]).toEqual([503, 'maintenance']);
    await s.put('/v1/agent/service/maintenance/web-1?enable=false');
    const after = await s.request<AgentHealthJson>('GET', '/v1/agent/health/service/id/web-1');
    expect([after.status, after.json.AggregatedStatus]).toEqual([200, 'passing']);
  });

  it('catalog node-services gives the node and its services as a list, with the query headers', async () => {
    const r = await s.request<{ Node: { Node: string }; Services: { ID: string }[] }>(
      'GET',
      `/v1/catalog/node-services/${s.name}`,
    );
    expect(r.status).toBe(200);
    expect(r.json.Node.Node).toBe(s.name);
    expect(r.json.Services.map((x) => x.ID)).toEqual(['web-1', 'web-2']);
    expect(Number(r.headers.get('x-consul-index'))).toBeGreaterThan(0);
    const filtered = await s.request<{ Services: { ID: string }[] }>(
      'GET',
      `/v1/catalog/node-services/${s.name}?filter=${encodeURIComponent('Port == 82')}`,
    );
    expect(filtered.json.Services.map((x) => x.ID)).toEqual(['web-2']);
    const unknown = await s.request('GET', '/v1/catalog/node-services/ghost');
    expect([unknown.status, unknown.text]).toEqual([200, 'null']);
  });

  it("agent version names the Consul API version and cairn's own", async () => {
    const r = await s.request<Record<string, string>>('GET', '/v1/agent/version');
    expect(r.status).toBe(200);
    expect(r.json.HumanVersion).toMatch(/^1\.\d+\.\d+$/);
    expect(r.json.CairnVersion).toMatch(/^\d+\.\d+\.\d+/);
    const self = await s.request<{ Config: { Version: string } }>('GET', '/v1/agent/self');
    expect(self.json.Config.Version).toBe(r.json.HumanVersion);
  });

  it('agent host describes memory, CPUs and the OS in gopsutil field names', async () => {
    const r = await s.request<{
      Memory: { total: number; used: number };
      CPU: { modelName: string }[];
      Host: { hostname: string; os: string };
      CollectionTime: number;
      Errors: string[] | null;
    }>('GET', '/v1/agent/host');
    expect(r.status).toBe(200);
    expect(r.json.Memory.total).toBeGreaterThan(0);
    expect(r.json.Memory.used).toBeGreaterThan(0);
    expect(r.json.CPU.length).toBeGreaterThan(0);
    expect(r.json.Host.os).toBe(process.platform);
    // The in-process server has no data directory on disk, which the answer says.
    expect(r.json.Errors).toEqual(['no data directory on disk']);
  });

  it('coordinates: empty lists and a 404 per node, each with the query headers; updates 401', async () => {
    const dcs = await s.request('GET', '/v1/coordinate/datacenters');
    expect(dcs.json).toEqual([{ Datacenter: 'dc1', AreaID: 'wan', Coordinates: [] }]);
    const nodes = await s.request('GET', '/v1/coordinate/nodes');
    expect([nodes.status, nodes.json]).toEqual([200, []]);
    expect(nodes.headers.get('x-consul-index')).not.toBeNull();
    expect(nodes.headers.get('x-consul-knownleader')).toBe('true');
    const one = await s.request('GET', `/v1/coordinate/node/${s.name}`);
    expect(one.status).toBe(404);
    expect(one.headers.get('x-consul-index')).not.toBeNull();
    const update = await s.request('PUT', '/v1/coordinate/update', { Node: s.name, Coord: {} });
    expect([update.status, update.text]).toEqual([401, 'Coordinate support disabled']);
  });

  it('ACL endpoints answer 401 "ACL support disabled" while access control is off', async () => {
    for (const [method, path] of [
      ['PUT', '/v1/acl/bootstrap'],
      ['GET', '/v1/acl/tokens'],
      ['GET', '/v1/acl/token/self'],
      ['DELETE', '/v1/acl/policy/abc'],
    ] as const) {
      const r = await s.request(method, path);
      expect([path, r.status, r.text]).toEqual([path, 401, 'ACL support disabled']);
    }
  });

  it('an endpoint cairn does not serve is a 404 with the query headers Consul clients read', async () => {
    for (const path of ['/v1/query', '/v1/event/list', '/v1/operator/keyring', '/v1/']) {
      const r = await s.request('GET', path);
      expect([path, r.status]).toEqual([path, 404]);
      expect(r.text).toBe('Invalid URL path: not a recognized HTTP API endpoint');
      expect(Number(r.headers.get('x-consul-index'))).toBeGreaterThan(0);
      expect(r.headers.get('x-consul-knownleader')).toBe('true');
      expect(r.headers.get('x-consul-lastcontact')).toBe('0');
    }
    const outside = await s.request('GET', '/nothing-here');
    expect(outside.status).toBe(404);
    expect(outside.headers.get('x-consul-index')).toBeNull();
  });

  it('join takes an address without a port and tries the default server port', async () => {
    const bad = await s.request('PUT', '/v1/agent/join/not a host');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('is not host or host:port');
    // 127.0.0.1 without a port means 127.0.0.1:8300; no server answers there in this test, so the
    // join fails on the connection, not on the address (a 400 would mean it was refused as such).
    const noPort = await s.request('PUT', '/v1/agent/join/127.0.0.1');
    expect(noPort.status).not.toBe(400);
    expect(noPort.text).toContain('127.0.0.1:8300');
  });
});
