import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchCerts, makeBenchCerts, mutualTlsAgentArgs } from './kv-tls-certs.js';
import {
  benchOutput,
  CairnServers,
  cpuSeconds,
  cpuSpent,
  DEFAULT_HARNESS_DIR,
  EtcdCluster,
  etcdVersion,
  killChildren,
  machineBusySeconds,
  parseFlags,
  prepareEtcd,
  requireHarnessFiles,
  round,
  run,
  stopOnSignals,
  sumIfAllKnown,
} from './support/index.js';

/**
 * `npm run bench:kv`: cairn's KV against a 3-member etcd cluster, side by side
 * in the same run, driven by the shared harness's load generator (loadgen.mjs)
 * with the same load on both: 64 closed-loop clients spread over all three
 * servers, 256-byte values over 10,000 keys.
 *
 * - writes: cairn `kv-put` vs etcd `etcd-put`
 * - reads:  cairn default-consistency `kv-get` vs etcd linearizable `etcd-get`,
 *           cairn `kv-get-stale` vs etcd serializable `etcd-get-serial`
 *
 * The peers never run at the same time: cairn's servers run all their
 * targets, are stopped, then etcd's members run theirs. Each target gets an
 * unreported warm-up run, then `--reps` measured runs. One JSON line per
 * benchmark on stdout (min/median/max ops/s, median p50/p99, the ratio of
 * medians cairn/etcd); progress on stderr. Each run also records the CPU
 * seconds of every server (from /proc), late raft ticks cairn's servers logged,
 * and `other_cpu_s`: what the rest of the machine used meanwhile, which is
 * load that disturbs the comparison (other test suites, builds).
 *
 * `--tls` measures the cost of TLS instead, without etcd: the same targets against a 3-server
 * cairn cluster without TLS and one with mutual TLS between servers and the load over HTTPS
 * (`--https-port`, the load generator presenting a client certificate, since the servers verify
 * incoming connections). Both clusters stay up for the whole run but only one is under load at a
 * time, the runs alternating between them (the machine's other load drifts; alternating shares
 * the drift). Both sides are driven by kv-load.ts (loadgen.mjs speaks no HTTPS), keep-alive on
 * both, and one JSON line reports both sides and the ratios TLS/plain.
 */

const { progress, fail } = benchOutput('bench:kv');

