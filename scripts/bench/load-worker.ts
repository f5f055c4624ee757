/**
 * One load-generator thread: closed-loop HTTP clients (keep-alive) that run
 * a named workload until the deadline, then post latencies back. Workloads
 * are built here from plain data so they can cross the thread boundary.
 */
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface WorkerPlan {
  readonly workload: 'heartbeat' | 'lookup' | 'register' | 'get' | 'kv-put' | 'etcd-lease-put';
  readonly urls: readonly string[];
  readonly concurrency: number;
  readonly seconds: number;
  /** heartbeat: instances [first, first + count) are beaten round robin; register: ids start at `first`. */
  readonly first: number;
  readonly count: number;
  /** Threads walk the ids interleaved (thread t takes t, t + stride, ...), so none beats an instance another just did. */
  readonly offset?: number;
  readonly stride?: number;
  /** lookup/get: the path to GET. */
  readonly path: string;
  /** etcd-lease-put: the lease (granted beforehand) every put is bound to. */
  readonly lease?: string;
}

interface Req {
  readonly method: string;
  readonly path: string;
  readonly body?: string;
}

const plan = workerData as WorkerPlan;
const VALUE = 'v'.repeat(256);
const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency });
let next = 0;

function request(i: number): Req {
  switch (plan.workload) {
    case 'heartbeat':
      return {
        method: 'PUT',
        path: `/v1/agent/check/pass/service:hb-${plan.first + (((plan.offset ?? 0) + i * (plan.stride ?? 1)) % plan.count)}`,
      };
    case 'register': {
      const id = plan.first + i;
      return {
        method: 'PUT',
        path: '/v1/agent/service/register',
        body: JSON.stringify({
          Name: `reg-${id % 100}`,
          ID: `reg-${id}`,
          Port: 1 + (id % 60000),
          Check: { TTL: '60s', Status: 'passing' },
        }),
      };
    }
    case 'kv-put':
      // bench:kv's shape: 10,000 keys, 256-byte values.
      return { method: 'PUT', path: `/v1/kv/bench/${(plan.first + i) % 10_000}`, body: VALUE };
    case 'etcd-lease-put': {
      const id = plan.first + i;
      return {
        method: 'POST',
        path: '/v3/kv/put',
        body: JSON.stringify({
          key: Buffer.from(`reg/${id}`).toString('base64'),
          value: Buffer.from(`127.0.0.1:${1 + (id % 60000)}`).toString('base64'),
          lease: plan.lease,
        }),
      };
    }
    default:
      return { method: 'GET', path: plan.path };
  }
}

function once(u: URL, r: Req): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method: r.method,
        path: r.path,
        agent,
        headers: r.body ? { 'content-length': Buffer.byteLength(r.body) } : {},
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve((res.statusCode ?? 500) < 300));
      },
    );
    req.on('error', () => resolve(false));
    if (r.body) req.write(r.body);
    req.end();
  });
}

const latencies: number[] = [];
let errors = 0;
const end = performance.now() + plan.seconds * 1000;
const urls = plan.urls.map((u) => new URL(u));

async function client(c: number): Promise<void> {
  const u = urls[c % urls.length] as URL;
  while (performance.now() < end) {
    const r = request(next++);
    const t = performance.now();
    const ok = await once(u, r);
    if (ok) latencies.push(performance.now() - t);
    else errors++;
  }
}

await Promise.all(Array.from({ length: plan.concurrency }, (_, c) => client(c)));
agent.destroy();
parentPort?.postMessage({ latencies, errors, sent: next });
