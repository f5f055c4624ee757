/**
 * One chaos run: start a cluster behind fault proxies, run every workload
 * while the nemesis works for `seconds`, heal, wait for the cluster to
 * recover, take final readings, stop everything, check the history, write
 * the run's report. Used by `npm run chaos` (scripts/chaos.ts) and by
 * test/chaos/chaos.test.ts.
 *
 * Every run is bounded: a hard deadline kills the servers and fails the run,
 * and the servers' own watchdog (preload.ts) ends them if this process dies.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from '../../cluster/index.js';
import { Rng } from '../raft/sim/rng.js';
import { checkHealth, type HealthCheck } from './checker/health.js';
import { checkLinearizable, type LinearizabilityResult, type ModelKind } from './checker/linearizability.js';
import { checkSet, type FinalSetRead, type SetCheck } from './checker/sets.js';
import { HttpClient } from './client.js';
import { ChaosCluster } from './cluster.js';
import { type Op, Recorder } from './history.js';
import { describePlan, Nemesis, type NemesisKind, planFaults, type RealizedEvent } from './nemesis.js';
import type { NetworkStats } from './proxy.js';
import { writeReport } from './report.js';
import {
  type CheckSeen,
  COUNTER_KEY,
  counterClient,
  counterValue,
  createSession,
  HEALTH_SERVICE,
  healthObserver,
  heartbeatClient,
  lockClient,
  registerClient,
  registerInstance,
  SET_PREFIX,
  setClient,
  setKeys,
  type Target,
  type WorkloadContext,
} from './workloads.js';

export const WORKLOADS = ['register', 'counter', 'set', 'lock', 'health'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface ChaosOptions {
  readonly seed: number;
  readonly seconds: number;
  readonly servers: number;
  readonly nemeses: readonly NemesisKind[];
  /** The run gets its own directory under this one. */
  readonly baseDir: string;
  readonly workloads?: readonly WorkloadName[];
  /** Register and counter reads all ?stale (the checker's self-check: it must fail). */
  readonly staleReads?: boolean;
  readonly opTimeoutMs?: number;
  readonly logLevel?: string;
  /** Linearizability search budget per key, and shrinking time per failing key. */
  readonly checkMsPerKey?: number;
  readonly minimizeMs?: number;
  /** Keep the servers' data directories after a passing run (logs and reports are always kept). */
  readonly keepData?: boolean;
  readonly log?: (line: string) => void;
  /** Aborting stops the run as the hard deadline would (everything stopped, the run failed). */
  readonly signal?: AbortSignal;
}

export interface WorkloadStats {
  ok: number;
  fail: number;
  unknown: number;
}

export interface ChaosResult {
  readonly ok: boolean;
  readonly seed: number;
  readonly runDir: string;
  readonly reportPath: string;
  readonly failurePath: string | null;
  readonly problems: readonly string[];
  readonly ops: Readonly<Record<string, WorkloadStats>>;
  readonly totalOps: number;
  readonly unknownOps: number;
  readonly linearizability: LinearizabilityResult | null;
  readonly set: SetCheck | null;
  readonly health: HealthCheck | null;
  readonly counter: {
    readonly final: number | null;
    readonly acknowledged: number;
    readonly unknown: number;
  } | null;
  readonly checkerMs: number;
  readonly faults: number;
  /** What the nemesis did, in order. */
  readonly events: readonly RealizedEvent[];
  /** What went through the fault proxies. */
  readonly network: NetworkStats;
  readonly durationMs: number;
}