const values = parseFlags(
  {
    seconds: { type: 'string', default: '8' },
    reps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '64' },
    keys: { type: 'string', default: '10000' },
    'value-bytes': { type: 'string', default: '256' },
    only: { type: 'string', default: 'writes,reads' },
    harness: { type: 'string', default: DEFAULT_HARNESS_DIR },
    tls: { type: 'boolean' },
    /** Reads alone against reads while writes run, on one cairn cluster (no etcd). */
    mixed: { type: 'boolean' },
    /** With --tls: which part is TLS: all (HTTPS and between servers), cluster (between servers only), https (clients only). */
    'tls-part': { type: 'string', default: 'all' },
    /** Write a V8 CPU profile of every cairn server into this directory (one subdirectory per side). */
    profile: { type: 'string' },
  },
  fail,
);
const seconds = Number(values.seconds);
const reps = Number(values.reps);
const warmup = Number(values.warmup);
const concurrency = Number(values.concurrency);
const keys = Number(values.keys);
const valueBytes = Number(values['value-bytes']);
const only = new Set((values.only ?? '').split(',').filter((s) => s !== ''));
const tlsMode = values.tls === true;
const mixedMode = values.mixed === true;
const tlsPart = values['tls-part'] ?? 'all';
if (tlsPart !== 'all' && tlsPart !== 'cluster' && tlsPart !== 'https') {
  fail(`--tls-part: "${tlsPart}" is not all, cluster or https`);
}
const profileDir = values.profile === undefined ? null : resolve(values.profile);
const profileArgs = (side: string): { nodeArgs?: string[] } =>
  profileDir === null ? {} : { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, side)}`] };
const harness = resolve(values.harness ?? '');
const loadgen = join(harness, 'loadgen.mjs');
const etcdScript = join(harness, 'etcd-cluster.sh');

if (![seconds, reps, concurrency, keys, valueBytes].every((n) => Number.isInteger(n) && n > 0))
  fail('--seconds, --reps, --concurrency, --keys and --value-bytes must be positive integers', 2);
if (!(Number.isInteger(warmup) && warmup >= 0)) fail('--warmup must be a non-negative integer', 2);
if (only.size === 0 || [...only].some((b) => b !== 'writes' && b !== 'reads'))
  fail('--only is a comma-separated subset of writes,reads', 2);
if (!tlsMode && !mixedMode) requireHarnessFiles([loadgen, etcdScript], fail);
/** Our own load generator, for --tls (compiled beside this file). */
const kvLoad = join(dirname(fileURLToPath(import.meta.url)), 'kv-load.js');

// ---- what this benchmark started, stopped once, on signals too --------------

/** cairn's clusters: one, or with --tls two (plain and TLS). */
const cairns: CairnServers[] = [];
let etcd: EtcdCluster | null = null;
/** The certificates of a --tls run. */
let certDir: string | null = null;

let shuttingDown: Promise<void> | null = null;
/** Stops everything this benchmark started, once, whoever asks first. */
function shutdown(): Promise<void> {
  if (shuttingDown === null) {
    killChildren();
    shuttingDown = Promise.allSettled([...cairns.map((c) => c.stop()), etcd?.stop()]).then(() => {
      if (certDir !== null) rmSync(certDir, { recursive: true, force: true });
    });
  }
  return shuttingDown;
}

const interruptedBy = stopOnSignals(shutdown, progress);

// ---- measurements ------------------------------------------------------------

/** Warnings cairn's servers logged since the last call: late raft ticks and anything else. */
class LogWatch {
  private readonly offsets = new Map<string, number>();
  constructor(private readonly paths: readonly string[]) {
    for (const p of paths) this.offsets.set(p, this.size(p));
  }
  private size(p: string): number {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  }
  take(): {
    raft_ticks_late: number;
    max_tick_late_ms: number | null;
    other_warnings: number;
    sample: string[];
  } {
    let late = 0;
    let maxLate: number | null = null;
    let other = 0;
    const sample = new Set<string>();
    for (const p of this.paths) {
      const from = this.offsets.get(p) ?? 0;
      const size = this.size(p);
      this.offsets.set(p, size);
      if (size <= from) continue;
      const text = readFileSync(p).subarray(from, size).toString('utf8');
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        let rec: { level?: number; msg?: string; lateMs?: number } = {};
        try {
          rec = JSON.parse(line) as typeof rec;
        } catch {
          other++;
          if (sample.size < 3) sample.add(line.slice(0, 160));
          continue;
        }
        if (rec.msg?.startsWith('raft tick late')) {
          late++;
          if (typeof rec.lateMs === 'number') maxLate = Math.max(maxLate ?? 0, rec.lateMs);
        } else if ((rec.level ?? 0) >= 40) {
          other++;
          if (sample.size < 3) sample.add(String(rec.msg).slice(0, 160));
        }
      }
    }
    return { raft_ticks_late: late, max_tick_late_ms: maxLate, other_warnings: other, sample: [...sample] };
  }
}

interface LoadgenResult {
  target: string;
  concurrency: number;
  seconds: number;
  ops: number;
  ops_per_s: number;
  errors: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  loadgen_cpu_s: number;
}

type RunFigures = Omit<LoadgenResult, 'target' | 'concurrency'> & {
  servers_cpu_s: (number | null)[];
  /** Busy CPU of the whole machine minus the servers' and the load generator's: someone else's load. */
  other_cpu_s: number | null;
  /** --tls: what the other cluster, up but without load, used meanwhile (not counted in other_cpu_s). */
  idle_cluster_cpu_s?: number | null;
  raft_ticks_late?: number;
  max_tick_late_ms?: number | null;
  other_warnings?: number;
};

interface Side {
  readonly name: 'cairn' | 'etcd' | 'plain' | 'tls';
  /** The load generator's script and its own flags for one run (both generators take the same). */
  readonly load: (target: string, secs: number) => string[];
  readonly pids: () => readonly (number | undefined)[];
  readonly logs: LogWatch | null;
  /** --tls: the servers of the other cluster, up but idle during this side's runs. */
  readonly idlePids?: () => readonly (number | undefined)[];
}

/** The flags both load generators share. */
const loadFlags = (
  script: string,
  urls: readonly string[],
  target: string,
  secs: number,
  clients = concurrency,
): string[] => [
  script,
  '--target',
  target,
  '--urls',
  urls.join(','),
  '--concurrency',
  String(clients),
  '--seconds',
  String(secs),
  '--keys',
  String(keys),
  '--value-bytes',
  String(valueBytes),
];

async function loadgenRun(side: Side, target: string, secs: number): Promise<RunFigures> {
  if (shuttingDown !== null) throw new Error('stopping');
  const args = side.load(target, secs);
  const pids = side.pids();
  const idlePids = side.idlePids?.() ?? null;
  const idle0 = idlePids?.map(cpuSeconds) ?? [];
  const cpu0 = pids.map(cpuSeconds);
  const busy0 = machineBusySeconds();
  side.logs?.take();
  const r = await run(process.execPath, args, secs * 1000 + 60_000);
  const cpu1 = pids.map(cpuSeconds);
  const busy1 = machineBusySeconds();
  const idle1 = idlePids?.map(cpuSeconds) ?? [];
  if (r.timedOut) throw new Error(`loadgen --target ${target} did not finish within ${secs + 60} s`);
  if (r.code !== 0)
    throw new Error(
      `loadgen --target ${target} exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n')[0]}`,
    );
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let res: LoadgenResult;
  try {
    res = JSON.parse(line) as LoadgenResult;
  } catch {
    throw new Error(`loadgen --target ${target} printed no JSON line: ${line.slice(0, 120)}`);
  }
  if (!(res.ops > 0))
    throw new Error(`loadgen --target ${target}: no successful request (${res.errors} errors)`);
  const { target: _t, concurrency: _c, ...figures } = res;
  const serversCpu = cpuSpent(cpu0, cpu1).map((c) => (c === null ? null : round(c, 2)));
  const idle = idlePids === null ? 0 : sumIfAllKnown(cpuSpent(idle0, idle1));
  const ours = sumIfAllKnown(serversCpu);
  const out: RunFigures = {
    ...figures,
    servers_cpu_s: serversCpu,
    other_cpu_s:
      busy0 === null || busy1 === null || ours === null || idle === null
        ? null
        : Number(Math.max(0, busy1 - busy0 - ours - idle - res.loadgen_cpu_s).toFixed(1)),
    ...(idlePids !== null ? { idle_cluster_cpu_s: idle === null ? null : round(idle, 2) } : {}),
  };
  if (side.logs) {
    const w = side.logs.take();
    out.raft_ticks_late = w.raft_ticks_late;
    out.max_tick_late_ms = w.max_tick_late_ms;
    out.other_warnings = w.other_warnings;
    if (w.sample.length > 0) progress(`  ${side.name} logged: ${w.sample.join(' | ')}`);
  }
  return out;
}

