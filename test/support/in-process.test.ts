import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessCluster } from './in-process.js';

describe('in-process harness: a dev server', () => {
  let c: InProcessCluster;
  beforeAll(async () => {
    c = await InProcessCluster.start();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('leads, serves the HTTP API through inject, and lists its own node', async () => {
    expect(c.leader()).toBe(c.dev);
    const leader = await c.dev.request<string>('GET', '/v1/status/leader');
    expect(leader.status).toBe(200);
    expect(leader.json).toBe('dev');
    await c.dev.put('/v1/kv/hello', 'world');
    const raw = await c.dev.request('GET', '/v1/kv/hello?raw');
    expect(raw.text).toBe('world');
    expect(Number(raw.headers.get('x-consul-index'))).toBeGreaterThan(0);
    const nodes = await c.dev.request<{ Node: string }[]>('GET', '/v1/catalog/nodes');
    expect(nodes.json.map((n) => n.Node)).toEqual(['dev']);
  });
});

describe('in-process harness: three servers', () => {
  let c: InProcessCluster;
  beforeAll(async () => {
    c = await InProcessCluster.start({ size: 3 });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('forms one cluster of three voters; a write on a follower is read on every server', async () => {
    const lead = c.leader();
    expect(lead.server.status().conf.voters.slice().sort()).toEqual(['s1', 's2', 's3']);
    const [f] = c.followers();
    await f?.put('/v1/kv/shared', 'x');
    for (const s of c.servers) {
      const r = await s.request('GET', '/v1/kv/shared?raw');
      expect(r.text, s.name).toBe('x');
    }
    const peers = await lead.request<string[]>('GET', '/v1/status/peers');
    expect(peers.json.slice().sort()).toEqual(['s1', 's2', 's3']);
  });
});
