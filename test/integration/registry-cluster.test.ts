import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, RegistryCluster, waitUntil } from '../../cluster/index.js';
import { type HealthEntry, http } from '../support/http.js';

const INSTANCES = 200;
const TTL = '8s';

/**
 * Three `cairn agent` processes forming a cluster by bootstrap-expect:
 * 200 instances registered through different servers and heartbeated the
 * way a client would (any server; another one when that fails). The leader
 * is SIGKILLed: no instance may go critical, writes must work again once a
 * new leader is elected, and the restarted server must catch up.
 */
describe('registry: three servers, a leader crash under heartbeats', () => {
  let dir: string;
  let cluster: RegistryCluster;
  let beating = true;
  let beatLoop: Promise<void>;
  const beatFailures: string[] = [];
  let criticalSeen: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-reg-'));
    cluster = await RegistryCluster.create({ size: 3, baseDir: dir, logLevel: 'info' });
    cluster.start();
    await cluster.waitForLeader(30_000);
  });

  afterAll(async () => {
    beating = false;
    await beatLoop?.catch(() => {});
    await cluster?.stop('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const running = () => cluster.servers.filter((s) => s.running);

  /** Like a client library: try one server, then the others. */
  async function onAnyServer(start: number, f: (s: AgentProcess) => Promise<boolean>): Promise<boolean> {
    const servers = running();
    for (let k = 0; k < servers.length; k++) {
      const s = servers[(start + k) % servers.length] as AgentProcess;
      try {
        if (await f(s)) return true;
      } catch {
        // Connection refused or timed out: next server.
      }
    }
    return false;
  }

  it('forms one cluster with three voters', async () => {
    const leader = await cluster.waitForLeader();
    const peers = await http<string[]>('GET', `${leader.url}/v1/status/peers`);
    expect(peers.json.sort()).toEqual(cluster.servers.map((s) => s.serverAddress).sort());
    const conf = await http<{ Servers: { ID: string; Voter: boolean; Leader: boolean }[] }>(
      'GET',
      `${leader.url}/v1/operator/raft/configuration`,
    );
    expect(conf.json.Servers.map((s) => s.ID).sort()).toEqual(['s1', 's2', 's3']);
    expect(conf.json.Servers.filter((s) => s.Leader)).toHaveLength(1);
    await waitUntil('three members alive', async () => {
      const m = await http<{ Name: string; Status: number }[]>(
        'GET',
        `${cluster.servers[0]?.url}/v1/agent/members`,
      );
      return m.json.length === 3 && m.json.every((x) => x.Status === 1) ? true : undefined;
    });
  });

  it('registers 200 instances through different servers and keeps them passing', async () => {
    for (let i = 0; i < INSTANCES; i++) {
      const s = cluster.servers[i % 3] as AgentProcess;
      const r = await http('PUT', `${s.url}/v1/agent/service/register`, {
        Name: `svc-${i % 10}`,
        ID: `inst-${i}`,
        Address: `10.0.${Math.floor(i / 250)}.${i % 250}`,
        Port: 8000 + i,
        Check: { TTL, Status: 'passing' },
      });
      expect(r.status, r.text).toBe(200);
    }
    beatLoop = (async () => {
      let round = 0;
      while (beating) {
        const started = Date.now();
        await Promise.all(
          Array.from({ length: INSTANCES }, async (_, i) => {
            const ok = await onAnyServer(i + round, async (s) => {
              const r = await http('PUT', `${s.url}/v1/agent/check/pass/service:inst-${i}`, undefined, 3000);
              return r.status === 200;
            });
            if (!ok && beating) beatFailures.push(`inst-${i} round ${round}`);
          }),
        );
        round++;
        await new Promise((r) => setTimeout(r, Math.max(0, 1500 - (Date.now() - started))));
      }
    })();
    const any = cluster.servers[1] as AgentProcess;
    const all = await waitUntil('all 200 instances passing on a follower', async () => {
      let total = 0;
      for (let k = 0; k < 10; k++) {
        const r = await http<HealthEntry[]>('GET', `${any.url}/v1/health/service/svc-${k}?passing`);
        total += r.json.length;
      }
      return total === INSTANCES ? total : undefined;
    });
    expect(all).toBe(INSTANCES);
  });

  it('survives a SIGKILL of the leader: nothing goes critical, writes resume, the old leader catches up', async () => {
    const leader = await cluster.waitForLeader();
    const watcher = cluster.servers.find((s) => s !== leader) as AgentProcess;
    let watching = true;
    let polls = 0;
    const watch = (async () => {
      while (watching) {
        try {
          const r = await http<{ ServiceID: string; Output: string }[]>(
            'GET',
            `${watcher.url}/v1/health/state/critical?stale`,
            undefined,
            3000,
          );
          if (r.status === 200) polls++;
          if (r.status === 200 && r.json.length > 0)
            criticalSeen = criticalSeen.concat(r.json.map((c) => c.ServiceID));
        } catch {
          // The watcher itself is fine; a timeout during the election is not a finding.
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    await leader.stop('SIGKILL');
    const next = await cluster.waitForLeader(30_000, leader.name);
    expect(next.name).not.toBe(leader.name);

    const write = await waitUntil('a write to succeed after the failover', async () => {
      const r = await http('PUT', `${watcher.url}/v1/agent/service/register`, {
        Name: 'after-failover',
        ID: 'after-1',
        Port: 1,
        Check: { TTL: '60s', Status: 'passing' },
      });
      return r.status === 200 ? r : undefined;
    });
    expect(write.status).toBe(200);

    // Keep heartbeating through more than one TTL after the failover.
    await new Promise((r) => setTimeout(r, 10_000));

    leader.start();
    const caughtUp = await waitUntil(
      'the restarted server to serve the same catalog',
      async () => {
        const fresh = await http<HealthEntry[]>(
          'GET',
          `${leader.url}/v1/health/service/after-failover?stale`,
        );
        if (fresh.status !== 200 || fresh.json.length !== 1) return undefined;
        let total = 0;
        for (let k = 0; k < 10; k++) {
          const r = await http<HealthEntry[]>('GET', `${leader.url}/v1/catalog/service/svc-${k}?stale`);
          total += r.json.length;
        }
        return total === INSTANCES ? total : undefined;
      },
      30_000,
    );
    expect(caughtUp).toBe(INSTANCES);
    watching = false;
    await watch;
    expect(polls, 'the watcher must actually have looked').toBeGreaterThan(20);
    expect(criticalSeen, 'instances reported critical although they kept heartbeating').toEqual([]);
    expect(
      beatFailures.length,
      `heartbeats that no server accepted: ${beatFailures.slice(0, 5).join(', ')}`,
    ).toBeLessThan(INSTANCES);
    const passing = await http<HealthEntry[]>('GET', `${watcher.url}/v1/health/service/svc-3?passing`);
    expect(passing.json).toHaveLength(INSTANCES / 10);
  }, 120_000);
});