/** Results per target, filled as the peers run one after the other. */
const results = new Map<string, RunFigures[]>();

/** One measured run of `side` on `target`, said on stderr and kept for the summary. */
async function measuredRun(side: Side, target: string, i: number): Promise<void> {
  const r = await loadgenRun(side, target, seconds);
  const key = `${side.name} ${target}`;
  results.set(key, [...(results.get(key) ?? []), r]);
  if (r.other_cpu_s !== null && r.other_cpu_s > 0.15 * r.seconds * availableParallelism())
    progress(`  warning: other processes used ${r.other_cpu_s} CPU-s during this run: figures disturbed`);
  const cpu = r.servers_cpu_s.map((c) => (c === null ? '?' : c.toFixed(1))).join('/');
  progress(
    `${side.name} ${target} ${i}/${reps}: ${r.ops_per_s} ops/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, ` +
      `${r.errors} errors; server CPU ${cpu} s, loadgen ${r.loadgen_cpu_s} s, others ${r.other_cpu_s ?? '?'} s` +
      (r.raft_ticks_late !== undefined ? `; ${r.raft_ticks_late} late raft ticks` : ''),
  );
}

async function warmUp(side: Side, target: string): Promise<void> {
  if (warmup === 0) return;
  progress(`${side.name} ${target}: warm-up ${warmup} s (not counted)`);
  await loadgenRun(side, target, warmup);
}

async function measure(side: Side, targets: readonly string[]): Promise<void> {
  for (const target of targets) {
    await warmUp(side, target);
    for (let i = 1; i <= reps; i++) await measuredRun(side, target, i);
  }
}

/**
 * Each target on both sides in turn, A B B A A B ...: on a shared machine the load of others drifts
 * within minutes, and alternating spreads that drift over both sides instead of favouring one.
 */