const TTL_MS = 10_000;
const BEAT_EVERY_MS = 1000;
const PROTECT_MARGIN_MS = 1000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const began = Date.now();
  const log = opts.log ?? (() => {});
  const workloads = new Set(opts.workloads ?? WORKLOADS);
  const runDir = join(opts.baseDir, `run-${opts.seed}-${began}`);
  mkdirSync(runDir, { recursive: true });
  // Setup and recovery may take a minute each; checks run after the servers are stopped.
  const hardDeadline = began + opts.seconds * 1000 + 150_000;
  const cluster = await ChaosCluster.create({
    size: opts.servers,
    dir: runDir,
    deadline: hardDeadline + 30_000,
    logLevel: opts.logLevel ?? 'info',
  });
  const http = new HttpClient();
  const recorder = new Recorder();
  const rng = new Rng(opts.seed);
  const problems: string[] = [];
  const plan = planFaults(opts.seed, opts.nemeses, opts.seconds, opts.servers);
  const nemesis = new Nemesis(cluster, plan, () => recorder.now(), log);
  const servers: Target[] = cluster.nodes.map((n) => ({ name: n.name, url: n.url }));
  let kvRunning = false;
  let healthRunning = false;
  const base = {
    recorder,
    http,
    servers,
    opTimeoutMs: opts.opTimeoutMs ?? 2000,
    staleReads: opts.staleReads ?? false,
  };
  const kvCtx: WorkloadContext = { ...base, running: () => kvRunning };
  const healthCtx: WorkloadContext = { ...base, running: () => healthRunning };
  const baseline = new Map<string, number>();
  const finals: FinalSetRead[] = [];
  let counterFinal: number | null = null;

  log(
    `chaos run seed=${opts.seed} servers=${opts.servers} seconds=${opts.seconds} nemesis=${opts.nemeses.join(',') || 'none'} dir=${runDir}`,
  );
  for (const f of plan) log(`  planned +${(f.at / 1000).toFixed(1)}s ${describePlan(f)}`);

  let abortedBy: string | null = null;
  let wakeUp = () => {};
  const abort = (why: string) => {
    if (abortedBy !== null) return;
    abortedBy = why;
    log(`${why}: stopping every server`);
    kvRunning = false;
    healthRunning = false;
    nemesis.stop();
    wakeUp();
    void cluster.stop();
  };
  const hard = setTimeout(() => abort('hard deadline reached'), hardDeadline - Date.now());
  const onAbort = () => abort('aborted');
  opts.signal?.addEventListener('abort', onAbort);

  const clients: Promise<void>[] = [];
  const healthClients: Promise<void>[] = [];
  try {
    cluster.start();
    const first = await cluster.waitForLeader(60_000);
    log(`cluster up, leader ${first}`);

    // ---- setup (no faults yet) ----
    healthRunning = true;
    const instances = workloads.has('health') ? Array.from({ length: 6 }, (_, i) => `inst-${i}`) : [];
    for (const [i, id] of instances.entries())
      await registerInstance(healthCtx, servers[i % servers.length] as Target, id, `${TTL_MS / 1000}s`);
    for (const id of instances) healthClients.push(heartbeatClient(healthCtx, rng.fork(), id, BEAT_EVERY_MS));
    if (instances.length > 0) {
      const seen = await waitUntil(
        'every instance registered and passing',
        async () => {
          const r = await http.request(
            `${servers[0]!.url}/v1/health/checks/${HEALTH_SERVICE}?consistent`,
            'GET',
            undefined,
            3000,
          );
          if (r.kind !== 'http' || r.status !== 200) return undefined;
          const list = JSON.parse(r.text) as { ServiceID: string; Status: string; ModifyIndex: number }[];
          return list.length === instances.length && list.every((c) => c.Status === 'passing')
            ? list
            : undefined;
        },
        30_000,
      );
      for (const c of seen) baseline.set(c.ServiceID, c.ModifyIndex);
      healthClients.push(healthObserver(healthCtx, rng.fork(), 250));
    }
    const sessions: string[] = [];
    if (workloads.has('lock'))
      for (let i = 0; i < 3; i++)
        sessions.push(await createSession(kvCtx, servers[i % servers.length] as Target, `chaos-lock-${i}`));

    // ---- the run ----
    kvRunning = true;
    if (workloads.has('register')) {
      const keys = ['chaos/reg/a', 'chaos/reg/b', 'chaos/reg/c'];
      for (let i = 0; i < 6; i++) clients.push(registerClient(kvCtx, rng.fork(), i, keys));
    }
    if (workloads.has('counter'))
      for (let i = 0; i < 3; i++) clients.push(counterClient(kvCtx, rng.fork(), i));
    if (workloads.has('set')) for (let i = 0; i < 3; i++) clients.push(setClient(kvCtx, rng.fork(), i));
    if (workloads.has('lock'))
      for (const [i, s] of sessions.entries()) clients.push(lockClient(kvCtx, rng.fork(), i, s));
    const startedAt = recorder.now();
    const faults = nemesis.run(startedAt);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, opts.seconds * 1000);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    nemesis.stop();
    await faults;
    kvRunning = false;
    if (abortedBy !== null) throw new Error(abortedBy);
    log(`workloads stopping; healing (${recorder.ops.length} operations so far)`);
    cluster.heal();
    await Promise.all(clients);

    // ---- recovery and final readings ----
    try {
      const leader = await cluster.waitForLeader(60_000);
      log(`recovered: leader ${leader}`);
    } catch (e) {
      problems.push(
        `liveness: the cluster did not recover within 60 s after healing: ${(e as Error).message}`,
      );
    }
    if (problems.length === 0) {
      if (workloads.has('counter')) {
        const r = await finalRead(http, `${servers[0]!.url}/v1/kv/${COUNTER_KEY}?consistent`);
        if (r === null) problems.push('counter: the final read failed');
        else if (r.status === 404) counterFinal = 0;
        else {
          const v = (JSON.parse(r.text) as { Value: string | null }[])[0]?.Value ?? null;
          counterFinal = counterValue(v === null ? null : Buffer.from(v, 'base64').toString());
        }
      }
      if (workloads.has('set')) {
        for (const s of servers) {
          const r = await finalRead(http, `${s.url}/v1/kv/${SET_PREFIX}?keys&consistent`);
          finals.push({
            server: s.name,
            elements: r === null ? null : (setKeys({ kind: 'http', ...r }) ?? null),
          });
        }
      }
      if (instances.length > 0) {
        // A last look at every server's checks, recorded like the observer's reads.
        for (const s of servers) {
          const op = recorder.invoke('health', 'final', HEALTH_SERVICE, 'checks', null, s.name, 'consistent');
          const r = await finalRead(http, `${s.url}/v1/health/checks/${HEALTH_SERVICE}?consistent`);
          if (r === null || r.status !== 200) recorder.complete(op, 'fail', undefined, 'final read failed');
          else {
            const list = JSON.parse(r.text) as { ServiceID: string; Status: string; ModifyIndex: number }[];
            const seen: CheckSeen[] = list.map((c) => ({
              id: c.ServiceID,
              status: c.Status,
              modifyIndex: c.ModifyIndex,
            }));
            recorder.complete(op, 'ok', seen);
          }
        }
      }
    }
  } catch (e) {
    if (abortedBy === null) problems.push(`run aborted: ${(e as Error).stack ?? String(e)}`);
  } finally {
    kvRunning = false;
    healthRunning = false;
    nemesis.stop();
    await Promise.race([Promise.all([...clients, ...healthClients]), sleep(10_000)]);
    clearTimeout(hard);
    await cluster.stop();
    http.close();
  }
  opts.signal?.removeEventListener('abort', onAbort);
  if (abortedBy !== null) problems.push(`run aborted: ${abortedBy}`);
  recorder.closeAll();

  // ---- checks ----
  const checkStarted = performance.now();
  const ops = recorder.ops;
  const kindOf = (op: Op): ModelKind | null =>
    op.workload === 'register' || op.workload === 'counter'
      ? 'register'
      : op.workload === 'lock'
        ? 'lock'
        : null;
  const lin = ops.some((o) => kindOf(o) !== null)
    ? checkLinearizable(ops, kindOf, {
        msPerKey: opts.checkMsPerKey ?? 60_000,
        minimizeMs: opts.minimizeMs ?? 30_000,
      })
    : null;
  if (lin) {
    for (const k of lin.keys) {
      if (k.verdict === 'violation')
        problems.push(`linearizability: key ${k.key} (${k.model}) is not linearizable`);
      if (k.verdict === 'unknown')
        problems.push(
          `linearizability: key ${k.key} could not be decided (${k.search?.reason ?? k.anomalies.join('; ')})`,
        );
    }
  }
  let counter: ChaosResult['counter'] = null;
  if (workloads.has('counter')) {
    const cas = ops.filter((o) => o.workload === 'counter' && o.f === 'cas');
    const acknowledged = cas.filter((o) => o.outcome === 'ok' && o.output === true).length;
    const unknown = cas.filter((o) => o.outcome === 'unknown').length;
    counter = { final: counterFinal, acknowledged, unknown };
    if (counterFinal !== null && (counterFinal < acknowledged || counterFinal > acknowledged + unknown))
      problems.push(
        `counter: final value ${counterFinal}, but ${acknowledged} increments were acknowledged and ${unknown} unknown`,
      );
  }
  const set =
    workloads.has('set') && finals.length > 0
      ? checkSet(
          ops.filter((o) => o.workload === 'set'),
          finals,
        )
      : null;
  if (set) for (const p of set.problems) problems.push(`set: ${p}`);
  const health =
    baseline.size > 0
      ? checkHealth(
          ops.filter((o) => o.workload === 'health'),
          baseline,
          TTL_MS,
          PROTECT_MARGIN_MS,
        )
      : null;
  if (health) for (const p of health.problems) problems.push(`health: ${p}`);
  const checkerMs = performance.now() - checkStarted;

  const byWorkload: Record<string, WorkloadStats> = {};
  for (const o of ops) {
    const s = byWorkload[o.workload] ?? { ok: 0, fail: 0, unknown: 0 };
    byWorkload[o.workload] = s;
    if (o.outcome === 'ok' || o.outcome === 'fail' || o.outcome === 'unknown') s[o.outcome]++;
  }
  const result: ChaosResult = {
    ok: problems.length === 0,
    seed: opts.seed,
    runDir,
    reportPath: join(runDir, 'report.json'),
    failurePath: problems.length === 0 ? null : join(runDir, 'failure.txt'),
    problems,
    ops: byWorkload,
    totalOps: ops.length,
    unknownOps: ops.filter((o) => o.outcome === 'unknown').length,
    linearizability: lin,
    set,
    health,
    counter,
    checkerMs,
    faults: plan.length,
    events: nemesis.events,
    network: { ...cluster.network.stats },
    durationMs: Date.now() - began,
  };
  writeReport(result, { opts, plan, events: nemesis.events, ops, network: cluster.network.stats });
  if (result.ok && !opts.keepData)
    for (const n of cluster.nodes) rmSync(join(runDir, n.name), { recursive: true, force: true });
  log(
    `${result.ok ? 'PASS' : 'FAIL'} seed=${opts.seed}: ${result.totalOps} operations (${result.unknownOps} unknown), checker ${checkerMs.toFixed(0)} ms; report ${result.failurePath ?? result.reportPath}`,
  );
  return result;
}

/** A final reading, retried for up to 30 s. */
async function finalRead(http: HttpClient, url: string): Promise<{ status: number; text: string } | null> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const r = await http.request(url, 'GET', undefined, 5000);
    if (r.kind === 'http' && (r.status === 200 || r.status === 404))
      return { status: r.status, text: r.text };
    await sleep(250);
  }
  return null;
}
