/**
 * A closed-loop KV load generator that speaks HTTP or HTTPS with a client certificate: the shared
 * harness's loadgen.mjs speaks plain HTTP only, and `bench:kv -- --tls` must drive both sides with
 * the same generator. It copies loadgen.mjs's method (keep-alive agent, one socket per client,
 * clients round robin over the URLs, random keys, reads seeded first) and prints the same JSON line.
 *
 *   node kv-load.js --target kv-put|kv-get|kv-get-stale --urls URL,... --concurrency 64 --seconds 10
 *                   --keys 10000 --value-bytes 256 [--ca F --cert F --key F]   (https: URLs)
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { parseArgs } from 'node:util';
import { type KvLoadPlan, type KvRequest, kvLoadPlan, kvRequest, seedRequests } from './kv-load-plan.js';
import { quantile, round } from './support/index.js';

function fail(msg: string): never {
  process.stderr.write(`kv-load: ${msg.split('\n')[0]}\n`);
  return process.exit(2);
}

let plan: KvLoadPlan;
try {
  const flag = { type: 'string' } as const;
  const { values } = parseArgs({
    options: {
      target: flag,
      urls: flag,
      concurrency: { type: 'string', default: '64' },
      seconds: { type: 'string', default: '10' },
      keys: { type: 'string', default: '10000' },
      'value-bytes': { type: 'string', default: '256' },
      ca: flag,
      cert: flag,
      key: flag,
    },
  });
  plan = kvLoadPlan(values);
} catch (e) {
  fail((e as Error).message);
}

const tls = plan.tls;
let agent: http.Agent;
try {
  agent =
    tls === null
      ? new http.Agent({ keepAlive: true, maxSockets: plan.concurrency })
      : new https.Agent({
          keepAlive: true,
          maxSockets: plan.concurrency,
          ca: readFileSync(tls.ca),
          ...(tls.cert !== null && tls.key !== null
            ? { cert: readFileSync(tls.cert), key: readFileSync(tls.key) }
            : {}),
        });
} catch (e) {
  fail(`cannot read the TLS files: ${(e as Error).message}`);
}
const send = tls === null ? http.request : https.request;
const value = 'v'.repeat(plan.valueBytes);

function once(u: URL, r: KvRequest): Promise<boolean> {
  return new Promise((resolve) => {
    const req = send(
      {
        host: u.hostname,
        port: u.port,
        method: r.method,
        path: r.path,
        agent,
        headers: r.body !== undefined ? { 'content-length': Buffer.byteLength(r.body) } : {},
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve((res.statusCode ?? 500) >= 200 && (res.statusCode ?? 500) < 300));
      },
    );
    req.on('error', () => resolve(false));
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

const first = plan.urls[0] as URL;
for (const r of seedRequests(plan.target, value))
  if (!(await once(first, r))) fail(`seeding ${r.path} on ${first.origin} failed`);

const latencies: number[] = [];
let errors = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const end = t0 + plan.seconds * 1000;

async function client(c: number): Promise<void> {
  const u = plan.urls[c % plan.urls.length] as URL;
  while (performance.now() < end) {
    const r = kvRequest(plan.target, Math.floor(Math.random() * plan.keys), value);
    const s = performance.now();
    const ok = await once(u, r);
    if (ok) latencies.push(performance.now() - s);
    else errors++;
  }
}

await Promise.all(Array.from({ length: plan.concurrency }, (_, c) => client(c)));
const elapsed = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
latencies.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    target: plan.target,
    concurrency: plan.concurrency,
    seconds: round(elapsed, 1),
    ops: latencies.length,
    ops_per_s: Math.round(latencies.length / elapsed),
    errors,
    p50_ms: quantile(latencies, 0.5),
    p99_ms: quantile(latencies, 0.99),
    max_ms: latencies.length > 0 ? round(latencies[latencies.length - 1] as number) : null,
    loadgen_cpu_s: round((cpu.user + cpu.system) / 1e6, 1),
  }),
);
agent.destroy();
