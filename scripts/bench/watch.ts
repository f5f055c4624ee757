import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../../cluster/index.js';
import {
  benchOutput,
  CairnServers,
  checkEtcdPortsFree,
  cpuSeconds,
  cpuSpent,
  DEFAULT_HARNESS_DIR,
  EtcdCluster,
  etcdVersion,
  killChildren,
  machineBusySeconds,
  parseFlags,
  quantile,
  requireHarnessFiles,
  round,
  sleep,
  stopOnSignals,
  sumIfAllKnown,
  trackChild,
  withTimeout,
} from './support/index.js';
import type { FromWorker, ToWorker, WatchPlan } from './watch-worker.js';

/**
 * `npm run bench:watch` (issue #5): how fast and how cheaply a change reaches
 * many watchers. For each case a fresh system is started (cairn with 1 or 3
 * servers, or etcd with 1 or 3 members through the shared harness), N watchers
 * connect (one connection each, spread over all servers and over `--procs`
 * load processes), then one writer changes the watched thing once per second
 * for `--seconds` seconds:
 *
 * - target `kv`: the key `bench/watched` (a PUT of `seq-<n>`);
 * - target `service`: the 50 instances of `bench-svc`; the writer flips one
 *   instance's TTL check between critical and passing, with `note=seq-<n>`
 *   (etcd has no services: there, 50 keys under `bench-svc/` watched as a
 *   prefix, the writer rewriting one of them).
 *
 * Transports: cairn's `/v1/watch` WebSocket (`ws`), Consul-style blocking
 * queries (`longpoll`), and etcd's watch through its JSON gateway (`etcd`,
 * `POST /v3/watch`). Never two systems at once.
 *
 * Per case one JSON line on stdout: delivery delay from the write's
 * acknowledgement (to the writer) to each watcher's receipt of that change
 * (p50/p99/max, overall and per server), deliveries missed, the servers' CPU
 * per change (from /proc, over the window of `--seconds` seconds that starts
 * at the first write), their idle CPU before the window, their RSS at the end
 * of the window, and the load generator's own CPU: on a 2-core machine it
 * competes with the servers. Progress on stderr.
 */

type Transport = 'ws' | 'longpoll' | 'etcd' | 'bare-ws' | 'bare-longpoll';
type Target = 'kv' | 'service';

const { progress, fail } = benchOutput('bench:watch');

/** Where the load processes and the floor server are, beside this file (compiled). */
const HERE = dirname(fileURLToPath(import.meta.url));
const WORKER = join(HERE, 'watch-worker.js');
const BARE = join(HERE, 'watch-bare.js');

const values = parseFlags(
  {
    watchers: { type: 'string', default: '1000,10000' },
    seconds: { type: 'string', default: '30' },
    servers: { type: 'string', default: '1,3' },
    only: { type: 'string', default: 'ws,longpoll,etcd' },
    target: { type: 'string', default: 'kv,service' },
    /** Load processes the watchers are spread over. */
    procs: { type: 'string', default: '4' },
    /** Watchers of one load process that connect at the same time. */
    'connect-concurrency': { type: 'string', default: '50' },
    /** After the last write, how long to wait for late deliveries (seconds). */
    grace: { type: 'string', default: '15' },
    /** Before each case, wait at most this long (seconds) for other processes to quieten down. */
    'quiet-wait': { type: 'string', default: '120' },
    harness: { type: 'string', default: DEFAULT_HARNESS_DIR },
    /** Write a V8 CPU profile of every cairn server into this directory. */
    profile: { type: 'string' },
  },
  fail,
);

const list = (s: string | undefined) => (s ?? '').split(',').filter((x) => x !== '');
const watcherCounts = list(values.watchers).map(Number);
const serverCounts = list(values.servers).map(Number);
const seconds = Number(values.seconds);
const procs = Number(values.procs);
const connectConcurrency = Number(values['connect-concurrency']);
const graceS = Number(values.grace);
const quietWaitS = Number(values['quiet-wait']);
const only = list(values.only);
const targets = list(values.target) as Target[];
const harness = resolve(values.harness ?? '');
const etcdScript = join(harness, 'etcd-cluster.sh');

