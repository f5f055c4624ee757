/**
 * One load thread of the "hold" workload: it registers its share of instances and keeps every
 * registered one alive from the moment it exists, as a fleet of real services does (none waits
 * for the rest of the fleet to register before its first heartbeat).
 *
 * Each closed-loop client, in turn, heartbeats the registered instance whose last heartbeat is
 * oldest when that one is a third of its TTL old, and otherwise registers the next instance; once
 * all are registered it only heartbeats, round robin. The thread posts `registered` when its
 * share is in, then measures heartbeats for `seconds` after the parent posts `measure`.
 *
 * An instance's heartbeats are "late" when the time from sending one to the answer of the next
 * exceeds the TTL: the server may then rightly expire it. Expiries beyond the late instances are
 * false ones. The same workload drives cairn (agent register with a TTL check, check pass) and
 * etcd (lease grant with our ID and a put bound to it, lease keep-alive) through its JSON gateway.
 */
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface HoldPlan {
  readonly target: 'cairn' | 'etcd';
  readonly urls: readonly string[];
  readonly concurrency: number;
  /** Instances of all threads; this thread takes ids offset, offset + stride, ... below it. */
  readonly instances: number;
  readonly offset: number;
  readonly stride: number;
  readonly ttlSeconds: number;
  /** How long to measure after `measure`. */
  readonly seconds: number;
}

/** What the thread posts when it is done. */
export interface HoldResult {
  readonly kind: 'result';
  /** Latencies (ms) of the heartbeats answered inside the measured window. */
  readonly latencies: number[];
  readonly errors: number;
  /** Registrations that failed (each is retried; a failure is still counted). */
  readonly registerErrors: number;
  /** Instances with at least one late heartbeat before the measured window (registering, warm) / in it. */
  readonly lateBeforeWindow: number;
  readonly lateInWindow: number;
  /**
   * Every instance whose heartbeats were late at some point, including those whose last
   * heartbeat was more than a TTL before the end: the server may rightly have expired them.
   */
  readonly lateIds: number[];
  /** Heartbeats sent while registering (they compete with the registrations). */
  readonly heartbeatsWhileRegistering: number;
}

export type HoldMessage = { readonly kind: 'registered'; readonly ms: number } | HoldResult;

const plan = workerData as HoldPlan;
const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency });
const urls = plan.urls.map((u) => new URL(u));
const ttlMs = plan.ttlSeconds * 1000;

const mine: number[] = [];
for (let id = plan.offset; id < plan.instances; id += plan.stride) mine.push(id);
/** When the last heartbeat (or the registration) of mine[i] was sent; 0 until registered. */
const lastSent = new Float64Array(mine.length);
const lateFlag = new Uint8Array(mine.length);
const done = new Uint8Array(mine.length);
/** Slots whose registration was sent; registrations finish out of order. */
let started = 0;
let finished = 0;
/** Slots [0, registered) are all registered: the ones heartbeats go to. */
let registered = 0;
let cursor = 0;

type Phase = 'registering' | 'holding' | 'measuring' | 'done';
let phase: Phase = 'registering';
const latencies: number[] = [];
let errors = 0;
let registerErrors = 0;
let lateBeforeWindow = 0;
let lateInWindow = 0;
let heartbeatsWhileRegistering = 0;

const b64 = (s: string) => Buffer.from(s).toString('base64');
/** etcd's lease IDs are ours to choose (non-zero): the instance id + 1. */
const leaseId = (id: number) => String(id + 1);

function post(u: URL, method: string, path: string, body?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path,
        agent,
        headers: body === undefined ? {} : { 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ok = (res.statusCode ?? 500) < 300;
          // The gateway answers 200 for a keep-alive of a lease that is gone, with no TTL.
          if (ok && plan.target === 'etcd' && path === '/v3/lease/keepalive') {
            const text = Buffer.concat(chunks).toString();
            resolve(/"TTL":"?[1-9]/.test(text));
          } else resolve(ok);
        });
      },
    );
    req.on('error', () => resolve(false));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function register(u: URL, id: number): Promise<boolean> {
  if (plan.target === 'cairn') {
    return post(
      u,
      'PUT',
      '/v1/agent/service/register',
      JSON.stringify({
        Name: `hb-svc-${id % 1000}`,
        ID: `hb-${id}`,
        Port: 1 + (id % 60000),
        Check: { TTL: `${plan.ttlSeconds}s`, Status: 'passing' },
      }),
    );
  }
  const granted = await post(
    u,
    'POST',
    '/v3/lease/grant',
    JSON.stringify({ TTL: String(plan.ttlSeconds), ID: leaseId(id) }),
  );
  if (!granted) return false;
  return post(
    u,
    'POST',
    '/v3/kv/put',
    JSON.stringify({ key: b64(`hb/${id}`), value: b64(`127.0.0.1:${1 + (id % 60000)}`), lease: leaseId(id) }),
  );
}

