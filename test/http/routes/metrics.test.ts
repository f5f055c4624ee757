import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsulMetricsJson, SampledValue } from '../../../src/metrics/index.js';
import { InProcessCluster, type InProcessServer } from '../../support/in-process.js';

/** /v1/agent/metrics: Consul's JSON shape, and Consul's metric names moving with the facts they count. */
describe('/v1/agent/metrics', () => {
  let c: InProcessCluster;
  let s: InProcessServer;
  beforeAll(async () => {
    c = await InProcessCluster.start();
    s = c.dev;
  });
  afterAll(async () => {
    await c?.stop();
  });

  async function json(): Promise<ConsulMetricsJson> {
    const r = await s.request<ConsulMetricsJson>('GET', '/v1/agent/metrics');
    expect(r.status).toBe(200);
    return r.json;
  }
  async function prom(): Promise<string> {
    const r = await s.request('GET', '/v1/agent/metrics?format=prometheus');
    expect(r.status).toBe(200);
    return r.text;
  }
  /** One unlabelled sample's value in the Prometheus form (NaN when absent). */
  const value = (text: string, name: string) =>
    Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  const find = (list: readonly SampledValue[], name: string) => list.find((x) => x.Name === name);

  it('answers in Consul’s shape: Gauges, Points, Counters, Samples', async () => {
    await s.put('/v1/kv/shape', 'v');
    const m = await json();
    expect(Object.keys(m)).toEqual(['Timestamp', 'Gauges', 'Points', 'Counters', 'Samples']);
    expect(m.Timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);
    expect(m.Points).toEqual([]);
    for (const g of m.Gauges) {
      expect(Object.keys(g)).toEqual(['Name', 'Value', 'Labels']);
      expect(typeof g.Value).toBe('number');
    }
    const keys = ['Name', 'Count', 'Rate', 'Sum', 'Min', 'Max', 'Mean', 'Stddev', 'Labels'];
    for (const x of [...m.Counters, ...m.Samples]) {
      expect(Object.keys(x).sort()).toEqual([...keys].sort());
      for (const k of ['Count', 'Rate', 'Sum', 'Min', 'Max', 'Mean', 'Stddev'] as const)
        expect(Number.isFinite(x[k]), `${x.Name} ${k}`).toBe(true);
    }
    // A gauge, a counter and a timer of cairn's own, each where Consul would put it.
    expect(m.Gauges.some((g) => g.Name === 'cairn_raft_leader' && g.Value === 1)).toBe(true);
    expect(m.Gauges.some((g) => g.Name === 'cairn_raft_leader_changes_total')).toBe(false);
    expect(find(m.Counters, 'cairn_raft_leader_changes_total')?.Count).toBeGreaterThan(0);
    const put = find(m.Samples, 'consul.kvs.apply');
    expect(put?.Count).toBeGreaterThan(0);
    expect(put?.Min).toBeLessThanOrEqual(put?.Max ?? -1);
    // Histograms go to Samples, never to Gauges as buckets.
    expect(m.Gauges.some((g) => g.Name.startsWith('cairn_raft_commit_seconds'))).toBe(false);
    expect(find(m.Samples, 'cairn_raft_commit_seconds')?.Count).toBeGreaterThan(0);
  });

  it('moves Consul’s KV, apply, commit time and catalog metrics with the writes they count', async () => {
    const before = await prom();
    const jsonBefore = await json();
    await s.put('/v1/kv/moves/a', '1');
    await s.put('/v1/kv/moves/b', '2');
    await s.request('DELETE', '/v1/kv/moves/a');
    await s.put('/v1/agent/service/register', { Name: 'moves', ID: 'moves-1', Port: 80 });
    const after = await prom();
    expect(value(after, 'consul_kvs_apply_count') - value(before, 'consul_kvs_apply_count')).toBe(3);
    expect(value(after, 'consul_raft_apply') - value(before, 'consul_raft_apply')).toBe(4);
    expect(value(after, 'consul_raft_commitTime_count') - value(before, 'consul_raft_commitTime_count')).toBe(
      4,
    );
    expect(
      value(after, 'consul_catalog_register_count') - value(before, 'consul_catalog_register_count'),
    ).toBe(1);
    expect(
      value(after, 'consul_state_service_instances') - value(before, 'consul_state_service_instances'),
    ).toBe(1);
    // The same facts as cairn's own.
    expect(value(after, 'consul_state_service_instances')).toBe(
      value(after, 'cairn_state_service_instances'),
    );
    expect(value(after, 'consul_raft_applied_index')).toBe(value(after, 'cairn_raft_applied_index'));
    expect(value(after, 'consul_raft_commitTime_count')).toBe(
      value(after, 'cairn_raft_commit_seconds_count'),
    );
    expect(value(after, 'consul_server_isLeader')).toBe(1);
    expect(value(after, 'consul_raft_state_leader')).toBe(1);

    await s.put('/v1/agent/service/deregister/moves-1');
    const gone = await prom();
    expect(
      value(gone, 'consul_catalog_deregister_count') - value(after, 'consul_catalog_deregister_count'),
    ).toBe(1);
    expect(value(gone, 'consul_state_service_instances')).toBe(
      value(before, 'consul_state_service_instances'),
    );

    const jsonAfter = await json();
    const count = (m: ConsulMetricsJson, name: string) =>
      find(name.startsWith('consul.raft.apply') ? m.Counters : m.Samples, name)?.Count ?? 0;
    expect(count(jsonAfter, 'consul.kvs.apply') - count(jsonBefore, 'consul.kvs.apply')).toBe(3);
    expect(count(jsonAfter, 'consul.raft.apply') - count(jsonBefore, 'consul.raft.apply')).toBe(5);
  });

  it('refuses an unknown format with a 400 naming it', async () => {
    const r = await s.request('GET', '/v1/agent/metrics?format=xml');
    expect(r.status).toBe(400);
    expect(r.text).toContain('format');
  });
});
