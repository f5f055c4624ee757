import {
  type Attack,
  type AttackerFigures,
  call,
  dnsAmplification,
  dnsTcpStall,
  grown,
  halfOpen,
  hostileFilters,
  hugeFrame,
  idleHttp,
  joinHijack,
  listenOverflows,
  loadAverage,
  loadOnThread,
  NORMAL_SOURCE,
  randomGarbage,
  rssMiB,
  scrape,
  slowloris,
  type Target,
} from './attack/index.js';
import {
  benchOutput,
  CairnServers,
  cpuSeconds,
  parseFlags,
  round,
  sleep,
  stopOnSignals,
} from './support/index.js';

/**
 * `npm run bench:attack`: each hostile peer in turn against the leader of a live 3-server cluster (with a
 * cluster key and the default limits), for `--seconds` each, while a steady KV write load and a KV read
 * probe run from 127.0.0.1. The attacker uses 127.0.0.5 and up, so per-address caps apply to it and not
 * to the cluster's own traffic. One JSON line per attack, and one for a baseline without an attack.
 */

const { progress, fail } = benchOutput('bench:attack');
const values = parseFlags(
  {
    seconds: { type: 'string', default: '10' },
    'write-rate': { type: 'string', default: '50' },
    instances: { type: 'string', default: '1500' },
    connections: { type: 'string', default: '2000' },
    'dns-rate-limit': { type: 'string', default: '0' },
    only: { type: 'string' },
  },
  fail,
);
const seconds = Number(values.seconds);
const writeRate = Number(values['write-rate']);
const instances = Number(values.instances);
const connections = Number(values.connections);
const dnsRateLimit = values['dns-rate-limit'] ?? '0';
if (!(Number.isFinite(seconds) && seconds >= 1 && seconds <= 120))
  fail('--seconds is a number from 1 to 120', 2);
if (!(Number.isFinite(writeRate) && writeRate > 0 && writeRate <= 2000))
  fail('--write-rate is writes a second, above 0 and at most 2000', 2);
if (!(Number.isInteger(instances) && instances >= 1 && instances <= 10_000))
  fail('--instances is an integer from 1 to 10000', 2);
if (!(Number.isInteger(connections) && connections >= 1 && connections <= 5_000))
  fail('--connections is an integer from 1 to 5000', 2);
if (!/^\d{1,7}$/.test(dnsRateLimit)) fail('--dns-rate-limit is queries a second per address, 0 for none', 2);

const AMPLIFIED = 'amp';
const FILTERED = 'filtered';
/** 32 attacker addresses: enough to pass every per-address cap (64) and reach the totals (1024). */
const SOURCES = Array.from({ length: 32 }, (_, i) => `127.0.0.${5 + i}`);

const attacks: readonly Attack[] = [
  joinHijack,
  randomGarbage,
  hugeFrame,
  halfOpen(connections),
  idleHttp(connections),
  slowloris(connections),
  dnsTcpStall(connections),
  dnsAmplification(AMPLIFIED, 16),
  hostileFilters(FILTERED, 4),
];
const only = values.only === undefined ? null : new Set(values.only.split(','));
for (const name of only ?? []) {
  if (!attacks.some((a) => a.name === name))
    fail(`--only: no attack ${JSON.stringify(name)}; there are ${attacks.map((a) => a.name).join(', ')}`, 2);
}
const HEAP = 'cairn_nodejs_heap_size_used_bytes';
// prom-client's event-loop delay figures restart at every scrape: after a phase, its worst delay.
const LOOP_DELAY_MAX = 'cairn_nodejs_eventloop_lag_max_seconds';
const ALL_METRICS = [...new Set([HEAP, LOOP_DELAY_MAX, ...attacks.flatMap((a) => a.metrics)])];
const mib = (bytes: number | undefined): number | null =>
  bytes === undefined ? null : Math.round(bytes / 104_857.6) / 10;

const cairn = await CairnServers.create({
  size: 3,
  dirPrefix: 'cairn-bench-attack-',
  // The per-client HTTP cap is what some attacks meet: back to its default (CairnServers turns it off).
  agentArgs: ['--http-max-conns-per-client', '200', '--dns-rate-limit', dnsRateLimit],
  stopGraceMs: 10_000,
  progress,
});
const interruptedBy = stopOnSignals(() => cairn.stop(), progress);
const interrupted = (): boolean => interruptedBy() !== null;

/** Registers through the leader from the normal address, `parallel` at a time. */
async function registerAll(url: string, bodies: readonly object[], parallel = 32): Promise<void> {
  for (let i = 0; i < bodies.length; i += parallel) {
    const answers = await Promise.all(
      bodies
        .slice(i, i + parallel)
        .map((b) => call(`${url}/v1/catalog/register`, NORMAL_SOURCE, 30_000, 'PUT', JSON.stringify(b))),
    );
    const bad = answers.find((a) => a.status !== 200);
    if (bad) throw new Error(`register: ${bad.status} ${bad.text.slice(0, 200)}`);
  }
}

