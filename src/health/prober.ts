import { STATUS_CODES } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { Agent, type Dispatcher, interceptors, request } from 'undici';
import type { Catalog, Check, Command, Probe, StatusUpdate } from '../state/index.js';
import { scopedKey } from '../state/index.js';
import {
  httpAnswered,
  httpFailed,
  OUTPUT_LIMIT,
  type ProbeResult,
  ProbeSchedule,
  Streaks,
  tcpConnected,
  tcpFailed,
} from './probes.js';

/** What the prober reads of the replicated state: the checks to probe, and when they change. */
export interface ProberState {
  readonly catalog: Pick<Catalog, 'indexes' | 'probeChecks' | 'check'>;
}

/**
 * A change of output alone is replicated at most this often (Consul's check_update_interval), or
 * at once for a check that has none yet: output is for people, status is what lookups use.
 */
const OUTPUT_SYNC_MS = 5 * 60_000;

export interface ProberOptions {
  /** How often due probes are started and status changes proposed (ms). */
  readonly tickMs: number;
  /** Probes in flight at once. */
  readonly concurrency: number;
}

/**
 * The leader's HTTP and TCP checks (the driver around probes.ts, which is pure): probes every check on its interval and
 * proposes the status changes (batched into one `checkStatus` per tick).
 * A change of status is replicated at once, a change of output alone every
 * five minutes (as Consul's agents sync them). A new leader
 * probes everything again at once, so a leader change costs no stale status.
 */
export class Prober {
  private readonly schedule = new ProbeSchedule();
  private readonly streaks = new Streaks();
  /** When each check's output was last replicated (monotonic ms). */
  private readonly outputSynced = new Map<string, number>();
  private readonly pending = new Map<string, StatusUpdate>();
  private timer: NodeJS.Timeout | null = null;
  private syncedIndex = -1;
  private inFlight = 0;
  /** Bumped on every start: a probe begun under an earlier leadership reports to nobody. */
  private generation = 0;
  private flushing = false;
  /**
   * One HTTP client per (TLS verification, redirect policy), made on first use. Redirects are
   * followed as Consul's checks do (Go's default client: up to 10) unless DisableRedirects.
   */
  private readonly dispatchers = new Map<string, Dispatcher>();
  readonly counters = { probes: 0, statusChanges: 0 };

