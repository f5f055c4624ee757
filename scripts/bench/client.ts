import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Agent, request } from 'undici';
import { RegistryCluster } from '../../cluster/index.js';
import { systemClock } from '../../src/client/clock.js';
import {
  CLIENT_STRATEGIES,
  type ClientStrategy,
  createClient,
  type Endpoint,
  hostPort,
  isClientStrategy,
} from '../../src/client/index.js';
import { Resolver } from '../../src/client/resolve/resolver.js';
import { benchOutput, parseFlags, sleep } from './support/index.js';

/**
 * `npm run bench:client`: the client SDK's own costs.
 *
 * - picks: `Resolver.pick()` per second for each strategy over `--instances` (100) instances,
 *   pure and in-process (no I/O): weights 1..5, half the instances in a backup priority group,
 *   a latency sample for every instance, a different key per pick for 'hash'.
 * - calls: end-to-end calls per second through `Resolver.call()` against 10 HTTP instances on
 *   loopback (in a worker thread), resolved through a one-server cairn, with `--concurrency`
 *   closed-loop callers; beside it the same load sent without the SDK (round robin by hand),
 *   the ceiling this machine gives for one-process HTTP round trips.
 *
 * One JSON line per benchmark on stdout; progress on stderr.
 */

const { progress, fail } = benchOutput('bench:client');