const positive = (n: number) => Number.isInteger(n) && n > 0;
if (watcherCounts.length === 0 || !watcherCounts.every(positive))
  fail('--watchers is a comma-separated list of positive integers', 2);
if (serverCounts.length === 0 || !serverCounts.every(positive))
  fail('--servers is a comma-separated list of positive integers', 2);
if (![seconds, procs, connectConcurrency].every(positive))
  fail('--seconds, --procs and --connect-concurrency must be positive integers', 2);
if (!(Number.isFinite(graceS) && graceS >= 0)) fail('--grace must be a number of seconds >= 0', 2);
if (!(Number.isFinite(quietWaitS) && quietWaitS >= 0))
  fail('--quiet-wait must be a number of seconds >= 0', 2);
const TRANSPORTS = ['ws', 'longpoll', 'etcd', 'bare-ws', 'bare-longpoll'] as const;
if (only.length === 0 || only.some((o) => !(TRANSPORTS as readonly string[]).includes(o)))
  fail('--only is a comma-separated subset of ws,longpoll,etcd,bare-ws,bare-longpoll', 2);
if (targets.length === 0 || targets.some((t) => t !== 'kv' && t !== 'service'))
  fail('--target is a comma-separated subset of kv,service', 2);
if (only.includes('etcd')) requireHarnessFiles([etcdScript], fail);

const KV_KEY = 'bench/watched';
const SERVICE = 'bench-svc';
const INSTANCES = 50;
const FLIPPED = `${SERVICE}-0`;

const clock = () => performance.timeOrigin + performance.now();
const b64 = (s: string) => Buffer.from(s).toString('base64');

// ---- /proc ----------------------------------------------------------------------

/** A field of /proc/<pid>/status in MiB (VmRSS, VmHWM); null when unknown. */
function statusMb(pid: number | undefined, field: string): number | null {
  if (pid === undefined) return null;
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? round(Number(m[1]) / 1024, 1) : null;
  } catch {
    return null;
  }
}

/** The soft limit on open files of this process (inherited by servers and load processes). */
function openFilesLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return null;
    return m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
  } catch {
    return null;
  }
}

/** CPU seconds of this process and its descendants that already ended. */
const selfCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/**
 * Waits (at most `maxS` seconds) until the rest of the machine is quiet: other
 * processes (test suites, other benchmarks) busy less than 0.25 of a core over 2 s.
 * Returns what the others used per second when it gave up or went ahead.
 */
async function waitForQuiet(maxS: number): Promise<number | null> {
  const deadline = clock() + maxS * 1000;
  let said = false;
  for (;;) {
    const b0 = machineBusySeconds();
    const s0 = selfCpuSeconds();
    const t0 = clock();
    await sleep(2000);
    const b1 = machineBusySeconds();
    if (b0 === null || b1 === null) return null;
    const others = Math.max(0, b1 - b0 - (selfCpuSeconds() - s0)) / ((clock() - t0) / 1000);
    if (others < 0.25 || clock() >= deadline) {
      if (others >= 0.25)
        progress(`  the machine is still busy (others use ${others.toFixed(2)} cores): going ahead`);
      return round(others, 2);
    }
    if (!said) {
      progress(
        `  other processes use ${others.toFixed(2)} cores: waiting up to ${maxS} s for a quiet machine`,
      );
      said = true;
    }
  }
}

// ---- HTTP for the writer and set-up ---------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