async function measureAlternating(a: Side, b: Side, targets: readonly string[]): Promise<void> {
  for (const target of targets) {
    await warmUp(a, target);
    await warmUp(b, target);
    for (let i = 1; i <= reps; i++) {
      const [first, second] = i % 2 === 1 ? [a, b] : [b, a];
      await measuredRun(first, target, i);
      await measuredRun(second, target, i);
    }
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

function summary(side: Side['name'], target: string) {
  const runs = results.get(`${side} ${target}`) ?? [];
  const ops = runs.map((r) => r.ops_per_s);
  const p50 = runs.map((r) => r.p50_ms ?? Number.NaN);
  const p99 = runs.map((r) => r.p99_ms ?? Number.NaN);
  return {
    target,
    runs,
    min_ops_per_s: Math.min(...ops),
    median_ops_per_s: median(ops),
    max_ops_per_s: Math.max(...ops),
    median_p50_ms: round(median(p50)),
    median_p99_ms: round(median(p99)),
    errors: runs.reduce((a, r) => a + r.errors, 0),
  };
}

function report(bench: string, cairnTarget: string, etcdTarget: string): void {
  const c = summary('cairn', cairnTarget);
  const e = summary('etcd', etcdTarget);
  console.log(
    JSON.stringify({
      bench,
      servers: 3,
      cores: availableParallelism(),
      concurrency,
      seconds,
      reps,
      keys,
      value_bytes: valueBytes,
      cairn: c,
      etcd: e,
      ratio_of_medians: round(c.median_ops_per_s / e.median_ops_per_s, 3),
      p99_ratio_of_medians: round(c.median_p99_ms / e.median_p99_ms, 3),
    }),
  );
}

// ---- the peers, one after the other -----------------------------------------

const cairnTargets = [
  ...(only.has('writes') ? ['kv-put'] : []),
  ...(only.has('reads') ? ['kv-get', 'kv-get-stale'] : []),
];
const etcdTargets = [
  ...(only.has('writes') ? ['etcd-put'] : []),
  ...(only.has('reads') ? ['etcd-get', 'etcd-get-serial'] : []),
];

async function runCairn(): Promise<void> {
  const c = await CairnServers.create({
    size: 3,
    dirPrefix: 'cairn-bench-kv-',
    stopGraceMs: 15_000,
    progress,
    ...profileArgs('cairn'),
  });
  cairns.push(c);
  const leader = await c.startAndWaitForLeader();
  progress(`cairn: 3 servers up (${c.servers.map((s) => s.name).join(', ')}), leader ${leader.name}`);
  const urls = c.servers.map((s) => s.url);
  const side: Side = {
    name: 'cairn',
    load: (target, secs) => loadFlags(loadgen, urls, target, secs),
    pids: () => c.servers.map((s) => s.pid),
    logs: new LogWatch(c.servers.map((s) => s.logPath)),
  };
  progress(`cairn: server CPU is listed as ${c.servers.map((s) => s.name).join('/')}`);
  await measure(side, cairnTargets);
  const down = c.servers.filter((s) => !s.running).map((s) => s.name);
  if (down.length > 0) throw new Error(`cairn server(s) ${down.join(', ')} exited during the run`);
  await c.stop();
}

async function runEtcd(): Promise<void> {
  if (shuttingDown !== null) throw new Error('stopping');
  const e = new EtcdCluster(etcdScript, 'etcd-bench-kv-', progress);
  etcd = e;
  progress(`etcd: starting 3 members with ${etcdScript}`);
  await e.start(3);
  progress(`etcd: ${etcdVersion()}, members at ${e.urls.join(', ')}`);
  const side: Side = {
    name: 'etcd',
    load: (target, secs) => loadFlags(loadgen, e.urls, target, secs),
    pids: () => e.pids,
    logs: null,
  };
  await measure(side, etcdTargets);
  await e.stop();
}

// ---- --tls: the same cluster without and with TLS --------------------------

/**
 * A fresh 3-server cluster ready for load: plain, or with TLS where --tls-part says: `all` mutual
 * TLS between servers and the load over HTTPS with a client certificate; `cluster` mutual TLS
 * between servers only (the load over plain HTTP); `https` the load over HTTPS (no client
 * certificate) and plain connections between servers (no CA given, so no cluster TLS).
 */
async function startCairnSide(name: 'plain' | 'tls', certs: BenchCerts | null): Promise<Side> {
  if (shuttingDown !== null) throw new Error('stopping');
  const clusterTls = certs !== null && tlsPart !== 'https';
  const httpsLoad = certs !== null && tlsPart !== 'cluster';
  const agentArgs =
    certs === null
      ? []
      : clusterTls
        ? mutualTlsAgentArgs(certs)
        : ['--tls-cert-file', certs.serverCert, '--tls-key-file', certs.serverKey];
  const c = await CairnServers.create({
    size: 3,
    dirPrefix: `cairn-bench-kv-${name}-`,
    stopGraceMs: 15_000,
    progress,
    ...(certs !== null ? { agentArgs, https: httpsLoad } : {}),
    ...profileArgs(name),
  });
  cairns.push(c);
  const leader = await c.startAndWaitForLeader();
  const urls = c.servers.map((s) => (httpsLoad ? (s.httpsUrl ?? '') : s.url));
  progress(`${name}: 3 servers up, leader ${leader.name}; load to ${urls.join(', ')}`);
  const tlsFlags =
    certs === null || !httpsLoad
      ? []
      : tlsPart === 'all'
        ? ['--ca', certs.ca, '--cert', certs.clientCert, '--key', certs.clientKey]
        : ['--ca', certs.ca];
  return {
    name,
    load: (target, secs) => [...loadFlags(kvLoad, urls, target, secs), ...tlsFlags],
    pids: () => c.servers.map((s) => s.pid),
    logs: new LogWatch(c.servers.map((s) => s.logPath)),
  };
}

/** The goal: TLS costs at most this share of the plain cluster's operations per second. */
const TLS_MAX_COST = 0.25;

function tlsReport(): void {
  const pair = (target: string) => {
    const plain = summary('plain', target);
    const tls = summary('tls', target);
    const ratio = round(tls.median_ops_per_s / plain.median_ops_per_s, 3);
    return {
      plain,
      tls,
      ratio_of_medians: ratio,
      p50_ratio_of_medians: round(tls.median_p50_ms / plain.median_p50_ms, 3),
      p99_ratio_of_medians: round(tls.median_p99_ms / plain.median_p99_ms, 3),
      within_goal: ratio >= 1 - TLS_MAX_COST,
    };
  };
  console.log(
    JSON.stringify({
      bench: 'kv-tls',
      servers: 3,
      cores: availableParallelism(),
      concurrency,
      seconds,
      reps,
      keys,
      value_bytes: valueBytes,
      tls_part: tlsPart,
      tls_setup: {
        all: 'mutual TLS between servers (verify incoming, outgoing, server hostname); load over HTTPS with a client certificate',
        cluster:
          'mutual TLS between servers (verify incoming, outgoing, server hostname); load over plain HTTP',
        https: 'plain connections between servers; load over HTTPS without a client certificate',
      }[tlsPart],
      goal_max_cost: TLS_MAX_COST,
      ...(only.has('writes') ? { writes: pair('kv-put') } : {}),
      ...(only.has('reads') ? { reads: pair('kv-get'), reads_stale: pair('kv-get-stale') } : {}),
    }),
  );
}

async function runTls(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-kv-certs-'));
  certDir = dir;
  const certs = makeBenchCerts(dir);
  const planned = 2 * cairnTargets.length * (reps * seconds + warmup);
  progress(
    `about ${Math.ceil(planned / 60)} min of load: both clusters up, the load on one at a time, alternating`,
  );
  const pidsOf = (c: CairnServers | undefined) => () => c?.servers.map((s) => s.pid) ?? [];
  const plain = await startCairnSide('plain', null);
  const tls = await startCairnSide('tls', certs);
  await measureAlternating(
    { ...plain, idlePids: pidsOf(cairns[1]) },
    { ...tls, idlePids: pidsOf(cairns[0]) },
    cairnTargets,
  );
  for (const c of cairns) {
    const down = c.servers.filter((s) => !s.running).map((s) => s.name);
    if (down.length > 0) throw new Error(`server(s) ${down.join(', ')} exited during the run`);
  }
  await Promise.all(cairns.map((c) => c.stop()));
  tlsReport();
}

// ---- --mixed: reads alone, and reads while writes run ----------------------

/** One kv-load run's JSON line, or an error naming the target. */
async function kvLoadRun(urls: readonly string[], target: string, clients: number, secs: number) {
  const r = await run(process.execPath, loadFlags(kvLoad, urls, target, secs, clients), secs * 1000 + 60_000);
  if (r.code !== 0)
    throw new Error(`kv-load --target ${target} exited ${r.code ?? r.signal}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as LoadgenResult;
}

/**
 * `--mixed`: default-consistency reads (half the clients) measured alone and then while the other
 * half writes, alternating, on one 3-server cluster. A read that arrives while a write is being
 * written to disk should not wait for it (it is answered from the state as of the commit index),
 * so the read latency with writes should stay near the latency without.
 */
async function runMixed(): Promise<void> {
  const c = await CairnServers.create({
    size: 3,
    dirPrefix: 'cairn-bench-kv-mixed-',
    stopGraceMs: 15_000,
    progress,
  });
  cairns.push(c);
  const leader = await c.startAndWaitForLeader();
  const urls = c.servers.map((s) => s.url);
  const half = Math.max(1, Math.floor(concurrency / 2));
  progress(
    `mixed: 3 servers up, leader ${leader.name}; ${half} readers, and ${half} writers in every other run`,
  );
  const once = async (secs: number, writes: boolean) => {
    const [reads, w] = await Promise.all([
      kvLoadRun(urls, 'kv-get', half, secs),
      writes ? kvLoadRun(urls, 'kv-put', half, secs) : Promise.resolve(null),
    ]);
    return { reads, writes: w };
  };
  if (warmup > 0) await once(warmup, true);
  const alone: LoadgenResult[] = [];
  const mixed: LoadgenResult[] = [];
  const writes: LoadgenResult[] = [];
  for (let i = 1; i <= reps; i++) {
    const a = await once(seconds, false);
    alone.push(a.reads);
    const m = await once(seconds, true);
    mixed.push(m.reads);
    if (m.writes) writes.push(m.writes);
    progress(
      `mixed ${i}/${reps}: reads alone p50 ${a.reads.p50_ms} p99 ${a.reads.p99_ms} ms; with writes p50 ${m.reads.p50_ms} p99 ${m.reads.p99_ms} ms; writes ${m.writes?.ops_per_s ?? '?'}/s`,
    );
  }
  const med = (rs: readonly LoadgenResult[], f: (r: LoadgenResult) => number | null) =>
    round(median(rs.map(f).filter((x): x is number => x !== null)), 2);
  const side = (rs: readonly LoadgenResult[]) => ({
    median_ops_per_s: med(rs, (r) => r.ops_per_s),
    median_p50_ms: med(rs, (r) => r.p50_ms),
    median_p99_ms: med(rs, (r) => r.p99_ms),
    errors: rs.reduce((n, r) => n + r.errors, 0),
  });
  const readsAlone = side(alone);
  const readsMixed = side(mixed);
  console.log(
    JSON.stringify({
      bench: 'kv-mixed',
      servers: 3,
      cores: availableParallelism(),
      readers: half,
      writers: half,
      seconds,
      reps,
      reads_alone: readsAlone,
      reads_with_writes: readsMixed,
      writes: side(writes),
      p50_ratio_with_writes: round(readsMixed.median_p50_ms / readsAlone.median_p50_ms, 2),
      p99_ratio_with_writes: round(readsMixed.median_p99_ms / readsAlone.median_p99_ms, 2),
    }),
  );
  await c.stop();
}

async function runEtcdComparison(): Promise<void> {
  await prepareEtcd(progress);
  const planned = (cairnTargets.length + etcdTargets.length) * (reps * seconds + warmup);
  progress(`about ${Math.ceil(planned / 60)} min of load: cairn first, then etcd (never both at once)`);
  await runCairn();
  await runEtcd();
  if (only.has('writes')) report('kv-writes', 'kv-put', 'etcd-put');
  if (only.has('reads')) {
    report('kv-reads-default-vs-linearizable', 'kv-get', 'etcd-get');
    report('kv-reads-stale-vs-serializable', 'kv-get-stale', 'etcd-get-serial');
  }
}

try {
  if (tlsMode) await runTls();
  else if (mixedMode) await runMixed();
  else await runEtcdComparison();
} catch (e) {
  await shutdown();
  const interrupted = interruptedBy();
  if (interrupted !== null) fail(`interrupted by ${interrupted}`, 130);
  fail((e as Error).message);
} finally {
  await shutdown();
}
