import { request } from 'node:http';
import { CLIENT_LIMIT_DEFAULTS } from '../../src/http/index.js';
import {
  benchOutput,
  CairnServers,
  parseFlags,
  quantile,
  round,
  stopOnSignals,
  withTimeout,
} from './support/index.js';

/**
 * A client over its blocking-query cap: one dev server with the default limits, one client address
 * (127.0.0.1) opening `--queries` blocking queries at once, each on its own connection. Measures how
 * long until every query past the cap has been refused, how another address (127.0.0.2) is served
 * meanwhile, and that every slot is free again once a change answers the held ones. One JSON line.
 */

const { progress, fail } = benchOutput('bench:limits');
const values = parseFlags(
  {
    queries: { type: 'string', default: '2000' },
    probes: { type: 'string', default: '50' },
  },
  fail,
);
const queries = Number(values.queries);
const probes = Number(values.probes);
if (
  !(Number.isInteger(queries) && queries > 0 && queries <= 20_000) ||
  !(Number.isInteger(probes) && probes > 0)
) {
  fail('--queries is an integer from 1 to 20000, --probes a positive integer', 2);
}

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly index: string;
}

/** One request on a connection of its own from `localAddress`; status -1 when it failed. */
function call(
  base: string,
  path: string,
  localAddress: string,
  method = 'GET',
  body?: string,
): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(`${base}${path}`, { method, agent: false, localAddress }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text, index: String(res.headers['x-consul-index'] ?? '') }),
      );
    });
    req.on('error', (e) => resolve({ status: -1, text: String(e), index: '' }));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function metric(base: string, line: string): Promise<number> {
  const text = (await call(base, '/metrics', '127.0.0.2')).text;
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return Number(found?.split(' ').pop() ?? Number.NaN);
}

const cairn = await CairnServers.create({
  size: 1,
  dirPrefix: 'cairn-bench-limits-',
  stopGraceMs: 10_000,
  progress,
});
stopOnSignals(() => cairn.stop());
try {
  const leader = await cairn.startAndWaitForLeader();
  const base = leader.url;
  await call(base, '/v1/kv/bench/limits', '127.0.0.1', 'PUT', 'a');
  const index = (await call(base, '/v1/kv/bench/limits', '127.0.0.1')).index;
  progress(`${queries} blocking queries from 127.0.0.1 at index ${index}...`);
  const cap = CLIENT_LIMIT_DEFAULTS.maxBlockingPerClient;
  const started = performance.now();
  let refused = 0;
  let refusedAllMs = Number.NaN;
  const held = Array.from({ length: queries }, () =>
    call(base, `/v1/kv/bench/limits?index=${index}&wait=60s`, '127.0.0.1').then((a) => {
      if (a.status === 429 && ++refused === queries - Math.min(queries, cap)) {
        refusedAllMs = performance.now() - started;
      }
      return a;
    }),
  );
  // Another address reads while the flood is on.
  const latencies: number[] = [];
  let otherFailures = 0;
  for (let i = 0; i < probes; i++) {
    const t = performance.now();
    const a = await call(base, '/v1/kv/bench/limits', '127.0.0.2');
    latencies.push(performance.now() - t);
    if (a.status !== 200) otherFailures++;
  }
  await withTimeout(
    (async () => {
      while (Number.isNaN(refusedAllMs) && queries > cap) await new Promise((r) => setTimeout(r, 10));
    })(),
    60_000,
    'the refusals',
  );
  const heldDuring = await metric(base, 'cairn_http_client_held{kind="blocking"}');
  await call(base, '/v1/kv/bench/limits', '127.0.0.1', 'PUT', 'b');
  const answers = await withTimeout(Promise.all(held), 60_000, 'the held queries');
  const statuses: Record<string, number> = {};
  for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  const heldAfter = await metric(base, 'cairn_http_client_held{kind="blocking"}');
  const refusedMetric = await metric(base, 'cairn_http_refused_total{reason="blocking"}');
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      queries,
      statuses,
      refused_metric: refusedMetric,
      held_during: heldDuring,
      held_after: heldAfter,
      ms_until_all_refused: Number.isNaN(refusedAllMs) ? null : round(refusedAllMs, 0),
      other_client_reads: probes,
      other_client_failures: otherFailures,
      other_client_p50_ms: quantile(latencies, 0.5),
      other_client_p99_ms: quantile(latencies, 0.99),
    })}\n`,
  );
} finally {
  await cairn.stop();
}