function call(
  method: string,
  url: string,
  body?: string,
  timeoutMs = 10_000,
): Promise<{ status: number; text: string }> {
  return new Promise((res, rej) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: body === undefined ? {} : { 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (r) => {
        let text = '';
        r.setEncoding('utf8');
        r.on('data', (d: string) => {
          text += d;
        });
        r.on('end', () => res({ status: r.statusCode ?? 0, text }));
        r.on('error', rej);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on('error', rej);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function mustCall(method: string, url: string, body?: string): Promise<string> {
  const r = await call(method, url, body);
  if (r.status < 200 || r.status >= 300)
    throw new Error(`${method} ${url}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
  return r.text;
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (${last})` : ''}`);
}

// ---- the systems under test ----------------------------------------------------------

interface System {
  readonly name: 'cairn' | 'etcd' | 'bare';
  readonly servers: number;
  /** Client URLs, watchers spread round robin over them. */
  readonly urls: readonly string[];
  /** Server process ids, in the order of `urls`. */
  readonly pids: () => readonly (number | undefined)[];
  /** Makes change `seq`; resolves on its acknowledgement. */
  write(seq: number): Promise<void>;
  /** Server log lines at warning level or above since start, with a few samples. */
  warnings(): { count: number; lateTicks: number; sample: string[] };
  stop(): Promise<void>;
}

let current: System | null = null;

async function startCairn(servers: number, target: Target): Promise<System> {
  const cairn = await CairnServers.create({
    size: servers,
    dirPrefix: 'cairn-bench-watch-',
    // Every watcher connects from 127.0.0.1: per-client caps would measure the caps, not the fan-out.
    agentArgs: [
      '--http-max-blocking-per-client',
      '0',
      '--watch-max-connections-per-client',
      '0',
      '--watch-max-subscriptions-per-client',
      '0',
    ],
    ...(values.profile ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${resolve(values.profile)}`] } : {}),
    stopGraceMs: 20_000,
    progress,
  });
  const sys: System = {
    name: 'cairn',
    servers,
    urls: cairn.servers.map((s) => s.url),
    pids: () => cairn.servers.map((s) => s.pid),
    write: async () => {},
    warnings: () => {
      let count = 0;
      let lateTicks = 0;
      const sample: string[] = [];
      for (const s of cairn.servers) {
        let text = '';
        try {
          text = readFileSync(s.logPath, 'utf8');
        } catch {
          continue;
        }
        for (const line of text.split('\n')) {
          if (line.trim() === '') continue;
          let rec: { level?: number; msg?: string } = {};
          try {
            rec = JSON.parse(line) as typeof rec;
          } catch {
            rec = { level: 50, msg: line };
          }
          if ((rec.level ?? 0) < 40) continue;
          count++;
          if (rec.msg?.startsWith('raft tick late')) lateTicks++;
          else if (sample.length < 3) sample.push(`${s.name}: ${String(rec.msg).slice(0, 160)}`);
        }
      }
      return { count, lateTicks, sample };
    },
    stop: () => cairn.stop(),
  };
  current = sys;
  const leader = await cairn.startAndWaitForLeader();
  if (target === 'kv') {
    await mustCall('PUT', `${leader.url}/v1/kv/${KV_KEY}`, 'seq-0');
    await Promise.all(
      sys.urls.map((u) =>
        waitFor(
          `${KV_KEY} on ${u}`,
          async () => (await call('GET', `${u}/v1/kv/${KV_KEY}?stale`)).status === 200,
          20_000,
        ),
      ),
    );
    sys.write = async (seq) => {
      const text = await mustCall('PUT', `${leader.url}/v1/kv/${KV_KEY}`, `seq-${seq}`);
      if (text.trim() !== 'true') throw new Error(`PUT ${KV_KEY}: answered ${text.slice(0, 80)}`);
    };
  } else {
    for (let i = 0; i < INSTANCES; i++) {
      await mustCall(
        'PUT',
        `${leader.url}/v1/agent/service/register`,
        JSON.stringify({
          Name: SERVICE,
          ID: `${SERVICE}-${i}`,
          Address: `10.0.${i >> 8}.${i & 255}`,
          Port: 8080,
          Tags: ['v1', 'bench'],
          Meta: { zone: `z${i % 3}` },
          Check: { TTL: '10m', Status: 'passing' },
        }),
      );
    }
    await Promise.all(
      sys.urls.map((u) =>
        waitFor(
          `${INSTANCES} instances on ${u}`,
          async () => {
            const r = await call('GET', `${u}/v1/health/service/${SERVICE}?stale`);
            return r.status === 200 && (JSON.parse(r.text) as unknown[]).length === INSTANCES;
          },
          20_000,
        ),
      ),
    );
    // Odd changes make the instance critical, even ones passing again: each is a status change (a write).
    sys.write = async (seq) => {
      const verb = seq % 2 === 1 ? 'fail' : 'pass';
      await mustCall('PUT', `${leader.url}/v1/agent/check/${verb}/service:${FLIPPED}?note=seq-${seq}`);
    };
  }
  progress(
    `cairn: ${servers} server(s) up, leader ${leader.name}; writes go to the leader; ` +
      `pids ${sys.pids().join(',')}`,
  );
  return sys;
}

