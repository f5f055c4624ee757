import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess, agentArgv, freePorts, RegistryCluster, waitUntil } from '../../cluster/index.js';
import { http } from '../support/http.js';

interface RaftConfiguration {
  Servers: { ID: string; Address: string; Leader: boolean; Voter: boolean }[];
}

/**
 * Membership on real processes: a fourth server joins a running cluster
 * with --join (learner, caught up, promoted), is removed with force-leave,
 * and a leader stopped with SIGTERM hands leadership over first.
 */
describe('membership: join, promote, force-leave, graceful leader stop', () => {
  let dir: string;
  let cluster: RegistryCluster;
  let joiner: AgentProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-members-'));
    cluster = await RegistryCluster.create({ size: 3, baseDir: dir, logLevel: 'info' });
    cluster.start();
    await cluster.waitForLeader(30_000);
  });

  afterAll(async () => {
    await joiner?.stop('SIGKILL');
    await cluster?.stop('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const configuration = async (s: AgentProcess) =>
    (await http<RaftConfiguration>('GET', `${s.url}/v1/operator/raft/configuration`)).json;

  it('a server started with --join is added as a learner, catches up and becomes a voter', async () => {
    const leader = await cluster.waitForLeader();
    for (let i = 0; i < 30; i++) {
      const r = await http('PUT', `${leader.url}/v1/agent/service/register`, {
        Name: 'pre',
        ID: `pre-${i}`,
        Port: i + 1,
        Check: { TTL: '60s' },
      });
      expect(r.status).toBe(200);
    }
    const [serverPort, httpPort, dnsPort] = (await freePorts(3)) as [number, number, number];
    const dataDir = join(dir, 's4');
    mkdirSync(dataDir, { recursive: true });
    joiner = new AgentProcess(
      's4',
      httpPort,
      serverPort,
      [
        ...agentArgv({ node: 's4', dataDir, serverPort, httpPort, dnsPort, encrypt: cluster.key! }),
        '--join',
        (cluster.servers[1] as AgentProcess).serverAddress,
      ],
      join(dir, 's4.log'),
      join(dir, 's4.pid'),
    );
    joiner.start();
    const conf = await waitUntil(
      's4 to be a voter',
      async () => {
        const c = await configuration(leader);
        return c.Servers.find((s) => s.ID === 's4')?.Voter ? c : undefined;
      },
      30_000,
    );
    expect(conf.Servers.map((s) => s.ID).sort()).toEqual(['s1', 's2', 's3', 's4']);
    const log = readFileSync(join(dir, leader.name === 's1' ? 's1.log' : `${leader.name}.log`), 'utf8');
    expect(log).toContain('adding a server as a learner');
    expect(log).toContain('autopilot: promoting a caught-up learner');
    const caughtUp = await waitUntil('s4 to serve the catalog', async () => {
      const r = await http<unknown[]>('GET', `${joiner.url}/v1/catalog/service/pre?stale`);
      return r.json.length === 30 ? true : undefined;
    });
    expect(caughtUp).toBe(true);
    const peers = await http<string[]>('GET', `${joiner.url}/v1/status/peers`);
    expect(peers.json).toHaveLength(4);
  });

  it('force-leave removes the server from Raft and marks it left', async () => {
    await joiner.stop('SIGKILL');
    const leader = await cluster.waitForLeader();
    const r = await http('PUT', `${leader.url}/v1/agent/force-leave/s4`);
    expect(r.status, r.text).toBe(200);
    const conf = await configuration(leader);
    expect(conf.Servers.map((s) => s.ID).sort()).toEqual(['s1', 's2', 's3']);
    let last: unknown;
    const members = await waitUntil('s4 listed as left, the founders as alive', async () => {
      const m = await http<{ Name: string; Status: number }[]>('GET', `${leader.url}/v1/agent/members`);
      last = m.json;
      const alive = m.json
        .filter((x) => x.Status === 1)
        .map((x) => x.Name)
        .sort();
      return m.json.find((x) => x.Name === 's4')?.Status === 3 && alive.length === 3 ? m.json : undefined;
    }).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}; members: ${JSON.stringify(last)}`);
    });
    expect(
      members
        .filter((m) => m.Status === 1)
        .map((m) => m.Name)
        .sort(),
    ).toEqual(['s1', 's2', 's3']);
    const unknown = await http('PUT', `${leader.url}/v1/agent/force-leave/nobody`);
    expect(unknown.status).toBe(404);
    const noTarget = await http('DELETE', `${leader.url}/v1/operator/raft/peer`);
    expect(noTarget.status).toBe(400);
  });

  it('a leader stopped with SIGTERM hands leadership to another voter first', async () => {
    const leader = await cluster.waitForLeader();
    await leader.stop('SIGTERM');
    const next = await cluster.waitForLeader(10_000, leader.name);
    expect(next.name).not.toBe(leader.name);
    expect(readFileSync(join(dir, `${leader.name}.log`), 'utf8')).toContain('handing leadership over first');
    const write = await http('PUT', `${next.url}/v1/agent/service/register`, {
      Name: 'post',
      ID: 'post-1',
      Port: 1,
      Check: { TTL: '60s' },
    });
    expect(write.status).toBe(200);
  });
});
