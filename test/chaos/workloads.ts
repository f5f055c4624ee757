/**
 * The workloads: clients that talk HTTP to random servers and record every
 * operation in one history (history.ts). One outstanding operation per
 * client; a client whose operation timed out simply goes on (its unknown
 * operation stays open for ever in the history, as if a new client had
 * taken its place).
 *
 * - register: get / put / CAS-on-ModifyIndex of a few keys, unique values,
 *   reads in default or ?consistent mode (or all ?stale: the self-check);
 * - counter: read then CAS(value + 1) on one key; final value = acknowledged
 *   increments (+ at most the unknown ones);
 * - set: each client adds unique keys under a prefix and sometimes lists them
 *   (a new prefix every 20 s);
 * - lock: sessions acquire and release one key (a new key every 20 s); reads check the holder and
 *   LockIndex (the fencing token);
 * - health: TTL instances registered up front and heartbeated through any
 *   server, and an observer watching their checks.
 */
import type { Rng } from '../raft/sim/rng.js';
import { describeReply, type HttpClient, type Reply, writeOutcome } from './client.js';
import type { Op, ReadMode, Recorder } from './history.js';

export interface Target {
  readonly name: string;
  readonly url: string;
}

export interface WorkloadContext {
  readonly recorder: Recorder;
  readonly http: HttpClient;
  readonly servers: readonly Target[];
  readonly opTimeoutMs: number;
  /** False once the run is over: clients finish their current operation and stop. */
  readonly running: () => boolean;
  /** Register reads all ?stale (the self-check that the checker catches stale reads). */
  readonly staleReads: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const b64 = (v: string | null | undefined) => (v ? Buffer.from(v, 'base64').toString() : null);

interface KvPair {
  readonly Key: string;
  readonly Value: string | null;
  readonly ModifyIndex: number;
  readonly LockIndex: number;
  readonly Session?: string;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One operation: invoke, ask, complete. `read` ops treat 404 as an answer. */
async function perform(
  ctx: WorkloadContext,
  o: {
    workload: string;
    client: string;
    key: string;
    f: string;
    input: unknown;
    server: Target;
    method: string;
    path: string;
    body?: string;
    mode?: ReadMode;
    read?: boolean;
    output: (r: Extract<Reply, { kind: 'http' }>) => unknown;
  },
): Promise<Op> {
  const op = ctx.recorder.invoke(o.workload, o.client, o.key, o.f, o.input, o.server.name, o.mode);
  const r = await ctx.http.request(`${o.server.url}${o.path}`, o.method, o.body, ctx.opTimeoutMs);
  if (o.read) {
    if (r.kind === 'http' && (r.status === 200 || r.status === 404)) {
      const out = o.output(r);
      if (out === undefined) ctx.recorder.complete(op, 'fail', undefined, `unreadable answer: ${r.text}`);
      else ctx.recorder.complete(op, 'ok', out);
    } else
      ctx.recorder.complete(
        op,
        r.kind === 'http' || r.kind === 'refused' ? 'fail' : 'unknown',
        undefined,
        describeReply(r),
      );
    return op;
  }
  const outcome = writeOutcome(r);
  if (outcome === 'ok' && r.kind === 'http') {
    const out = o.output(r);
    if (out === undefined) ctx.recorder.complete(op, 'unknown', undefined, `unreadable answer: ${r.text}`);
    else ctx.recorder.complete(op, 'ok', out);
  } else ctx.recorder.complete(op, outcome, undefined, describeReply(r));
  return op;
}

const modeQuery = (mode: ReadMode) => (mode === 'default' ? '' : `?${mode}`);

function readMode(ctx: WorkloadContext, rng: Rng): ReadMode {
  if (ctx.staleReads) return 'stale';
  return rng.chance(0.6) ? 'default' : 'consistent';
}

/** A register read's output: (value, ModifyIndex), or (null, 0) for a missing key. */
function registerRead(r: Extract<Reply, { kind: 'http' }>): unknown {
  if (r.status === 404) return { value: null, index: 0 };
  const pairs = parseJson(r.text) as KvPair[] | undefined;
  const p = pairs?.[0];
  if (!p) return undefined;
  return { value: b64(p.Value), index: p.ModifyIndex };
}

const booleanAnswer = (r: Extract<Reply, { kind: 'http' }>) => {
  const v = parseJson(r.text);
  return typeof v === 'boolean' ? v : undefined;
};

// ---- register ----------------------------------------------------------------------------

export async function registerClient(ctx: WorkloadContext, rng: Rng, id: number, keys: readonly string[]) {
  const client = `reg${id}`;
  const lastRead = new Map<string, number>();
  let seq = 0;
  while (ctx.running()) {
    const key = rng.pick(keys);
    const server = rng.pick(ctx.servers);
    const roll = rng.next();
    const base = { workload: 'register', client, key, server };
    if (roll < 0.5 || (roll >= 0.75 && !lastRead.has(key))) {
      const mode = readMode(ctx, rng);
      const op = await perform(ctx, {
        ...base,
        f: 'read',
        input: null,
        method: 'GET',
        path: `/v1/kv/${key}${modeQuery(mode)}`,
        mode,
        read: true,
        output: registerRead,
      });
      if (op.outcome === 'ok') lastRead.set(key, (op.output as { index: number }).index);
    } else if (roll < 0.75) {
      const value = `${client}-${seq++}`;
      await perform(ctx, {
        ...base,
        f: 'write',
        input: { value },
        method: 'PUT',
        path: `/v1/kv/${key}`,
        body: value,
        output: booleanAnswer,
      });
    } else {
      const value = `${client}-${seq++}`;
      const expect = lastRead.get(key) as number;
      await perform(ctx, {
        ...base,
        f: 'cas',
        input: { expect, value },
        method: 'PUT',
        path: `/v1/kv/${key}?cas=${expect}`,
        body: value,
        output: booleanAnswer,
      });
    }
    await sleep(rng.int(0, 10));
  }
}

// ---- counter -----------------------------------------------------------------------------

export const COUNTER_KEY = 'chaos/counter';

/** Counter values are `<n>:<client>-<seq>`: unique, so the register model can check the key too. */
export const counterValue = (v: string | null) => (v === null ? 0 : Number(v.split(':')[0]));

export async function counterClient(ctx: WorkloadContext, rng: Rng, id: number) {
  const client = `ctr${id}`;
  let seq = 0;
  while (ctx.running()) {
    const mode = ctx.staleReads ? 'stale' : rng.chance(0.5) ? 'default' : 'consistent';
    const read = await perform(ctx, {
      workload: 'counter',
      client,
      key: COUNTER_KEY,
      f: 'read',
      input: null,
      server: rng.pick(ctx.servers),
      method: 'GET',
      path: `/v1/kv/${COUNTER_KEY}${modeQuery(mode)}`,
      mode,
      read: true,
      output: registerRead,
    });
    if (read.outcome === 'ok') {
      const { value, index } = read.output as { value: string | null; index: number };
      const next = `${counterValue(value) + 1}:${client}-${seq++}`;
      await perform(ctx, {
        workload: 'counter',
        client,
        key: COUNTER_KEY,
        f: 'cas',
        input: { expect: index, value: next },
        server: rng.pick(ctx.servers),
        method: 'PUT',
        path: `/v1/kv/${COUNTER_KEY}?cas=${index}`,
        body: next,
        output: booleanAnswer,
      });
    }
    await sleep(rng.int(0, 10));
  }
}

// ---- set ---------------------------------------------------------------------------------

export const SET_PREFIX = 'chaos/set/';
/**
 * A new set every 20 s (`chaos/set/g<n>/`): listing a set costs its size, so one
 * ever-growing set would make long runs quadratic, for the servers and the checker.
 */
export const SET_GENERATION_MS = 20_000;

/** `?keys` under SET_PREFIX as [set, element] pairs (`g3/set0-12` -> ['g3', 'set0-12']). */
export function setKeys(r: Extract<Reply, { kind: 'http' }>): [string, string][] | undefined {
  if (r.status === 404) return [];
  const keys = parseJson(r.text);
  if (!Array.isArray(keys)) return undefined;
  return keys.map((k) => {
    const rest = String(k).slice(SET_PREFIX.length);
    const at = rest.indexOf('/');
    return [rest.slice(0, at), rest.slice(at + 1)];
  });
}

export async function setClient(ctx: WorkloadContext, rng: Rng, id: number) {
  const client = `set${id}`;
  let seq = 0;
  while (ctx.running()) {
    const set = `g${Math.floor(ctx.recorder.now() / SET_GENERATION_MS)}`;
    if (rng.chance(0.15)) {
      const mode = rng.chance(0.5) ? 'default' : 'consistent';
      await perform(ctx, {
        workload: 'set',
        client,
        key: set,
        f: 'read-set',
        input: null,
        server: rng.pick(ctx.servers),
        method: 'GET',
        path: `/v1/kv/${SET_PREFIX}${set}/?keys${mode === 'default' ? '' : `&${mode}`}`,
        mode,
        read: true,
        output: (r) =>
          setKeys(r)
            ?.map(([, e]) => e)
            .sort(),
      });
    } else {
      const element = `${client}-${seq++}`;
      await perform(ctx, {
        workload: 'set',
        client,
        key: set,
        f: 'add',
        input: element,
        server: rng.pick(ctx.servers),
        method: 'PUT',
        path: `/v1/kv/${SET_PREFIX}${set}/${element}`,
        body: 'x',
        output: booleanAnswer,
      });
    }
    await sleep(rng.int(0, 10));
  }
}

// ---- lock --------------------------------------------------------------------------------

export const LOCK_PREFIX = 'chaos/lock/';
/**
 * A new lock key every 20 s (`chaos/lock/g<n>`): each key's history is checked on its own, and one
 * key contended for half an hour makes a history too long for the search to decide.
 */
export const LOCK_GENERATION_MS = 20_000;

function lockRead(r: Extract<Reply, { kind: 'http' }>): unknown {
  if (r.status === 404) return null;
  const p = (parseJson(r.text) as KvPair[] | undefined)?.[0];
  if (!p) return undefined;
  return { session: p.Session ?? null, lockIndex: p.LockIndex, value: b64(p.Value) };
}

/** Creates a session (no TTL, no checks, no lock-delay) through `server`, retrying until it answers. */
export async function createSession(ctx: WorkloadContext, server: Target, name: string): Promise<string> {
  for (let attempt = 0; attempt < 60; attempt++) {
    const r = await ctx.http.request(
      `${server.url}/v1/session/create`,
      'PUT',
      JSON.stringify({ Name: name, LockDelay: '0s' }),
      ctx.opTimeoutMs,
    );
    if (r.kind === 'http' && r.status === 200) {
      const id = (parseJson(r.text) as { ID?: string } | undefined)?.ID;
      if (id) return id;
    }
    await sleep(250);
  }
  throw new Error(`could not create a session through ${server.name}`);
}

export async function lockClient(ctx: WorkloadContext, rng: Rng, id: number, session: string) {
  const client = `lock${id}`;
  let seq = 0;
  const act = (f: 'acquire' | 'release', key: string) => {
    const value = `${client}-${seq++}`;
    return perform(ctx, {
      workload: 'lock',
      client,
      key,
      f,
      input: { session, value },
      server: rng.pick(ctx.servers),
      method: 'PUT',
      path: `/v1/kv/${key}?${f}=${session}`,
      body: value,
      output: booleanAnswer,
    });
  };
  /** Releases until the answer is definite (true or false), or the run is over. */
  const letGo = async (key: string) => {
    while (ctx.running()) {
      const rel = await act('release', key);
      if (rel.outcome === 'ok') return;
      await sleep(rng.int(10, 50));
    }
  };
  while (ctx.running()) {
    // The key of this round: a lock taken on one generation is given back on the same key.
    const key = `${LOCK_PREFIX}g${Math.floor(ctx.recorder.now() / LOCK_GENERATION_MS)}`;
    const acq = await act('acquire', key);
    if (acq.outcome === 'ok' && acq.output === true) {
      const mode = readMode(ctx, rng);
      await perform(ctx, {
        workload: 'lock',
        client,
        key,
        f: 'read',
        input: null,
        server: rng.pick(ctx.servers),
        method: 'GET',
        path: `/v1/kv/${key}${modeQuery(mode)}`,
        mode,
        read: true,
        output: lockRead,
      });
      await sleep(rng.int(0, 30));
      await letGo(key);
    } else if (acq.outcome === 'unknown') {
      // We may hold it: give it back before trying again.
      await letGo(key);
    }
    await sleep(rng.int(5, 40));
  }
}

// ---- health ------------------------------------------------------------------------------

export const HEALTH_SERVICE = 'chaos-svc';

export interface CheckSeen {
  readonly id: string;
  readonly status: string;
  readonly modifyIndex: number;
}

function checksRead(r: Extract<Reply, { kind: 'http' }>): unknown {
  if (r.status !== 200) return undefined;
  const list = parseJson(r.text) as { ServiceID: string; Status: string; ModifyIndex: number }[] | undefined;
  if (!Array.isArray(list)) return undefined;
  return list.map((c) => ({ id: c.ServiceID, status: c.Status, modifyIndex: c.ModifyIndex }));
}

/** Registers instance `id` through `server` (the agent API places it on that server's node), retrying there. */
export async function registerInstance(ctx: WorkloadContext, server: Target, id: string, ttl: string) {
  for (let attempt = 0; attempt < 60; attempt++) {
    const op = await perform(ctx, {
      workload: 'health',
      client: `reg-${id}`,
      key: id,
      f: 'register',
      input: { server: server.name },
      server,
      method: 'PUT',
      path: '/v1/agent/service/register',
      body: JSON.stringify({
        Name: HEALTH_SERVICE,
        ID: id,
        Port: 9000,
        Check: { TTL: ttl, Status: 'passing' },
      }),
      output: () => true,
    });
    if (op.outcome === 'ok') return;
    await sleep(250);
  }
  throw new Error(`could not register ${id} through ${server.name}`);
}

/** Heartbeats `id` about every `everyMs`, moving on to another server at once when one fails. */
export async function heartbeatClient(ctx: WorkloadContext, rng: Rng, id: string, everyMs: number) {
  const client = `beat-${id}`;
  while (ctx.running()) {
    const started = ctx.recorder.now();
    for (let attempt = 0; attempt < ctx.servers.length * 3 && ctx.running(); attempt++) {
      const op = await perform(ctx, {
        workload: 'health',
        client,
        key: id,
        f: 'beat',
        input: null,
        server: rng.pick(ctx.servers),
        method: 'PUT',
        path: `/v1/agent/check/pass/service:${id}`,
        output: () => true,
      });
      if (op.outcome === 'ok') break;
      await sleep(50);
    }
    await sleep(Math.max(0, everyMs - (ctx.recorder.now() - started)));
  }
}

/** Reads the service's checks from random servers, recording what each said. */
export async function healthObserver(ctx: WorkloadContext, rng: Rng, everyMs: number) {
  while (ctx.running()) {
    const mode = rng.chance(0.7) ? 'default' : 'stale';
    await perform(ctx, {
      workload: 'health',
      client: 'observer',
      key: HEALTH_SERVICE,
      f: 'checks',
      input: null,
      server: rng.pick(ctx.servers),
      method: 'GET',
      path: `/v1/health/checks/${HEALTH_SERVICE}${modeQuery(mode)}`,
      mode,
      read: true,
      output: checksRead,
    });
    await sleep(everyMs);
  }
}