async function startEtcd(servers: number, target: Target): Promise<System> {
  await checkEtcdPortsFree(servers);
  const etcd = new EtcdCluster(etcdScript, 'etcd-bench-watch-', progress);
  const sys: System = {
    name: 'etcd',
    servers,
    get urls() {
      return etcd.urls;
    },
    pids: () => etcd.pids,
    write: async () => {},
    warnings: () => ({ count: 0, lateTicks: 0, sample: [] }),
    stop: () => etcd.stop(),
  };
  current = sys;
  await etcd.start(servers);
  const urls = etcd.urls;
  // Writes go to the leader, as cairn's do.
  let leaderUrl = urls[0] as string;
  for (const u of urls) {
    const st = JSON.parse(await mustCall('POST', `${u}/v3/maintenance/status`, '{}')) as {
      header?: { member_id?: string };
      leader?: string;
    };
    if (st.leader !== undefined && st.header?.member_id === st.leader) leaderUrl = u;
  }
  const put = async (key: string, value: string) => {
    const text = await mustCall(
      'POST',
      `${leaderUrl}/v3/kv/put`,
      JSON.stringify({ key: b64(key), value: b64(value) }),
    );
    if (!text.includes('"header"')) throw new Error(`etcd put ${key}: answered ${text.slice(0, 80)}`);
  };
  const instance = (i: number, status: string, output: string) =>
    JSON.stringify({
      id: `${SERVICE}-${i}`,
      address: `10.0.${i >> 8}.${i & 255}`,
      port: 8080,
      tags: ['v1', 'bench'],
      status,
      output,
    });
  if (target === 'kv') {
    await put(KV_KEY, 'seq-0');
    sys.write = (seq) => put(KV_KEY, `seq-${seq}`);
  } else {
    for (let i = 0; i < INSTANCES; i++) await put(`${SERVICE}/${SERVICE}-${i}`, instance(i, 'passing', ''));
    sys.write = (seq) =>
      put(`${SERVICE}/${FLIPPED}`, instance(0, seq % 2 === 1 ? 'critical' : 'passing', `seq-${seq}`));
  }
  progress(`etcd: ${etcdVersion()}, ${servers} member(s) at ${urls.join(', ')}; writes to ${leaderUrl}`);
  return sys;
}

