import { mulberry32 } from '../../test/support/random.js';
import {
  benchOutput,
  CairnServers,
  intFlag,
  parseFlags,
  quantile,
  round,
  sleep,
  stopOnSignals,
} from './support/index.js';

/**
 * `npm run bench:filter`: what hostile `?filter=... matches` requests cost a server now that
 * patterns run on RE2. One server; `--services` services whose Meta.text is `--length`
 * random characters (from "abz", so patterns below neither match at once nor fail at once); then for
 * `--seconds` seconds `--attackers` loops send GET /v1/agent/services with hostile patterns,
 * one after another, while a probe sends GET /v1/status/leader every 20 ms. One JSON line on
 * stdout: hostile requests per second (by status) and the probe's latency (p50/p99/max), which
 * is what the event loop being held shows up as. Progress on stderr.
 */

/**
 * With `--fresh yes` (the default) each request adds `|q<n>` (q is in no ID), so every pattern
 * is new: no cached compile, and a cold DFA, which is what costs most. `--fresh no` repeats them.
 */
const HOSTILE = [
  // Exponential on a backtracking engine (the original report).
  '(b|b)*c',
  '(a?){30}a{30}',
  '(a+)+b',
  '(a|aa)*b',
  '(.*a){20}',
  // Linear, but the costliest per character that the caps let through.
  '(?s)(.*a.{20}){5}',
  '.{60}.{60}',
  '(.*a.*b.*z){12}',
];

const out = benchOutput('bench:filter');
const flags = parseFlags(
  {
    services: { type: 'string', default: '50' },
    length: { type: 'string', default: '128' },
    attackers: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    fresh: { type: 'string', default: 'yes' },
  },
  out.fail,
);
const int = (name: string, min: number, max: number): number => intFlag(flags, name, min, max, out.fail);
const services = int('services', 1, 1000);
// Meta values may hold 512 characters (IDs only 128), so that is where the text goes.
const length = int('length', 1, 512);
const attackers = int('attackers', 1, 16);
const seconds = int('seconds', 1, 120);
const seed = int('seed', 0, 2 ** 31);
if (flags.fresh !== 'yes' && flags.fresh !== 'no') out.fail('--fresh: expected yes or no', 2);
const fresh = flags.fresh === 'yes';

const servers = await CairnServers.create({
  size: 1,
  dirPrefix: 'cairn-bench-filter-',
  stopGraceMs: 5_000,
  progress: out.progress,
});
const interrupted = stopOnSignals(() => servers.stop(), out.progress);

async function get(url: string): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  await res.arrayBuffer();
  return res.status;
}

try {
  const leader = await servers.startAndWaitForLeader();
  const random = mulberry32(seed);
  out.progress(`registering ${services} services with ${length}-character Meta.text`);
  for (let i = 0; i < services; i++) {
    let text = '';
    while (text.length < length) text += 'abz'[Math.floor(random() * 3)];
    const res = await fetch(`${leader.url}/v1/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({ Name: 'bench', ID: `bench-${i}`, Port: 80, Meta: { text } }),
    });
    if (res.status !== 200) out.fail(`register: ${res.status} ${await res.text()}`);
  }

  const deadline = Date.now() + seconds * 1000;
  const statuses = new Map<number, number>();
  let hostile = 0;
  const attack = async (offset: number): Promise<void> => {
    for (let i = offset; Date.now() < deadline && interrupted() === null; i += attackers) {
      const pattern = `${HOSTILE[i % HOSTILE.length]!}${fresh ? `|q${i}` : ''}`;
      const filter = encodeURIComponent(`Meta.text matches "${pattern}"`);
      const status = await get(`${leader.url}/v1/agent/services?filter=${filter}`);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      hostile++;
    }
  };
  const latencies: number[] = [];
  const probe = async (): Promise<void> => {
    while (Date.now() < deadline && interrupted() === null) {
      const started = performance.now();
      await get(`${leader.url}/v1/status/leader`);
      latencies.push(performance.now() - started);
      await sleep(20);
    }
  };
  out.progress(`${attackers} attackers for ${seconds} s`);
  const started = performance.now();
  await Promise.all([probe(), ...Array.from({ length: attackers }, (_, i) => attack(i))]);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'filter',
      services,
      length,
      attackers,
      fresh,
      seconds: round(elapsed),
      hostileRequests: hostile,
      hostilePerSecond: round(hostile / elapsed),
      hostileByStatus: Object.fromEntries(statuses),
      probeRequests: latencies.length,
      probeP50Ms: quantile(latencies, 0.5),
      probeP99Ms: quantile(latencies, 0.99),
      probeMaxMs: latencies.length > 0 ? round(latencies[latencies.length - 1]!) : null,
    })}\n`,
  );
} finally {
  await servers.stop();
}
