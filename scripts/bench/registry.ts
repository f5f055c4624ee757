import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Fastify from 'fastify';
import { type AgentProcess, freePorts, RegistryCluster } from '../../cluster/index.js';
import { type HoldFigures, runHold } from './hold.js';
import { type LoadFigures, runLoad } from './load.js';
import {
  benchOutput,
  DEFAULT_HARNESS_DIR,
  EtcdCluster,
  etcdVersion,
  intFlag,
  parseFlags,
  prepareEtcd,
  requireHarnessFiles,
  round,
  sleep,
  stopOnSignals,
} from './support/index.js';

/**
 * `npm run bench:registry`: three cairn servers as separate processes on loopback against a
 * 3-member etcd (`--peer etcd`, the default) measured one after the other in the same run, each
 * on fresh clusters per repetition; load from worker threads of this process. One JSON line per
 * benchmark, with every repetition, the medians and the ratio of medians cairn/etcd:
 * - heartbeats: `--instances` TTL instances registered and heartbeated from their registration on
 *   (hold-worker.ts); then a window of heartbeats only. Expiries are counted by the servers
 *   (cairn's `cairn_ttl_expiries_total`, etcd's keys gone with their leases); expiries beyond the
 *   instances whose heartbeats were late (by the load generator's own clock) are false ones.
 *   etcd's side is a lease per instance with a key bound to it, kept alive by keep-alives.
 * - registrations: agent registrations with a TTL check against KV writes on the same cairn
 *   cluster, and etcd puts bound to a lease.
 * - lookups: a balanced healthy lookup on one follower vs a bare fastify route (no peer).
 */
const { progress, fail } = benchOutput('bench:registry');

const values = parseFlags(
  {
    instances: { type: 'string', default: '100000' },
    ttl: { type: 'string', default: '15' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '64' },
    threads: { type: 'string', default: '2' },
    reps: { type: 'string', default: '3' },
    only: { type: 'string', default: 'registrations,heartbeats,lookups' },
    /** `etcd` (side by side) or `none` (cairn alone). */
    peer: { type: 'string', default: 'etcd' },
    harness: { type: 'string', default: DEFAULT_HARNESS_DIR },
    /** Write a V8 CPU profile of every server into this directory. */
    profile: { type: 'string' },
  },
  fail,
);
const instances = intFlag(values, 'instances', 1, 10_000_000, fail);
const ttlSeconds = intFlag(values, 'ttl', 2, 3600, fail);
const seconds = intFlag(values, 'seconds', 1, 3600, fail);
const concurrency = intFlag(values, 'concurrency', 1, 10_000, fail);
const threads = intFlag(values, 'threads', 1, 64, fail);
const reps = intFlag(values, 'reps', 1, 100, fail);
const only = new Set((values.only ?? '').split(','));
if (only.size === 0 || [...only].some((b) => !['registrations', 'heartbeats', 'lookups'].includes(b)))
  fail('--only is a comma-separated subset of registrations,heartbeats,lookups', 2);
const peer = values.peer ?? 'etcd';
if (peer !== 'etcd' && peer !== 'none') fail(`--peer: "${peer}" is not etcd or none`, 2);
const etcdScript = join(resolve(values.harness ?? ''), 'etcd-cluster.sh');
if (peer === 'etcd') requireHarnessFiles([etcdScript], fail);

// ---- what this benchmark started, stopped once, on signals too --------------

const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-reg-'));
let cairn: RegistryCluster | null = null;
let etcd: EtcdCluster | null = null;
stopOnSignals(async () => {
  await Promise.allSettled([cairn?.stop('SIGTERM'), etcd?.stop()]);
  rmSync(dir, { recursive: true, force: true });
}, progress);