/** The floor: watch-bare.js, one process answering the same protocol for one key with no registry behind it. */
async function startBare(): Promise<System> {
  const [port] = (await freePorts(1)) as [number];
  const child = trackChild(
    spawn(process.execPath, [BARE, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  let stopped: Promise<void> | null = null;
  const url = `http://127.0.0.1:${port}`;
  const sys: System = {
    name: 'bare',
    servers: 1,
    urls: [url],
    pids: () => [child.pid],
    write: async (seq) => {
      await mustCall('PUT', `${url}/v1/kv/${KV_KEY}`, `seq-${seq}`);
    },
    warnings: () => ({ count: 0, lateTicks: 0, sample: [] }),
    stop: () => {
      stopped ??= (async () => {
        child.kill('SIGTERM');
        await withTimeout(exited, 10_000, 'stopping the bare server').catch(() => {
          child.kill('SIGKILL');
          return exited;
        });
      })();
      return stopped;
    },
  };
  current = sys;
  await withTimeout(
    new Promise<void>((res, rej) => {
      child.stdout?.setEncoding('utf8').on('data', (d: string) => d.includes('ready') && res());
      child.once('exit', () => rej(new Error('the bare server exited')));
    }),
    20_000,
    'starting the bare server',
  );
  await mustCall('PUT', `${url}/v1/kv/${KV_KEY}`, 'seq-0');
  progress(`bare: floor server (ws + http, no registry) at ${url}, pid ${child.pid}`);
  return sys;
}

// ---- load processes -----------------------------------------------------------------

class LoadProcess {
  private readonly waiting: ((m: FromWorker) => void)[] = [];
  private readonly child: ChildProcess;
  readonly exited: Promise<void>;

  constructor(readonly plan: WatchPlan) {
    this.child = trackChild(
      fork(WORKER, [], {
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        execArgv: [],
      }),
    );
    this.exited = new Promise((res) => {
      this.child.once('exit', () => {
        for (const w of this.waiting.splice(0)) w({ t: 'progress', seen: -1 });
        res();
      });
    });
    this.child.on('message', (m: FromWorker) => this.waiting.shift()?.(m));
    this.send({ t: 'plan', plan });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private send(m: ToWorker): void {
    if (this.child.connected) this.child.send(m);
  }

  /** Sends `m` and resolves with the next message from the process (answers come in order). */
  ask<T extends FromWorker['t']>(
    m: ToWorker | null,
    t: T,
    timeoutMs: number,
  ): Promise<FromWorker & { t: T }> {
    const p = new Promise<FromWorker>((res) => this.waiting.push(res));
    if (m) this.send(m);
    return withTimeout(p, timeoutMs, `load process ${this.pid} (${t})`).then((r) => {
      if (r.t !== t) throw new Error(`load process ${this.pid} exited or answered ${r.t} instead of ${t}`);
      return r as FromWorker & { t: T };
    });
  }

  async stop(): Promise<void> {
    try {
      await withTimeout(this.exited, 10_000, 'load process exit');
    } catch {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

// ---- one case ------------------------------------------------------------------------

interface CaseSpec {
  readonly system: 'cairn' | 'etcd' | 'bare';
  readonly servers: number;
  readonly transport: Transport;
  readonly target: Target;
  readonly watchers: number;
}

function planFor(spec: CaseSpec, sys: System, first: number, count: number): WatchPlan {
  const base = { urls: sys.urls, first, count, changes: seconds, connectConcurrency };
  switch (spec.transport) {
    case 'ws':
    case 'bare-ws':
      return {
        ...base,
        mode: 'ws',
        request: JSON.stringify(
          spec.target === 'kv'
            ? { op: 'subscribe', id: 'a', kind: 'kv', key: KV_KEY }
            : { op: 'subscribe', id: 'a', kind: 'service', service: SERVICE },
        ),
        marker: spec.target === 'kv' ? '"Value":"' : '"Output":"seq-',
        base64: spec.target === 'kv',
      };
    case 'longpoll':
    case 'bare-longpoll':
      return {
        ...base,
        mode: 'longpoll',
        request: spec.target === 'kv' ? `/v1/kv/${KV_KEY}` : `/v1/health/service/${SERVICE}`,
        marker: spec.target === 'kv' ? '"Value":"' : '"Output":"seq-',
        base64: spec.target === 'kv',
      };
    case 'etcd': {
      // A prefix watch: range_end is the prefix with its last byte plus one ('/' + 1 = '0').
      const create =
        spec.target === 'kv'
          ? { key: b64(KV_KEY) }
          : { key: b64(`${SERVICE}/`), range_end: b64(`${SERVICE}0`) };
      return {
        ...base,
        mode: 'etcd',
        request: JSON.stringify({ create_request: create }),
        marker: '"value":"',
        base64: true,
      };
    }
  }
}

async function runCase(spec: CaseSpec): Promise<Record<string, unknown>> {
  const label = `${spec.system} ${spec.servers}s ${spec.transport} ${spec.target} ${spec.watchers}w`;
  const othersBefore = quietWaitS > 0 ? await waitForQuiet(quietWaitS) : null;
  const sys =
    spec.system === 'cairn'
      ? await startCairn(spec.servers, spec.target)
      : spec.system === 'etcd'
        ? await startEtcd(spec.servers, spec.target)
        : await startBare();
  const loads: LoadProcess[] = [];
  try {
    const pids = sys.pids();
    const rssBefore = pids.map((p) => statusMb(p, 'VmRSS'));

    // Connect the watchers.
    const n = Math.min(procs, spec.watchers);
    const began = clock();
    for (let i = 0; i < n; i++) {
      const first = Math.floor((spec.watchers * i) / n);
      const count = Math.floor((spec.watchers * (i + 1)) / n) - first;
      loads.push(new LoadProcess(planFor(spec, sys, first, count)));
    }
    progress(`${label}: connecting ${spec.watchers} watchers from ${n} load processes...`);
    const readies = await Promise.all(loads.map((l) => l.ask(null, 'ready', 120_000 + 60 * l.plan.count)));
    const connectS = round((clock() - began) / 1000, 1);
    const ready = readies.reduce((a, r) => a + r.ready, 0);
    const failedToConnect = readies.reduce((a, r) => a + r.failed, 0);
    progress(
      `${label}: ${ready} watchers hold their initial state after ${connectS} s` +
        (failedToConnect > 0
          ? `, ${failedToConnect} failed (${readies.find((r) => r.firstError)?.firstError})`
          : ''),
    );
    if (ready === 0) throw new Error('no watcher connected');

    // Settle, then the servers' idle CPU.
    await sleep(2000);
    const idle0 = pids.map(cpuSeconds);
    const idleT0 = clock();
    await sleep(3000);
    const idleCpu = sumIfAllKnown(cpuSpent(idle0, pids.map(cpuSeconds)));
    const idleMsPerS = idleCpu === null ? null : round((idleCpu * 1000) / ((clock() - idleT0) / 1000), 1);

    // The window: one change per second, CPU measured over exactly `seconds` seconds from the first write.
    const loadPids = loads.map((l) => l.pid);
    const cpu0 = pids.map(cpuSeconds);
    const load0 = sumIfAllKnown(loadPids.map(cpuSeconds));
    const main0 = process.cpuUsage();
    const busy0 = machineBusySeconds();
    const acks = new Float64Array(seconds + 1).fill(Number.NaN);
    const sends = new Float64Array(seconds + 1).fill(Number.NaN);
    const writeMs: number[] = [];
    let writeErrors = 0;
    let firstWriteError: string | null = null;
    const t0 = clock() + 50;
    for (let seq = 1; seq <= seconds; seq++) {
      const at = t0 + (seq - 1) * 1000;
      const wait = at - clock();
      if (wait > 0) await sleep(wait);
      const sent = clock();
      sends[seq] = sent;
      try {
        await sys.write(seq);
        acks[seq] = clock();
        writeMs.push(acks[seq] - sent);
      } catch (e) {
        writeErrors++;
        firstWriteError ??= (e as Error).message;
      }
    }
    const windowEnd = t0 + seconds * 1000;
    if (clock() < windowEnd) await sleep(windowEnd - clock());
    const windowS = (clock() - t0) / 1000;
    const cpu1 = pids.map(cpuSeconds);
    const load1 = sumIfAllKnown(loadPids.map(cpuSeconds));
    const mainCpu = process.cpuUsage(main0);
    const busy1 = machineBusySeconds();
    const rssEnd = pids.map((p) => statusMb(p, 'VmRSS'));
    const hwm = pids.map((p) => statusMb(p, 'VmHWM'));
    const changes = seconds - writeErrors;

    // Late deliveries: until every watcher has seen the last change, or the grace period ends.
    const graceEnd = clock() + graceS * 1000;
    for (;;) {
      const seen = (
        await Promise.all(loads.map((l) => l.ask({ t: 'progress', seq: seconds }, 'progress', 10_000)))
      ).reduce((a, r) => a + r.seen, 0);
      if (seen >= ready || clock() >= graceEnd) break;
      await sleep(250);
    }
    const results = await Promise.all(loads.map((l) => l.ask({ t: 'collect' }, 'collect', 60_000)));
    await Promise.all(loads.map((l) => l.stop()));
    const warnings = sys.warnings();
    await sys.stop();

    // Delays: receipt - acknowledgement, per change each watcher should have seen.
    const stride = seconds + 1;
    const all: number[] = [];
    const fromSend: number[] = [];
    const byChange: number[][] = Array.from({ length: stride }, () => []);
    const byServer: number[][] = sys.urls.map(() => []);
    let connected = 0;
    let missed = 0;
    let superseded = 0;
    results.forEach((r, i) => {
      const plan = (loads[i] as LoadProcess).plan;
      for (let w = 0; w < plan.count; w++) {
        if (r.connected[w] !== 1) continue;
        connected++;
        const srv = (plan.first + w) % sys.urls.length;
        let last = 0;
        for (let s = seconds; s >= 1; s--)
          if ((r.receipts[w * stride + s] as number) > 0) {
            last = s;
            break;
          }
        for (let s = 1; s <= seconds; s++) {
          const ack = acks[s] as number;
          if (Number.isNaN(ack)) continue;
          const got = r.receipts[w * stride + s] as number;
          if (got > 0) {
            const d = got - ack;
            all.push(d);
            fromSend.push(got - (sends[s] as number));
            (byServer[srv] as number[]).push(d);
            (byChange[s] as number[]).push(d);
          } else {
            missed++;
            if (s < last) superseded++;
          }
        }
      }
    });
    const sorted = Float64Array.from(all).sort();
    const serverCpu = cpuSpent(cpu0, cpu1);
    const totalCpu = sumIfAllKnown(serverCpu);
    const cpuPerChange = totalCpu === null || changes === 0 ? null : (totalCpu * 1000) / changes;
    const loadCpu =
      load0 === null || load1 === null ? null : load1 - load0 + (mainCpu.user + mainCpu.system) / 1e6;
    const others =
      busy0 === null || busy1 === null || totalCpu === null || loadCpu === null
        ? null
        : round(Math.max(0, busy1 - busy0 - totalCpu - loadCpu), 1);
    const p99 = quantile(sorted, 0.99);
    const perThousand = cpuPerChange === null ? null : cpuPerChange / (spec.watchers / 1000);
    const out: Record<string, unknown> = {
      bench: 'watch',
      system: spec.system,
      servers: spec.servers,
      transport: spec.transport,
      target: spec.target,
      watchers: spec.watchers,
      connected,
      changes,
      delivered: all.length,
      missed,
      missed_superseded: superseded,
      min_ms: sorted.length ? round(sorted[0] as number) : null,
      p50_ms: quantile(sorted, 0.5),
      p90_ms: quantile(sorted, 0.9),
      p99_ms: p99,
      max_ms: sorted.length ? round(sorted[sorted.length - 1] as number) : null,
      /** The same deliveries timed from when the write was sent (fair where the ack waits for the fan-out). */
      from_send: (() => {
        const f = Float64Array.from(fromSend).sort();
        return {
          p50_ms: quantile(f, 0.5),
          p99_ms: quantile(f, 0.99),
          max_ms: f.length ? round(f[f.length - 1] as number) : null,
        };
      })(),
      by_server: byServer.map((d) => {
        const s = Float64Array.from(d).sort();
        return {
          p50_ms: quantile(s, 0.5),
          p99_ms: quantile(s, 0.99),
          max_ms: s.length ? round(s[s.length - 1] as number) : null,
        };
      }),
      /** The median delay of each change in turn: a stall shows up as one slow change. */
      change_p50_ms: byChange.slice(1).map((d) => quantile(Float64Array.from(d).sort(), 0.5)),
      server_cpu_ms_per_change: cpuPerChange === null ? null : round(cpuPerChange, 1),
      cpu_ms_per_1000_watchers_per_change: perThousand === null ? null : round(perThousand, 2),
      server_cpu_s: serverCpu.map((c) => (c === null ? null : round(c, 2))),
      server_idle_cpu_ms_per_s: idleMsPerS,
      /** Per change, less what the servers use idle (pings, Raft heartbeats, timers) over the same window. */
      server_cpu_ms_per_change_net_of_idle:
        cpuPerChange === null || idleMsPerS === null || changes === 0
          ? null
          : round(cpuPerChange - (idleMsPerS * windowS) / changes, 1),
      window_s: round(windowS, 1),
      server_rss_mb: sumIfAllKnown(rssEnd) === null ? null : round(sumIfAllKnown(rssEnd) as number, 1),
      server_rss_mb_each: rssEnd,
      server_rss_mb_before_watchers: rssBefore,
      server_peak_rss_mb_each: hwm,
      write_ack_ms_p50: writeMs.length
        ? round([...writeMs].sort((a, b) => a - b)[writeMs.length >> 1] as number)
        : null,
      write_ack_ms_max: writeMs.length ? round(Math.max(...writeMs)) : null,
      write_errors: writeErrors,
      connect_s: connectS,
      connect_failures: failedToConnect,
      watcher_errors: results.reduce((a, r) => a + r.errors, 0),
      watcher_disconnects: results.reduce((a, r) => a + r.disconnects, 0),
      loadgen_procs: n,
      loadgen_cpu_s: loadCpu === null ? null : round(loadCpu, 1),
      /** CPU seconds other processes on this machine used during the window: disturbance. */
      other_cpu_s: others,
      other_cores_before: othersBefore,
      cores: availableParallelism(),
      open_files_limit: openFilesLimit(),
      ...(spec.system === 'cairn'
        ? { server_warnings: warnings.count, raft_ticks_late: warnings.lateTicks }
        : {}),
    };
    const firstWatcherError = results.find((r) => r.firstError)?.firstError;
    if (firstWatcherError) progress(`${label}: first watcher error: ${firstWatcherError}`);
    if (firstWriteError) progress(`${label}: first write error: ${firstWriteError}`);
    if (others !== null && others > 0.1 * windowS)
      progress(
        `${label}: warning: other processes used ${others} CPU-s during the window: figures disturbed`,
      );
    if (warnings.sample.length > 0) progress(`${label}: servers logged: ${warnings.sample.join(' | ')}`);
    if (spec.system === 'cairn' && spec.watchers >= 10_000) {
      const goalP99 = spec.transport === 'ws' ? 200 : 500;
      const met =
        p99 !== null &&
        p99 < goalP99 &&
        missed === 0 &&
        (spec.transport !== 'ws' || (perThousand !== null && perThousand <= 2));
      out.goal = {
        p99_ms_under: goalP99,
        ...(spec.transport === 'ws' ? { cpu_ms_per_1000_watchers_per_change_at_most: 2 } : {}),
        met,
      };
    }
    return out;
  } finally {
    for (const l of loads) await l.stop().catch(() => undefined);
    await sys.stop();
    if (current === sys) current = null;
  }
}

// ---- stopping on signals ---------------------------------------------------------------

const interruptedBy = stopOnSignals(() => {
  killChildren();
  const sys = current;
  return sys ? sys.stop() : Promise.resolve();
}, progress);

// ---- the cases -------------------------------------------------------------------------

const limit = openFilesLimit();
const perProc = Math.ceil(Math.max(...watcherCounts) / procs);
if (limit !== null && limit < Math.max(...watcherCounts) + 256)
  progress(
    `warning: open files limit ${limit}: a single server holding ${Math.max(...watcherCounts)} connections ` +
      `(or a load process holding ${perProc}) may run out of file descriptors`,
  );
progress(
  `${availableParallelism()} cores: the load generator (${procs} processes) runs on the same cores as the servers`,
);

const cases: CaseSpec[] = [];
for (const servers of serverCounts)
  for (const target of targets)
    for (const transport of TRANSPORTS) {
      if (!only.includes(transport)) continue;
      // The bare floor server is one process with one key.
      if (transport.startsWith('bare') && (servers !== 1 || target !== 'kv')) continue;
      const system = transport === 'etcd' ? 'etcd' : transport.startsWith('bare') ? 'bare' : 'cairn';
      for (const watchers of watcherCounts) cases.push({ system, servers, transport, target, watchers });
    }
progress(`${cases.length} cases of about ${seconds + 20} s or more each`);

let failures = 0;
try {
  for (const c of cases) {
    if (interruptedBy()) break;
    try {
      const out = await runCase(c);
      console.log(JSON.stringify(out));
    } catch (e) {
      if (interruptedBy()) break;
      failures++;
      progress(
        `${c.system} ${c.servers}s ${c.transport} ${c.target} ${c.watchers}w failed: ${(e as Error).message}`,
      );
      console.log(JSON.stringify({ bench: 'watch', ...c, error: (e as Error).message.split('\n')[0] }));
    }
  }
} finally {
  killChildren();
  await (current as System | null)?.stop();
  agent.destroy();
}
const interrupted = interruptedBy();
if (interrupted) fail(`interrupted by ${interrupted}`, 130);
process.exit(failures > 0 ? 1 : 0);