const values = parseFlags(
  {
    seconds: { type: 'string', default: '2' },
    instances: { type: 'string', default: '100' },
    'call-seconds': { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
    strategy: { type: 'string', default: 'round_robin' },
    only: { type: 'string', default: 'picks,calls' },
  },
  fail,
);
const seconds = Number(values.seconds);
const instances = Number(values.instances);
const callSeconds = Number(values['call-seconds']);
const concurrency = Number(values.concurrency);
const strategy = values.strategy ?? '';
const only = new Set((values.only ?? '').split(',').filter((s) => s !== ''));
if (![seconds, instances, callSeconds, concurrency].every((n) => Number.isFinite(n) && n > 0))
  fail('--seconds, --instances, --call-seconds and --concurrency must be positive numbers', 2);
if (!isClientStrategy(strategy)) fail(`--strategy must be one of ${CLIENT_STRATEGIES.join(', ')}`, 2);
if (only.size === 0 || [...only].some((b) => b !== 'picks' && b !== 'calls'))
  fail('--only is a comma-separated subset of picks,calls', 2);

/** Seeded, so runs pick the same way. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticEndpoints(n: number): Map<string, Endpoint> {
  const out = new Map<string, Endpoint>();
  for (let i = 0; i < n; i++) {
    const id = `node-${i % 7}/bench-${i}`;
    out.set(id, {
      id,
      node: `node-${i % 7}`,
      serviceId: `bench-${i}`,
      service: 'bench',
      address: '10.0.0.1',
      port: 1000 + i,
      tags: [],
      meta: { priority: String(i % 2) },
      weights: { passing: 1 + (i % 5), warning: 1 },
      status: 'passing',
    });
  }
  return out;
}

async function picks(): Promise<void> {
  const items = syntheticEndpoints(instances);
  const keys = Array.from({ length: 1024 }, (_, i) => `user-${i * 7919}`);
  const perSecond: Record<string, number> = {};
  for (const s of CLIENT_STRATEGIES) {
    const r = new Resolver(
      'bench',
      { strategy: s },
      {
        feed: { ready: Promise.resolve(), hasState: true, close: () => {} },
        clock: systemClock,
        random: rng(42),
        onClose: () => {},
      },
    );
    r.update({ index: 1, items, upserted: [...items.keys()], removed: [], first: true, reset: true });
    // Every instance gets latency samples, so least_latency compares real numbers.
    for (let i = 0; i < 20 * instances; i++)
      await r.call(async () => undefined, { key: keys[i & 1023] as string });
    const deadline = performance.now() + seconds * 1000;
    let n = 0;
    let sink = 0;
    const started = performance.now();
    while (performance.now() < deadline) {
      for (let i = 0; i < 1000; i++, n++) sink += r.pick(keys[n & 1023])?.port ?? 0;
    }
    const elapsed = (performance.now() - started) / 1000;
    perSecond[s] = Math.round(n / elapsed);
    progress(`picks ${s}: ${perSecond[s]}/s (checksum ${sink % 1000})`);
  }
  console.log(JSON.stringify({ bench: 'client-picks', instances, seconds, picksPerSecond: perSecond }));
}

interface LoopResult {
  readonly calls: number;
  readonly errors: number;
  readonly latencies: number[];
  readonly elapsedS: number;
}

/** `concurrency` closed loops of `once` for `ms`. */
async function closedLoop(ms: number, once: () => Promise<void>): Promise<LoopResult> {
  const latencies: number[] = [];
  let calls = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        try {
          await once();
          calls++;
          if ((calls & 7) === 0) latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  return { calls, errors, latencies, elapsedS: (performance.now() - started) / 1000 };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

async function calls(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-client-'));
  const cluster = await RegistryCluster.create({ size: 1, baseDir: dir, logLevel: 'warn' });
  const worker = new Worker(new URL('./client-instances.js', import.meta.url), { workerData: { count: 10 } });
  // Listening at once: the worker may post its ports before the cluster is up.
  const portsPosted = new Promise<number[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const client = createClient({ servers: cluster.servers.map((s) => s.url) });
  const dispatcher = new Agent({ keepAliveTimeout: 60_000, connections: concurrency });
  const stop = async () => {
    await client.close().catch(() => {});
    await dispatcher.close().catch(() => {});
    await worker.terminate();
    await cluster.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = () => {
    void stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    cluster.start();
    await cluster.waitForLeader(30_000);
    const ports = await portsPosted;
    await Promise.all(
      ports.map((port, i) =>
        client.register({
          name: 'bench-svc',
          id: `bench-svc-${i}`,
          address: '127.0.0.1',
          port,
          ttl: '30s',
          deregisterOnExit: false,
        }),
      ),
    );
    const r = client.resolve('bench-svc', { strategy: strategy as ClientStrategy });
    await r.ready;
    const until = performance.now() + 10_000;
    while (r.endpoints().length < ports.length && performance.now() < until) await sleep(50);
    if (r.endpoints().length < ports.length)
      fail(`only ${r.endpoints().length} of ${ports.length} instances resolved`);

    const hit = async (ep: Endpoint, signal?: AbortSignal) => {
      const res = await request(`http://${hostPort(ep)}/`, { dispatcher, ...(signal ? { signal } : {}) });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    };
    const viaCall = () => r.call((ep, ctx) => hit(ep, ctx.signal));
    let next = 0;
    const eps = r.endpoints();
    const direct = () => hit(eps[next++ % eps.length] as Endpoint);

    progress('warming up');
    await closedLoop(1000, viaCall);
    await closedLoop(1000, direct);
    progress(`calls through call() for ${callSeconds}s, ${concurrency} callers`);
    const a = await closedLoop(callSeconds * 1000, viaCall);
    progress(`the same load without the SDK for ${callSeconds}s`);
    const b = await closedLoop(callSeconds * 1000, direct);
    const lat = [...a.latencies].sort((x, y) => x - y);
    console.log(
      JSON.stringify({
        bench: 'client-calls',
        instances: ports.length,
        strategy,
        concurrency,
        seconds: callSeconds,
        calls: a.calls,
        errors: a.errors,
        callsPerSecond: Math.round(a.calls / a.elapsedS),
        p50Ms: Number(percentile(lat, 0.5).toFixed(3)),
        p99Ms: Number(percentile(lat, 0.99).toFixed(3)),
        withoutSdkCallsPerSecond: Math.round(b.calls / b.elapsedS),
        withoutSdkErrors: b.errors,
      }),
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stop();
  }
}

if (only.has('picks')) await picks();
if (only.has('calls')) await calls();
