import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DevAgent } from '../support/agent.js';
import { http } from '../support/http.js';

/**
 * A running agent's metrics through `promtool check metrics` (Debian's `prometheus` package, installed
 * by scripts/ensure-test-deps.sh), after traffic that creates labelled series: registrations with a
 * TTL check and its heartbeats, KV writes and a delete, a WebSocket watch that sees a change, a DNS
 * query. cairn's own names must draw no complaint. Consul's names are Consul's exactly, so they draw
 * the complaints Consul's own output draws (camelCase, counters without `_total`): those, and only
 * those, are expected, name by name.
 */
const CONSUL_COMPLAINTS = [
  'consul_raft_apply counter metrics should have "_total" suffix',
  "consul_raft_commitTime metric names should be written in 'snake_case' not 'camelCase'",
  "consul_raft_leader_dispatchLog metric names should be written in 'snake_case' not 'camelCase'",
  "consul_raft_leader_lastContact metric names should be written in 'snake_case' not 'camelCase'",
  'consul_raft_state_leader counter metrics should have "_total" suffix',
  "consul_server_isLeader metric names should be written in 'snake_case' not 'camelCase'",
];

function promtoolCheck(exposition: string): { code: number | null; complaints: string[] } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool did not run (${r.error.message}); run scripts/ensure-test-deps.sh`);
  const complaints = `${r.stdout}${r.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return { code: r.status, complaints };
}

/** Subscribes to a KV prefix, writes under it, and resolves once the change arrives. */
function watchOneChange(agent: DevAgent): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${agent.httpPort}/v1/watch`);
    ws.once('error', reject);
    ws.on('open', () =>
      ws.send(JSON.stringify({ op: 'subscribe', id: 'w', kind: 'kv', key: 'lint/', recurse: true })),
    );
    ws.on('message', (data: Buffer) => {
      const e = JSON.parse(data.toString('utf8')) as { event?: string };
      if (e.event === 'snapshot') agent.put('/v1/kv/lint/watched', 'v').catch(reject);
      if (e.event === 'change') {
        ws.once('close', () => resolve());
        ws.close();
      }
    });
  });
}

describe('promtool check metrics on a running agent', () => {
  let agent: DevAgent;
  const expositions: Record<string, string> = {};
  beforeAll(async () => {
    agent = await DevAgent.start();
    for (let i = 0; i < 3; i++)
      await agent.put('/v1/agent/service/register', {
        Name: 'lint',
        ID: `lint-${i}`,
        Port: 8000 + i,
        Check: { TTL: '30s' },
      });
    await agent.put('/v1/agent/check/pass/service:lint-0');
    await agent.put('/v1/kv/lint/a', '1');
    await agent.put('/v1/kv/lint/b', '2');
    expect((await http('DELETE', `${agent.url}/v1/kv/lint/a`)).status).toBe(200);
    await watchOneChange(agent);
    await agent.put('/v1/agent/service/deregister/lint-2');
    await agent.dig('lint.service.consul', 'SRV');
    for (const path of ['/v1/agent/metrics?format=prometheus', '/metrics']) {
      const r = await http('GET', `${agent.url}${path}`);
      expect(r.status).toBe(200);
      expositions[path] = r.text;
    }
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
  });

  it.each(['/v1/agent/metrics?format=prometheus', '/metrics'])(
    '%s: no complaint but those about Consul’s own names',
    (path) => {
      const text = expositions[path] ?? '';
      // The traffic above did create the labelled series it is meant to.
      expect(text).toMatch(/^cairn_http_requests_total\{route="\/v1\/kv\/\*",method="PUT",status="200"\} /m);
      expect(text).toMatch(/^cairn_watch_events_sent_total [1-9]/m);
      expect(text).toMatch(/^cairn_dns_queries_total\{/m);
      expect(text).toMatch(/^cairn_heartbeats_handled_total [1-9]/m);
      const r = promtoolCheck(text);
      expect(r.complaints.filter((c) => !c.startsWith('consul_'))).toEqual([]);
      expect(r.complaints.sort()).toEqual([...CONSUL_COMPLAINTS].sort());
    },
  );

  it('promtool does complain about what issue #19 named (so the check above is not vacuous)', () => {
    const bad = ['# HELP cairn_x_total x', '# TYPE cairn_x_total gauge', 'cairn_x_total 1', ''].join('\n');
    expect(promtoolCheck(bad).complaints).toEqual([
      'cairn_x_total non-counter metrics should not have "_total" suffix',
    ]);
  });
});