async function startCairn(tag: string): Promise<{ cluster: RegistryCluster; leader: AgentProcess }> {
  const base = join(dir, tag);
  const cluster = await RegistryCluster.create({
    size: 3,
    baseDir: base,
    logLevel: 'warn',
    // All load comes from one address here: the per-client cap would measure itself, not cairn.
    agentArgs: ['--http-max-conns-per-client', '0'],
    ...(values.profile ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${join(values.profile, tag)}`] } : {}),
  });
  cairn = cluster;
  cluster.start();
  const leader = await cluster.waitForLeader(60_000);
  progress(`cairn ${tag}: 3 servers up, leader ${leader.name}`);
  return { cluster, leader };
}

async function stopCairn(): Promise<void> {
  const c = cairn;
  cairn = null;
  if (c === null) return;
  const down = c.servers.filter((s) => !s.running).map((s) => s.name);
  await c.stop('SIGTERM');
  if (down.length > 0) throw new Error(`cairn server(s) ${down.join(', ')} exited during the run`);
}

async function startEtcd(): Promise<EtcdCluster> {
  const e = new EtcdCluster(etcdScript, 'etcd-bench-reg-', progress);
  etcd = e;
  await e.start(3);
  progress(`etcd: ${etcdVersion()}, members at ${e.urls.join(', ')}`);
  return e;
}

async function stopEtcd(): Promise<void> {
  const e = etcd;
  etcd = null;
  await e?.stop();
}

/** A Prometheus sample of one server, or 0 when it has none. */
async function sample(server: AgentProcess, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/v1/agent/metrics?format=prometheus`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** The heartbeated instances (hb-N) a server reports critical, by N. */
async function criticalIds(server: AgentProcess): Promise<number[]> {
  const all = (await (await fetch(`${server.url}/v1/health/state/critical?stale`)).json()) as {
    CheckID: string;
  }[];
  return all.flatMap((c) => {
    const m = /^service:hb-(\d+)$/.exec(c.CheckID);
    return m ? [Number(m[1])] : [];
  });
}

/** TTL expiries counted by all servers (whichever was leader when each happened). */
async function expiries(c: RegistryCluster): Promise<number> {
  const all = await Promise.all(c.servers.map((s) => sample(s, 'cairn_ttl_expiries_total')));
  return all.reduce((a, b) => a + b, 0);
}

async function etcdPost(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Keys under `prefix` that etcd still holds (a key goes when its lease expires). */
async function etcdCount(url: string, prefix: string): Promise<number> {
  const key = Buffer.from(prefix).toString('base64');
  // The range end of a prefix: its last byte plus one.
  const end = Buffer.from(
    prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1),
  );
  const r = await etcdPost(url, '/v3/kv/range', { key, range_end: end.toString('base64'), count_only: true });
  return Number(r.count ?? 0);
}

/** The instances whose key etcd no longer holds (gone with an expired lease). */
async function etcdGone(url: string): Promise<number[]> {
  const prefix = Buffer.from('hb/').toString('base64');
  const end = Buffer.from('hb0').toString('base64');
  const r = await etcdPost(url, '/v3/kv/range', { key: prefix, range_end: end, keys_only: true });
  const present = new Set(
    ((r.kvs ?? []) as { key: string }[]).map((kv) =>
      Number(Buffer.from(kv.key, 'base64').toString().slice(3)),
    ),
  );
  return Array.from({ length: instances }, (_, id) => id).filter((id) => !present.has(id));
}

// ---- heartbeats ----------------------------------------------------------------

interface HeartbeatRun extends Omit<HoldFigures, 'lateIds'> {
  /** Expiries the servers counted before the window (while registering and warm) and in it. */
  readonly expiries_before_window: number;
  readonly expiries_in_window: number;
  /**
   * Instances expired at the end (cairn: critical; etcd: key gone with its lease) whose
   * heartbeats were never late by the load generator's clock: expiries the server should not
   * have made. (A cairn instance expired and revived by its next heartbeat is not in it; the
   * expiry counts above include those.)
   */
  readonly false_expiries: number;
  readonly expired_at_end: number;
  readonly self_preservation_at_end?: boolean;
}

const holdPlan = (target: 'cairn' | 'etcd', urls: readonly string[]) => ({
  target,
  urls,
  concurrency,
  instances,
  ttlSeconds,
  seconds,
});

async function cairnHeartbeats(rep: number): Promise<HeartbeatRun> {
  const { cluster } = await startCairn(`hb-${rep}`);
  const urls = cluster.servers.map((s) => s.url);
  progress(
    `cairn: registering ${instances} TTL instances (TTL ${ttlSeconds} s), each heartbeated from then on`,
  );
  const at0 = await expiries(cluster);
  let atWindow = 0;
  const fig = await runHold(holdPlan('cairn', urls), threads, {
    beforeWindow: async () => {
      atWindow = await expiries(cluster);
      progress(`cairn: all registered; ${atWindow - at0} expiries so far; measuring ${seconds} s`);
    },
  });
  const atEnd = await expiries(cluster);
  const critical = await criticalIds(cluster.servers[0] as AgentProcess);
  const selfPreservation = (
    await Promise.all(cluster.servers.map((s) => sample(s, 'cairn_self_preservation')))
  ).some((v) => v === 1);
  await stopCairn();
  return finish(fig, atWindow - at0, atEnd - atWindow, critical, {
    self_preservation_at_end: selfPreservation,
  });
}

async function etcdHeartbeats(): Promise<HeartbeatRun> {
  const e = await startEtcd();
  const url = e.urls[0] as string;
  progress(
    `etcd: registering ${instances} leases (TTL ${ttlSeconds} s) with a key each, kept alive from then on`,
  );
  let atWindow = 0;
  const fig = await runHold(holdPlan('etcd', e.urls), threads, {
    beforeWindow: async () => {
      atWindow = instances - (await etcdCount(url, 'hb/'));
      progress(`etcd: all registered; ${atWindow} keys gone so far; measuring ${seconds} s`);
    },
  });
  const gone = await etcdGone(url);
  const atEnd = gone.length;
  await stopEtcd();
  return finish(fig, atWindow, atEnd - atWindow, gone, {});
}

function finish(
  fig: HoldFigures,
  before: number,
  inWindow: number,
  expired: readonly number[],
  extra: object,
): HeartbeatRun {
  const { lateIds, ...figures } = fig;
  return {
    ...figures,
    expiries_before_window: before,
    expiries_in_window: inWindow,
    expired_at_end: expired.length,
    false_expiries: expired.filter((id) => !lateIds.has(id)).length,
    ...extra,
  };
}

// ---- registrations -------------------------------------------------------------

const plan = (
  workload: 'register' | 'kv-put' | 'etcd-lease-put',
  urls: readonly string[],
  lease?: string,
) => ({
  workload,
  urls,
  concurrency,
  seconds,
  first: 0,
  count: 0,
  path: '',
  ...(lease === undefined ? {} : { lease }),
});

async function cairnRegistrations(rep: number): Promise<{ register: LoadFigures; kv_put: LoadFigures }> {
  const { cluster } = await startCairn(`reg-${rep}`);
  const urls = cluster.servers.map((s) => s.url);
  const register = await runLoad(plan('register', urls), threads);
  progress(`cairn: ${register.ops_per_s} registrations/s (p99 ${register.p99_ms} ms)`);
  const kvPut = await runLoad(plan('kv-put', urls), threads);
  progress(`cairn: ${kvPut.ops_per_s} KV writes/s (p99 ${kvPut.p99_ms} ms)`);
  await stopCairn();
  return { register, kv_put: kvPut };
}

async function etcdRegistrations(): Promise<LoadFigures> {
  const e = await startEtcd();
  const granted = await etcdPost(e.urls[0] as string, '/v3/lease/grant', { TTL: '600' });
  const lease = String(granted.ID);
  const r = await runLoad(plan('etcd-lease-put', e.urls, lease), threads);
  progress(`etcd: ${r.ops_per_s} puts with a lease/s (p99 ${r.p99_ms} ms)`);
  await stopEtcd();
  return r;
}

// ---- lookups -------------------------------------------------------------------

async function lookups(): Promise<void> {
  const { cluster, leader } = await startCairn('lookups');
  const follower = cluster.servers.find((s) => s !== leader) as AgentProcess;
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
  const body = await (await fetch(`${follower.url}${path}`)).text();
  const bare = Fastify();
  const parsed = JSON.parse(body) as unknown;
  bare.get('/bare', async () => parsed);
  const [port] = (await freePorts(1)) as [number];
  await bare.listen({ host: '127.0.0.1', port });
  const get = (url: string, p: string) => ({ ...plan('register', [url]), workload: 'get' as const, path: p });
  const bareFig = await runLoad(get(`http://127.0.0.1:${port}`, '/bare'), threads);
  await bare.close();
  const cairnFig = await runLoad(get(follower.url, path), threads);
  await stopCairn();
  console.log(
    JSON.stringify({
      bench: 'lookups',
      servers: 3,
      instances: 50,
      concurrency,
      seconds,
      response_bytes: Buffer.byteLength(body),
      cairn_follower: cairnFig,
      bare_fastify_same_body: bareFig,
      ratio: round(cairnFig.ops_per_s / bareFig.ops_per_s, 3),
    }),
  );
}

// ---- the run -------------------------------------------------------------------

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const ratio = (a: number, b: number | null) => (b === null || b === 0 ? null : round(a / b, 3));

try {
  if (peer === 'etcd') await prepareEtcd(progress);
  if (only.has('heartbeats')) {
    const c: HeartbeatRun[] = [];
    const e: HeartbeatRun[] = [];
    for (let rep = 1; rep <= reps; rep++) {
      progress(`heartbeats: repetition ${rep}/${reps}`);
      c.push(await cairnHeartbeats(rep));
      if (peer === 'etcd') e.push(await etcdHeartbeats());
    }
    const hb = (runs: HeartbeatRun[]) => median(runs.map((r) => r.heartbeats.ops_per_s));
    const reg = (runs: HeartbeatRun[]) => median(runs.map((r) => r.registrations_per_s));
    console.log(
      JSON.stringify({
        bench: 'heartbeats',
        servers: 3,
        instances,
        ttl_s: ttlSeconds,
        concurrency,
        seconds,
        reps,
        cairn: { heartbeats_per_s: hb(c), registrations_per_s: reg(c), runs: c },
        ...(peer === 'etcd'
          ? {
              etcd: { keepalives_per_s: hb(e), registrations_per_s: reg(e), runs: e },
              heartbeat_ratio: ratio(hb(c), hb(e)),
              registration_while_holding_ratio: ratio(reg(c), reg(e)),
            }
          : {}),
        // The rate the TTL needs: every instance once per TTL.
        needed_per_s: Math.ceil(instances / ttlSeconds),
        margin: round(hb(c) / (instances / ttlSeconds), 2),
        false_expiries: c.map((r) => r.false_expiries),
      }),
    );
  }
  if (only.has('registrations')) {
    const c: { register: LoadFigures; kv_put: LoadFigures }[] = [];
    const e: LoadFigures[] = [];
    for (let rep = 1; rep <= reps; rep++) {
      progress(`registrations: repetition ${rep}/${reps}`);
      c.push(await cairnRegistrations(rep));
      if (peer === 'etcd') e.push(await etcdRegistrations());
    }
    const regs = median(c.map((r) => r.register.ops_per_s));
    const kv = median(c.map((r) => r.kv_put.ops_per_s));
    const etcdPuts = peer === 'etcd' ? median(e.map((r) => r.ops_per_s)) : null;
    console.log(
      JSON.stringify({
        bench: 'registrations',
        servers: 3,
        concurrency,
        seconds,
        reps,
        cairn: { registrations_per_s: regs, kv_writes_per_s: kv, runs: c },
        ...(peer === 'etcd' ? { etcd: { lease_puts_per_s: etcdPuts, runs: e } } : {}),
        registrations_to_kv_writes: ratio(regs, kv),
        registrations_to_etcd_lease_puts: ratio(regs, etcdPuts),
      }),
    );
  }
  if (only.has('lookups')) await lookups();
} finally {
  await Promise.allSettled([stopCairn(), stopEtcd()]);
  rmSync(dir, { recursive: true, force: true });
}