function heartbeat(u: URL, id: number): Promise<boolean> {
  return plan.target === 'cairn'
    ? post(u, 'PUT', `/v1/agent/check/pass/service:hb-${id}`)
    : post(u, 'POST', '/v3/lease/keepalive', JSON.stringify({ ID: leaseId(id) }));
}

/** The registered instance to heartbeat now, -1 to register one instead, -2 to wait for registrations. */
function pick(now: number): number {
  const more = started < mine.length;
  if (registered === 0) return more ? -1 : -2;
  const i = cursor % registered;
  const due = now - (lastSent[i] as number) >= ttlMs / 3;
  if (!due && more) return -1;
  cursor = i + 1;
  return i;
}

const pause = () => new Promise((r) => setTimeout(r, 5));

async function client(c: number): Promise<void> {
  const u = urls[c % urls.length] as URL;
  let measureEnd = 0;
  while (phase !== 'done') {
    if (phase === 'measuring' && measureEnd === 0) measureEnd = performance.now() + plan.seconds * 1000;
    if (measureEnd !== 0 && performance.now() >= measureEnd) break;
    const t = performance.now();
    const i = pick(t);
    if (i === -2) {
      await pause();
      continue;
    }
    if (i < 0) {
      const slot = started++;
      let ok = await register(u, mine[slot] as number);
      for (let failures = 1; !ok; failures++) {
        registerErrors++;
        // A server that refuses 50 times in a row is down, not busy: stop instead of spinning.
        if (failures >= 50) throw new Error(`registering instance ${mine[slot]}: 50 failures in a row`);
        await pause();
        ok = await register(u, mine[slot] as number);
      }
      lastSent[slot] = t;
      done[slot] = 1;
      finished++;
      while (registered < mine.length && done[registered] === 1) registered++;
      if (finished === mine.length && phase === 'registering') {
        phase = 'holding';
        parentPort?.postMessage({ kind: 'registered', ms: performance.now() } satisfies HoldMessage);
      }
      continue;
    }
    const prev = lastSent[i] as number;
    lastSent[i] = t;
    const inWindow = phase === 'measuring';
    if (phase === 'registering') heartbeatsWhileRegistering++;
    const ok = await heartbeat(u, mine[i] as number);
    const answered = performance.now();
    if (answered - prev > ttlMs && lateFlag[i] !== (inWindow ? 2 : 1)) {
      lateFlag[i] = inWindow ? 2 : 1;
      if (inWindow) lateInWindow++;
      else lateBeforeWindow++;
    }
    if (!inWindow) continue;
    if (ok) latencies.push(answered - t);
    else errors++;
  }
}

parentPort?.on('message', (m: { kind: 'measure' }) => {
  if (m.kind === 'measure') phase = 'measuring';
});

if (mine.length === 0) {
  phase = 'holding';
  parentPort?.postMessage({ kind: 'registered', ms: performance.now() } satisfies HoldMessage);
}
await Promise.all(Array.from({ length: plan.concurrency }, (_, c) => client(c)));
phase = 'done';
const stoppedAt = performance.now();
const lateIds: number[] = [];
for (let i = 0; i < mine.length; i++) {
  if (lateFlag[i] !== 0 || stoppedAt - (lastSent[i] as number) > ttlMs) lateIds.push(mine[i] as number);
}
agent.destroy();
parentPort?.postMessage({
  kind: 'result',
  latencies,
  errors,
  registerErrors,
  lateBeforeWindow,
  lateInWindow,
  lateIds,
  heartbeatsWhileRegistering,
} satisfies HoldMessage);
parentPort?.close();