  constructor(
    private readonly state: ProberState,
    private readonly apply: (cmd: Command) => Promise<unknown>,
    private readonly log: Logger,
    private readonly opts: ProberOptions,
    private readonly now: () => number = Date.now,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  get checks(): number {
    return this.schedule.size;
  }

  start(): void {
    if (this.timer) return;
    this.generation++;
    this.inFlight = 0;
    this.syncedIndex = -1;
    this.timer = setInterval(() => this.tick(), this.opts.tickMs);
    this.timer.unref();
    this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.schedule.clear();
    this.streaks.clear();
    this.outputSynced.clear();
    this.pending.clear();
    const open = [...this.dispatchers.values()];
    this.dispatchers.clear();
    void Promise.all(open.map((d) => d.close())).catch(() => {});
  }

  private tick(): void {
    if (!this.timer) return;
    const checksIndex = this.state.catalog.indexes.checks;
    if (checksIndex !== this.syncedIndex) {
      const checks = this.state.catalog.probeChecks();
      this.schedule.sync(checks, this.clock());
      const keys = new Set(checks.map((c) => scopedKey(c.node, c.id)));
      this.streaks.keepOnly(keys);
      for (const k of this.outputSynced.keys()) if (!keys.has(k)) this.outputSynced.delete(k);
      this.syncedIndex = checksIndex;
    }
    const generation = this.generation;
    for (const c of this.schedule.due(this.clock(), this.opts.concurrency - this.inFlight)) {
      this.inFlight++;
      void this.probe(c)
        .catch(
          (err: unknown): ProbeResult => ({ status: 'critical', output: `probe failed: ${String(err)}` }),
        )
        .then((result) => {
          if (generation !== this.generation) return;
          this.inFlight--;
          this.counters.probes++;
          this.schedule.done(c, this.clock());
          this.record(c, result);
        });
    }
    this.flush();
  }

  /** Keeps a status change to propose; a result for a check that changed meanwhile is dropped. */
  private record(probed: Check, result: ProbeResult): void {
    if (!this.timer) return;
    const current = this.state.catalog.check(probed.node, probed.id);
    if (!current || JSON.stringify(current.probe) !== JSON.stringify(probed.probe)) return;
    const key = scopedKey(current.node, current.id);
    const next = this.streaks.observe(key, result.status, current.probe?.thresholds);
    const now = this.clock();
    const outputStale =
      next !== null &&
      result.output !== current.output &&
      (current.output === '' || now - (this.outputSynced.get(key) ?? 0) >= OUTPUT_SYNC_MS);
    if (next === null || (next === current.status && !outputStale)) {
      this.pending.delete(key);
      return;
    }
    this.outputSynced.set(key, now);
    this.pending.set(key, { node: current.node, checkId: current.id, status: next, output: result.output });
  }

  private flush(): void {
    if (this.flushing || this.pending.size === 0) return;
    const updates = [...this.pending.values()];
    this.pending.clear();
    this.flushing = true;
    this.counters.statusChanges += updates.length;
    this.apply({ type: 'checkStatus', at: this.now(), updates })
      .catch((err: unknown) => this.log.warn({ err }, 'proposing probe results failed'))
      .finally(() => {
        this.flushing = false;
      });
  }

  private probe(c: Check): Promise<ProbeResult> {
    const p = c.probe as Probe;
    return p.kind === 'http' ? this.http(p) : tcp(p);
  }

  private async http(p: Extract<Probe, { kind: 'http' }>): Promise<ProbeResult> {
    const follow = p.disableRedirects !== true;
    const which = `${p.tlsSkipVerify}/${follow}`;
    let dispatcher = this.dispatchers.get(which);
    if (!dispatcher) {
      const agent = new Agent(p.tlsSkipVerify ? { connect: { rejectUnauthorized: false } } : {});
      dispatcher = follow ? agent.compose(interceptors.redirect({ maxRedirections: 10 })) : agent;
      this.dispatchers.set(which, dispatcher);
    }
    try {
      const res = await request(p.url, {
        method: p.method as 'GET',
        headers: requestHeaders(p.headers),
        ...(p.body !== '' ? { body: p.body } : {}),
        signal: AbortSignal.timeout(p.timeoutMs),
        dispatcher,
      });
      const body = await readSome(res.body, OUTPUT_LIMIT);
      return httpAnswered(p, res.statusCode, STATUS_CODES[res.statusCode] ?? '', body);
    } catch (err) {
      const e = err as { name?: string; message?: string };
      const reason =
        e.name === 'TimeoutError' || e.name === 'AbortError'
          ? `timed out after ${p.timeoutMs} ms`
          : (e.message ?? String(err));
      return httpFailed(p, reason);
    }
  }
}

/** Headers undici sets itself (and refuses from callers): a check naming them must not fail for it. */
const TRANSPORT_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
]);

/** The check's headers (its own User-Agent wins), without the ones the HTTP client owns. */
function requestHeaders(given: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let userAgent = false;
  for (const [name, values] of Object.entries(given)) {
    const lower = name.toLowerCase();
    if (TRANSPORT_HEADERS.has(lower)) continue;
    if (lower === 'user-agent') userAgent = true;
    out[name] = [...values];
  }
  if (!userAgent) out['user-agent'] = ['cairn health check'];
  return out;
}

/** Reads at most `limit` characters of a body, then drops the rest. */
async function readSome(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number): Promise<string> {
  let text = '';
  try {
    for await (const chunk of body) {
      text += chunk.toString('utf8');
      if (text.length >= limit) break;
    }
  } finally {
    body.destroy();
  }
  return text.slice(0, limit);
}

function tcp(p: Extract<Probe, { kind: 'tcp' }>): Promise<ProbeResult> {
  const colon = p.address.lastIndexOf(':');
  const host = p.address.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(p.address.slice(colon + 1));
  return new Promise((resolve) => {
    let socket: Socket;
    try {
      socket = connect({ host, port });
    } catch (err) {
      // A bad address is refused at registration; this is the last line, not the first.
      resolve(tcpFailed(p, err instanceof Error ? err.message : String(err)));
      return;
    }
    const finish = (result: ProbeResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish(tcpFailed(p, `i/o timeout after ${p.timeoutMs} ms`)), p.timeoutMs);
    socket.once('connect', () => finish(tcpConnected(p)));
    socket.once('error', (err) => finish(tcpFailed(p, err.message)));
  });
}
