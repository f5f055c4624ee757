import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessCluster, type InProcessServer } from '../../support/in-process.js';

async function refusedCount(s: InProcessServer, reason: string): Promise<number> {
  const m = new RegExp(`^cairn_http_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(
    await s.ctx.metrics.text(),
  );
  if (!m) throw new Error(`no cairn_http_refused_total{reason="${reason}"} in the metrics`);
  return Number(m[1]);
}

describe('--kv-max-keys and --catalog-max-instances on a 3-server cluster', () => {
  let c: InProcessCluster;
  let base: number;
  beforeAll(async () => {
    c = await InProcessCluster.start({ size: 3, http: { kvMaxKeys: 3, catalogMaxInstances: 2 } });
    base = c.leader().server.view.catalog.counts.instances;
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('a KV write past the limit is 403 with a clear message, on a follower too, and counted', async () => {
    const [f] = c.followers();
    if (!f) throw new Error('no follower');
    for (const k of ['a', 'b', 'c']) await f.put(`/v1/kv/q/${k}`, 'v');
    const before = await refusedCount(f, 'kv_keys');
    const put = await f.request('PUT', '/v1/kv/q/d', 'v');
    expect(put.status).toBe(403);
    expect(put.text).toMatch(/^KV key limit reached: 3 keys stored, this write adds 1, at most 3 allowed/);
    expect(await refusedCount(f, 'kv_keys')).toBe(before + 1);
    const txn = await c
      .leader()
      .request('PUT', '/v1/txn', [{ KV: { Verb: 'set', Key: 'q/x', Value: 'eA==' } }]);
    expect(txn.status).toBe(403);
    // Changing a stored key is fine at the limit; a delete makes room.
    await f.put('/v1/kv/q/a', 'v2');
    expect((await f.request('DELETE', '/v1/kv/q/b')).status).toBe(200);
    await f.put('/v1/kv/q/d', 'v');
    for (const s of c.servers) {
      expect((await s.request('GET', '/v1/kv/q/?keys')).json).toEqual(['q/a', 'q/c', 'q/d']);
    }
  });

  it('a registration past the limit is 403; re-registering an instance is not', async () => {
    const lead = c.leader();
    const free = 2 - base;
    for (let i = 0; i < free; i++) {
      await lead.put('/v1/agent/service/register', { Name: 'web', ID: `web-${i}`, Port: 8080 + i });
    }
    const before = await refusedCount(lead, 'instances');
    const over = await lead.request('PUT', '/v1/agent/service/register', {
      Name: 'web',
      ID: 'web-x',
      Port: 1,
    });
    expect(over.status).toBe(403);
    expect(over.text).toMatch(/^Service instance limit reached: 2 instances registered, at most 2 allowed/);
    const viaCatalog = await lead.request('PUT', '/v1/catalog/register', {
      Node: 'ext-1',
      Address: '10.1.1.1',
      Service: { Service: 'db', ID: 'db-1', Port: 5432 },
    });
    expect(viaCatalog.status).toBe(403);
    expect(await refusedCount(lead, 'instances')).toBe(before + 2);
    if (free > 0) {
      await lead.put('/v1/agent/service/register', { Name: 'web', ID: 'web-0', Port: 9999 });
    }
    expect(lead.server.view.catalog.counts.instances).toBe(2);
  });
});
