import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevAgent } from '../support/agent.js';
import { http } from '../support/http.js';
import { repoRoot } from '../support/processes.js';
import { exportedNames, missingNames, referencedNames } from './metric-names.js';

/**
 * The alerting rules (deploy/prometheus) and the Grafana dashboard (deploy/grafana) use only
 * metrics that a running agent really exports, so neither can drift from the code: one
 * `cairn agent --dev` on free loopback ports, its /v1/agent/metrics?format=prometheus.
 */
const RULES = readFileSync(join(repoRoot, 'deploy', 'prometheus', 'cairn-rules.yml'), 'utf8');
const DASHBOARD_TEXT = readFileSync(join(repoRoot, 'deploy', 'grafana', 'cairn.json'), 'utf8');

interface Target {
  readonly expr?: string;
}
interface Panel {
  readonly type: string;
  readonly title: string;
  readonly targets?: readonly Target[];
}
interface Dashboard {
  readonly panels: readonly Panel[];
}

describe('metric names, checked on small texts', () => {
  const exposition = [
    '# HELP cairn_a_total a counter',
    '# TYPE cairn_a_total counter',
    'cairn_a_total 3',
    '# TYPE cairn_h_seconds histogram',
    '# TYPE cairn_l gauge',
    'cairn_l{kind="x"} 1',
  ].join('\n');

  it('reads names from TYPE lines and samples, with a histogram’s series', () => {
    expect([...exportedNames(exposition)].sort()).toEqual([
      'cairn_a_total',
      'cairn_h_seconds',
      'cairn_h_seconds_bucket',
      'cairn_h_seconds_count',
      'cairn_h_seconds_sum',
      'cairn_l',
    ]);
  });

  it('finds a name used but not exported', () => {
    const used = referencedNames(
      'rate(cairn_a_total[5m]) + cairn_gone{job="x"} and histogram_quantile(0.9, cairn_h_seconds_bucket)',
    );
    expect(missingNames(used, exportedNames(exposition))).toEqual(['cairn_gone']);
  });
});

describe('deploy/ against a running agent', () => {
  let agent: DevAgent;
  let exported: Set<string>;
  let exposition: string;
  beforeAll(async () => {
    agent = await DevAgent.start();
    // One write, so that at least one durable log write is counted whatever the start did.
    await agent.put('/v1/kv/deploy-test', 'x');
    const r = await http('GET', `${agent.url}/v1/agent/metrics?format=prometheus`);
    expect(r.status).toBe(200);
    exposition = r.text;
    exported = exportedNames(r.text);
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
  });

  it('the agent exports the metrics the alerts are about', () => {
    for (const name of [
      'cairn_raft_leader',
      'cairn_raft_fsync_seconds_bucket',
      'cairn_raft_snapshot_failures_total',
      'cairn_self_preservation',
      'cairn_watch_slow_consumers_total',
    ])
      expect(exported.has(name), name).toBe(true);
  });

  it('counts durable writes in cairn_raft_fsync_seconds, and no snapshot failure', () => {
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(exposition)?.[1]);
    expect(value('cairn_raft_fsync_seconds_count')).toBeGreaterThan(0);
    expect(value('cairn_raft_snapshot_failures_total')).toBe(0);
  });

  it('every metric in the alerting rules exists', () => {
    const used = referencedNames(RULES);
    expect(used.size).toBeGreaterThanOrEqual(9);
    expect(missingNames(used, exported)).toEqual([]);
  });

  it('every metric in the Grafana dashboard exists, and every panel query uses one', () => {
    const used = referencedNames(DASHBOARD_TEXT);
    expect(used.size).toBeGreaterThan(20);
    expect(missingNames(used, exported)).toEqual([]);
    const dashboard = JSON.parse(DASHBOARD_TEXT) as Dashboard;
    const queries = dashboard.panels.filter((p) => p.type !== 'row').flatMap((p) => p.targets ?? []);
    expect(queries.length).toBeGreaterThan(20);
    for (const q of queries) expect(referencedNames(q.expr ?? '').size, q.expr).toBeGreaterThan(0);
  });
});
