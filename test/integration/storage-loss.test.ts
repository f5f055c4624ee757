import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess, agentArgv, freePorts, RegistryCluster, waitUntil } from '../../cluster/index.js';
import { http } from '../support/http.js';
import { mulberry32 } from '../support/random.js';

interface KvPair {
  Key: string;
  Value: string | null;
}

interface RaftConfiguration {
  Servers: { ID: string; Voter: boolean; Leader: boolean }[];
}

const decode = (v: string | null) => Buffer.from(v ?? '', 'base64').toString();

/**
 * Three real `cairn agent` processes on loopback. The data directory of a follower, and later of
 * the leader, is deleted under the running server: that server must exit non-zero with a fatal
 * STORAGE_DIR_GONE line naming the directory, and the others must go on without losing any write
 * that was acknowledged, including those acknowledged while the deletion was not yet noticed.
 * Between the two, the dead follower is replaced (removed from the configuration, a fresh server
 * joins) so that a majority survives the second loss.
 */
describe('storage loss: a server whose data directory is deleted exits; the cluster keeps every acknowledged write', () => {
  const seed = Number(process.env.CAIRN_TEST_SEED ?? Date.now() % 100_000);
  const random = mulberry32(seed);
  let dir: string;
  let cluster: RegistryCluster;
  let joiner: AgentProcess | null = null;
  /** Every write answered 200 true: key -> value. */
  const acked = new Map<string, string>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-storage-loss-'));
    cluster = await RegistryCluster.create({ size: 3, baseDir: dir, logLevel: 'info' });
    cluster.start();
    // Generous: on a loaded machine three servers can take long to start and elect.
    await cluster.waitForLeader(90_000);
  }, 120_000);

  afterAll(async () => {
    await joiner?.stop('SIGKILL');
    await cluster?.stop('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const servers = (): AgentProcess[] => [...cluster.servers, ...(joiner ? [joiner] : [])];
  const running = () => servers().filter((s) => s.running);

  /** The server every running server names as leader, once they agree. */
  const leader = () =>
    waitUntil(
      'a leader every running server agrees on',
      async () => {
        const up = running();
        const named = await Promise.all(up.map((s) => s.leader()));
        const first = named[0];
        if (!first || !named.every((l) => l === first)) return undefined;
        return up.find((s) => s.serverAddress === first);
      },
      60_000,
    );

  /** One write through a random running server, retried (same key, same value) until acknowledged. */
  async function write(key: string, value: string): Promise<void> {
    await waitUntil(
      `an acknowledged write of ${key} (seed ${seed})`,
      async () => {
        const up = running();
        const s = up[Math.floor(random() * up.length)];
        if (!s) return undefined;
        const r = await http('PUT', `${s.url}/v1/kv/${key}`, value, 5_000);
        return r.status === 200 && r.json === true ? true : undefined;
      },
      60_000,
    );
    acked.set(key, value);
  }

  /** Writes keys one after another, through random servers, until `stop` resolves. */
  async function writeUntil(prefix: string, stop: Promise<unknown>): Promise<number> {
    let done = false;
    const finish = () => {
      done = true;
    };
    stop.then(finish, finish);
    let n = 0;
    while (!done) {
      await write(`${prefix}/${n}`, `${prefix}-${n}-${seed}`);
      n++;
    }
    return n;
  }

  async function writeMany(prefix: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) await write(`${prefix}/${i}`, `${prefix}-${i}-${seed}`);
  }

  /** Every acknowledged key, read back from every running server (default mode: linearizable there). */
  async function expectAllOnSurvivors(): Promise<void> {
    expect(acked.size).toBeGreaterThan(0);
    for (const s of running()) {
      const r = await waitUntil(
        `a full read from ${s.name}`,
        async () => {
          const a = await http<KvPair[]>('GET', `${s.url}/v1/kv/?recurse`, undefined, 10_000);
          return a.status === 200 ? a : undefined;
        },
        60_000,
      );
      const seen = new Map(r.json.map((p) => [p.Key, decode(p.Value)]));
      const missing = [...acked].filter(([k, v]) => seen.get(k) !== v).map(([k]) => k);
      expect(missing, `seed ${seed}: acknowledged writes missing or different on ${s.name}`).toEqual([]);
    }
  }

  /** Deletes a server's data directory while writes go on; resolves once that server has exited. */
  async function deleteDataDir(victim: AgentProcess, dataDir: string, during: string): Promise<void> {
    const exited = waitUntil(
      `${victim.name} to exit`,
      async () => (victim.running ? undefined : true),
      60_000,
    );
    const writer = writeUntil(during, exited);
    // A few writes in flight first, so the deletion lands between acknowledged writes.
    await new Promise((r) => setTimeout(r, 200));
    // Retries: LevelDB may create a file while the tree is being removed (ENOTEMPTY).
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 });
    await exited;
    await writer;
    expect(victim.signalCode, `${victim.name} was not killed by a signal`).toBeNull();
    expect(victim.exitCode, `${victim.name} exit status`).toBe(1);
    const log = await waitUntil(
      `${victim.name}'s fatal line in its log`,
      async () => {
        const text = readFileSync(victim.logPath, 'utf8');
        return text.includes('cairn: halted: STORAGE_DIR_GONE') ? text : undefined;
      },
      10_000,
    );
    const fatal = log
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; code?: string; path?: string; msg: string })
      .find((l) => l.level === 60);
    expect(fatal?.code).toBe('STORAGE_DIR_GONE');
    expect(fatal?.path).toBe(dataDir);
    // The directory itself, or its marker file if the check ran while rm was still at work.
    expect(fatal?.msg).toMatch(new RegExp(`${dataDir}(/CAIRN_DATA_DIR)? no longer exists`));
  }

  it('a follower: it exits 1 with STORAGE_DIR_GONE; writes go on through the other two', async () => {
    await writeMany('before-follower', 20);
    const lead = await leader();
    const follower = running().find((s) => s !== lead) as AgentProcess;
    await deleteDataDir(follower, join(dir, follower.name), 'during-follower');
    await writeMany('after-follower', 20);
    await expectAllOnSurvivors();
  }, 180_000);

  it('the dead follower is replaced: removed from the configuration, a fresh server joins as a voter', async () => {
    const dead = cluster.servers.find((s) => !s.running) as AgentProcess;
    const lead = await leader();
    const removed = await http('DELETE', `${lead.url}/v1/operator/raft/peer?id=${dead.name}`);
    expect(removed.status, removed.text).toBe(200);

    const [serverPort, httpPort, dnsPort] = (await freePorts(3)) as [number, number, number];
    const dataDir = join(dir, 's4');
    mkdirSync(dataDir, { recursive: true });
    joiner = new AgentProcess(
      's4',
      httpPort,
      serverPort,
      [
        ...agentArgv({
          node: 's4',
          dataDir,
          serverPort,
          httpPort,
          dnsPort,
          logLevel: 'info',
          encrypt: cluster.key!,
        }),
        '--join',
        running()
          .map((s) => s.serverAddress)
          .join(','),
      ],
      join(dir, 's4.log'),
      join(dir, 's4.pid'),
    );
    joiner.start();
    await waitUntil(
      's4 to be a voter and the dead server gone from the configuration',
      async () => {
        const conf = await http<RaftConfiguration>(
          'GET',
          `${(await leader()).url}/v1/operator/raft/configuration`,
        );
        const ids = conf.json.Servers.filter((x) => x.Voter).map((x) => x.ID);
        return ids.includes('s4') && !ids.includes(dead.name) && ids.length === 3 ? true : undefined;
      },
      90_000,
    );
    await writeMany('after-replacement', 10);
  }, 180_000);

  it('the leader: it exits 1 with STORAGE_DIR_GONE; a new leader is elected and no acknowledged write is lost', async () => {
    const lead = await leader();
    await deleteDataDir(lead, join(dir, lead.name), 'during-leader');
    const next = await leader();
    expect(next).not.toBe(lead);
    await writeMany('after-leader', 20);
    expect(running().length).toBe(2);
    await expectAllOnSurvivors();
  }, 180_000);
});
