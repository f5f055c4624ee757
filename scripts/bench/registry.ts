import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { type AgentProcess, freePorts, RegistryCluster } from '../../cluster/index.js';
import { runLoad } from './load.js';
import { benchOutput, parseFlags, sleep, stopOnSignals } from './support/index.js';

/**
 * `npm run bench:registry`: three cairn servers as separate processes on
 * loopback; load from worker threads of this process. One JSON line per
 * benchmark: heartbeats (many TTL instances, heartbeats spread over all
 * servers, false expiries counted), lookups (balanced healthy lookup on one
 * follower vs a bare fastify route in the same run), registrations.
 */
const { progress, fail } = benchOutput('bench:registry');

const values = parseFlags(
  {
    instances: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '64' },
    threads: { type: 'string', default: '2' },
    only: { type: 'string', default: 'registrations,heartbeats,lookups' },
    /** Write a V8 CPU profile of every server into this directory. */
    profile: { type: 'string' },
  },
  fail,
);
const instances = Number(values.instances);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const threads = Number(values.threads);
const only = new Set((values.only ?? '').split(','));
if (![instances, seconds, concurrency, threads].every((n) => Number.isInteger(n) && n > 0))
  fail('--instances, --seconds, --concurrency and --threads must be positive integers', 2);

/** The heartbeated instances (hb-*) the leader reports critical; registrations of the other benchmark do not count. */
async function criticalHeartbeated(leader: AgentProcess): Promise<unknown[]> {
  const all = (await (await fetch(`${leader.url}/v1/health/state/critical`)).json()) as { CheckID: string }[];
  return all.filter((c) => c.CheckID.startsWith('service:hb-'));
}

const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-reg-'));
const cluster = await RegistryCluster.create({
  size: 3,
  baseDir: dir,
  logLevel: 'warn',
  // All load comes from one address here: the per-client cap would measure itself, not cairn.
  agentArgs: ['--http-max-conns-per-client', '0'],
  ...(values.profile ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] } : {}),
});
cluster.start();
// Ctrl-C or a timeout still stops every server this benchmark started.
stopOnSignals(() => cluster.stop('SIGTERM').finally(() => rmSync(dir, { recursive: true, force: true })));
try {
  const leader = await cluster.waitForLeader(60_000);
  const urls = cluster.servers.map((s) => s.url);
  const follower = cluster.servers.find((s) => s !== leader) as AgentProcess;
  progress(`3 servers up, leader ${leader.name}; data in ${dir}`);

  if (only.has('heartbeats')) {
    progress(`registering ${instances} TTL instances (15s TTL)...`);
    const began = performance.now();
    let done = 0;
    const batch = 256;
    for (let i = 0; i < instances; i += batch) {
      await Promise.all(
        Array.from({ length: Math.min(batch, instances - i) }, async (_, k) => {
          const id = i + k;
          const s = urls[id % urls.length] as string;
          const res = await fetch(`${s}/v1/agent/service/register`, {
            method: 'PUT',
            body: JSON.stringify({
              Name: `hb-svc-${id % 1000}`,
              ID: `hb-${id}`,
              Port: 1 + (id % 60000),
              Check: { TTL: '15s', Status: 'passing' },
            }),
          });
          if (!res.ok) throw new Error(`register hb-${id}: ${res.status} ${await res.text()}`);
        }),
      );
      done += Math.min(batch, instances - i);
      if (done % 10_000 < batch) progress(`  ${done}/${instances} registered`);
    }
    progress(
      `registered in ${((performance.now() - began) / 1000).toFixed(1)} s; warming up until none is critical...`,
    );
    // Instances registered early expired while the rest registered (their first heartbeats are
    // status changes, i.e. writes). Heartbeat until every one is passing, so the measured run is
    // pure heartbeat traffic and every expiry counted after it is a false one.
    let before: unknown[] = [];
    for (let round = 0; round < 20; round++) {
      await runLoad(
        { workload: 'heartbeat', urls, concurrency, seconds: 5, first: 0, count: instances, path: '' },
        threads,
      );
      before = await criticalHeartbeated(leader);
      progress(`  warm-up: ${before.length} critical`);
      if (before.length === 0) break;
    }
    progress(`heartbeating for ${seconds} s`);
    const r = await runLoad(
      { workload: 'heartbeat', urls, concurrency, seconds, first: 0, count: instances, path: '' },
      threads,
    );
    // Let one more expiry round run, then count instances the leader marked critical.
    await sleep(1000);
    const critical = await criticalHeartbeated(leader);
    const coverage = Math.min(1, (r.ops_per_s * 15) / instances);
    console.log(
      JSON.stringify({
        bench: 'heartbeats',
        servers: 3,
        instances,
        ttl_s: 15,
        heartbeats_per_s: r.ops_per_s,
        ...r,
        // An instance is only expected to stay passing if the load reached it within its TTL.
        ttl_coverage: Number(coverage.toFixed(3)),
        false_expiries: coverage >= 1 ? critical.length : null,
        critical_before: before.length,
        critical_at_end: critical.length,
      }),
    );
  }

  if (only.has('lookups')) {
    for (let i = 0; i < 50; i++) {
      await fetch(`${leader.url}/v1/agent/service/register`, {
        method: 'PUT',
        body: JSON.stringify({
          Name: 'lookup',
          ID: `lookup-${i}`,
          Address: `10.0.0.${i}`,
          Port: 8080,
          Check: { TTL: '10m', Status: 'passing' },
        }),
      });
    }
    const path = '/v1/health/service/lookup?passing&lb=round_robin';
    await sleep(500);
    const sample = await (await fetch(`${follower.url}${path}`)).text();
    const bare = Fastify();
    const body = JSON.parse(sample) as unknown;
    bare.get('/bare', async () => body);
    const [port] = (await freePorts(1)) as [number];
    await bare.listen({ host: '127.0.0.1', port });
    const bareFig = await runLoad(
      {
        workload: 'get',
        urls: [`http://127.0.0.1:${port}`],
        concurrency,
        seconds,
        first: 0,
        count: 0,
        path: '/bare',
      },
      threads,
    );
    await bare.close();
    const cairnFig = await runLoad(
      { workload: 'get', urls: [follower.url], concurrency, seconds, first: 0, count: 0, path },
      threads,
    );
    console.log(
      JSON.stringify({
        bench: 'lookups',
        servers: 3,
        instances: 50,
        concurrency,
        seconds,
        response_bytes: Buffer.byteLength(sample),
        cairn_follower: cairnFig,
        bare_fastify_same_body: bareFig,
        ratio: Number((cairnFig.ops_per_s / bareFig.ops_per_s).toFixed(3)),
      }),
    );
  }
  // Last: the instances it registers are never heartbeated and would expire into the other runs.
  if (only.has('registrations')) {
    const r = await runLoad(
      { workload: 'register', urls, concurrency, seconds, first: 0, count: 0, path: '' },
      threads,
    );
    console.log(
      JSON.stringify({
        bench: 'registrations',
        servers: 3,
        concurrency,
        seconds,
        registrations_per_s: r.ops_per_s,
        ...r,
      }),
    );
  }
} finally {
  await cluster.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