/** Each server's RSS in MiB, by name. */
const rssByServer = (): Record<string, number | null> =>
  Object.fromEntries(cairn.servers.map((s) => [s.name, rssMiB(s.pid)]));

/** A 128-character service ID of one repeated letter after a unique prefix: what the hostile patterns chew on. */
const longId = (i: number): string => `${i}-`.padEnd(128, i % 2 === 0 ? 'b' : 'a');

try {
  const leader = await cairn.startAndWaitForLeader();
  if (leader.dnsPort === null) throw new Error('the cluster did not say where its servers answer DNS');
  const target: Target = {
    url: leader.url,
    httpPort: leader.httpPort,
    serverPort: leader.serverPort,
    dnsPort: leader.dnsPort,
  };
  progress(`leader ${leader.name} (pid ${leader.pid}); registering ${instances} instances of ${AMPLIFIED}`);
  await registerAll(
    target.url,
    Array.from({ length: instances }, (_, i) => ({
      Node: `amp-node-${i % 10}`,
      Address: `10.99.0.${(i % 10) + 1}`,
      Service: { ID: `${AMPLIFIED}-${i}`, Service: AMPLIFIED, Port: 10_000 + i },
    })),
  );
  await registerAll(
    target.url,
    Array.from({ length: 50 }, (_, i) => ({
      Node: 'filter-node',
      Address: '10.98.0.1',
      Service: { ID: longId(i), Service: FILTERED, Port: 20_000 + i },
    })),
  );
  await call(`${target.url}/v1/kv/bench/probe`, NORMAL_SOURCE, 10_000, 'PUT', 'probe');

  const phases: (Attack | null)[] = [null, ...attacks.filter((a) => only === null || only.has(a.name))];
  for (const [i, attack] of phases.entries()) {
    if (interrupted()) break;
    const name = attack?.name ?? 'baseline';
    progress(`[${i + 1}/${phases.length}] ${name}: ${seconds} s`);
    const leaderBefore = (await call(`${target.url}/v1/status/leader`, NORMAL_SOURCE, 10_000)).text;
    const rssBefore = rssByServer();
    const cpuBefore = cpuSeconds(leader.pid);
    const metricsBefore = await scrape(target.url, ALL_METRICS);
    const overflowsBefore = listenOverflows();
    const until = performance.now() + seconds * 1000;
    // Every 5 s, to see whether the leader's memory levels off during a long phase.
    const rssSamples: (number | null)[] = [];
    const sampler = setInterval(() => rssSamples.push(rssMiB(leader.pid)), 5_000);
    const [load, attacker] = await Promise.all([
      loadOnThread({ url: target.url, ms: seconds * 1000, rate: writeRate, probeEveryMs: 20 }),
      attack
        ? attack.run({ target, until, sources: SOURCES, interrupted })
        : Promise.resolve<AttackerFigures>({}),
    ]);
    clearInterval(sampler);
    const rssAfter = rssByServer();
    const cpuAfter = cpuSeconds(leader.pid);
    const metricsAfter = await scrape(target.url, ALL_METRICS);
    const overflowsAfter = listenOverflows();
    const loopDelayMax = metricsAfter.get(LOOP_DELAY_MAX);
    const counted = Object.fromEntries(
      Object.entries(grown(metricsBefore, metricsAfter)).filter(
        ([series]) =>
          (attack?.metrics ?? []).includes(series.split('{')[0] ?? '') &&
          (attack?.seriesHolding === undefined || series.includes(attack.seriesHolding)),
      ),
    );
    const leaderAfter = (await call(`${target.url}/v1/status/leader`, NORMAL_SOURCE, 10_000)).text;
    const running = cairn.servers.filter((s) => s.running).length;
    const meetsTarget =
      load.writes_committed > 0 &&
      load.writes_failed === 0 &&
      load.probe_failures === 0 &&
      load.probe_p99_ms !== null &&
      load.probe_p99_ms < 100;
    process.stdout.write(
      `${JSON.stringify({
        attack: name,
        seconds,
        leader: leader.name,
        dns_rate_limit: Number(dnsRateLimit),
        ...load,
        target_met: meetsTarget,
        servers_running: running,
        leader_unchanged: leaderBefore === leaderAfter && leaderAfter !== '',
        rss_mib_before: rssBefore,
        rss_mib_after: rssAfter,
        leader_rss_mib_every_5s: rssSamples,
        leader_heap_used_mib_before: mib(metricsBefore.get(HEAP)),
        leader_heap_used_mib_after: mib(metricsAfter.get(HEAP)),
        leader_cpu_s: cpuBefore === null || cpuAfter === null ? null : round(cpuAfter - cpuBefore),
        leader_loop_delay_max_ms: loopDelayMax === undefined ? null : Math.round(loopDelayMax * 1000),
        listen_overflows_machine:
          overflowsBefore === null || overflowsAfter === null ? null : overflowsAfter - overflowsBefore,
        counted,
        attacker,
        load_average: loadAverage(),
      })}\n`,
    );
    // Let what the attack left behind (connections at their deadlines) go before the next one.
    await sleep(2_000);
  }
} finally {
  await cairn.stop();
}
