import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { waitUntil } from '../../cluster/index.js';
import { buildHttpApp, type ClientLimitOptions } from '../../src/http/index.js';
import { MemoryDisk, MemoryNetwork, MemoryStorage } from '../../src/raft/index.js';
import { CairnServer, type ServerOptions } from '../../src/server/index.js';
import type { Answer } from './http.js';

type HttpContext = ReturnType<typeof buildHttpApp>['ctx'];

/**
 * One clock for a whole in-process cluster, standing still until a test moves it: TTL and session
 * deadlines, lock-delays and tombstone ages pass exactly when the test says, however loaded the
 * machine is. (Timers still fire on real time, and Raft keeps its own clock: advance, then poll
 * for the effect or wait for a round, e.g. `expiryRound()`.)
 */
export class TestClock {
  private wall = Date.now();
  private mono = performance.now();
  /** Wall clock (ms since the epoch): command timestamps, lock-delay, reaping. */
  readonly now = (): number => this.wall;
  /** Monotonic clock (ms): TTL-check and session deadlines, tombstone ages. */
  readonly monotonic = (): number => this.mono;

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`a clock only moves forward, got ${ms}`);
    this.wall += ms;
    this.mono += ms;
  }
}

/** Server options a test may set; the harness owns the rest (names, storage, transport, clocks). */
export type ServerTweaks = Partial<
  Pick<
    ServerOptions,
    | 'datacenter'
    | 'snapshotEvery'
    | 'trailingLogs'
    | 'maxVoters'
    | 'selfPreservationShare'
    | 'selfPreservationMinChecks'
    | 'kvTombstoneTtlMs'
  >
>;

/** HTTP options a test may set (as the agent's --kv-history and friends do). */
export interface HttpTweaks {
  readonly kvHistory?: number;
  readonly kvMaxValueBytes?: number;
  readonly protectionThreshold?: number;
  readonly bodyLimit?: number;
  readonly kvMaxKeys?: number;
  readonly catalogMaxInstances?: number;
  readonly trustedProxies?: readonly string[];
  /** Per-client caps (blocking queries, watch sockets and subscriptions). */
  readonly limits?: Partial<ClientLimitOptions>;
}

export interface InProcessOptions {
  /** 1 (default): a dev server that founds its own cluster. More: bootstrap-expect that many. */
  readonly size?: number;
  /** Seeds the memory network (message drops, if a test sets a drop rate). */
  readonly seed?: number;
  /**
   * Raft tick. Default: 20 ms for a dev server (it elects itself at once), 100 ms (production's)
   * for a cluster, so a loaded machine's pauses do not depose leaders mid-test.
   */
  readonly tickMs?: number;
  readonly server?: ServerTweaks;
  readonly http?: HttpTweaks;
  /** Servers announce an HTTPS API (127.0.0.<n>:8501) and no plain one, as with `--http-port -1`. */
  readonly httpsOnly?: boolean;
}

/** What a test reads of an answer: as from a real server (./http.ts), plus the raw bytes. */
export interface InjectedAnswer<T = unknown> extends Answer<T> {
  readonly raw: Buffer;
}

/** An extra request header or two, e.g. X-Cairn-Author. */
export type Headers = Readonly<Record<string, string>>;

/** One server in the test process: its CairnServer and its HTTP API, called with inject(). */
export class InProcessServer {
  constructor(
    readonly name: string,
    readonly server: CairnServer,
    readonly app: FastifyInstance,
    readonly ctx: HttpContext,
    /** What would survive a crash of this server (MemoryDisk.crash()). */
    readonly disk: MemoryDisk,
  ) {}

  /** One request through fastify's inject: no socket, same routing, hooks and serialisation. */
  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Headers = {},
  ): Promise<InjectedAnswer<T>> {
    const payload =
      body === undefined
        ? undefined
        : typeof body === 'string' || Buffer.isBuffer(body)
          ? body
          : JSON.stringify(body);
    const res = await this.app.inject({
      method: method as 'GET',
      url: path,
      headers,
      ...(payload !== undefined ? { payload } : {}),
    });
    const text = res.body;
    let json: unknown = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      json = null;
    }
    const h = new globalThis.Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) h.append(k, String(one));
    }
    return { status: res.statusCode, headers: h, text, json: json as T, raw: res.rawPayload };
  }

  /** A PUT that must answer 200. */
  async put(path: string, body?: unknown, headers: Headers = {}): Promise<InjectedAnswer> {
    const r = await this.request('PUT', path, body, headers);
    if (r.status !== 200) throw new Error(`PUT ${path} on ${this.name}: ${r.status} ${r.text}`);
    return r;
  }

  /** The response body's bytes (for ?raw reads of binary values). */
  async bytes(path: string): Promise<Buffer> {
    return (await this.request('GET', path)).raw;
  }
}

/**
 * Servers running inside the test process: MemoryStorage, one MemoryNetwork, a shared TestClock,
 * and each server's fastify app. Start with `InProcessCluster.start()`; stop in afterAll.
 */
export class InProcessCluster {
  private stopped = false;

  private constructor(
    readonly servers: readonly InProcessServer[],
    readonly network: MemoryNetwork,
    readonly clock: TestClock,
  ) {}

  static async start(opts: InProcessOptions = {}): Promise<InProcessCluster> {
    const size = opts.size ?? 1;
    if (!(Number.isInteger(size) && size >= 1))
      throw new RangeError(`size must be a whole number ≥ 1, got ${size}`);
    const network = new MemoryNetwork(opts.seed ?? 1);
    const clock = new TestClock();
    const names = Array.from({ length: size }, (_, i) => (size === 1 ? 'dev' : `s${i + 1}`));
    const logger = pino({ level: 'silent' });
    const servers = names.map((name, i) => {
      const disk = new MemoryDisk();
      const datacenter = opts.server?.datacenter ?? 'dc1';
      const server = new CairnServer({
        ...opts.server,
        node: name,
        datacenter,
        storage: new MemoryStorage(disk),
        // In a memory network a server's address is its name.
        transport: network.transport(name),
        bind: '127.0.0.1',
        httpAddress: opts.httpsOnly ? '' : `127.0.0.${i + 1}:8500`,
        ...(opts.httpsOnly ? { httpsAddress: `127.0.0.${i + 1}:8501` } : {}),
        dev: size === 1,
        bootstrapExpect: size === 1 ? null : size,
        join: names.filter((n) => n !== name),
        logger,
        now: clock.now,
        monotonic: clock.monotonic,
        tickMs: opts.tickMs ?? (size === 1 ? 20 : 100),
      });
      const { app, ctx } = buildHttpApp({ server, datacenter, logger, ...opts.http });
      return new InProcessServer(name, server, app, ctx, disk);
    });
    const cluster = new InProcessCluster(servers, network, clock);
    try {
      for (const s of servers) await s.server.start();
      await cluster.settled();
    } catch (e) {
      await cluster.stop();
      throw e;
    }
    return cluster;
  }

  /** The only server of a dev cluster (the first of a larger one). */
  get dev(): InProcessServer {
    return this.servers[0] as InProcessServer;
  }

  /** The server every server names as leader, once they agree. */
  leader(): InProcessServer {
    const names = new Set(this.servers.map((s) => s.server.leader()?.name ?? null));
    const [name] = [...names];
    const lead = names.size === 1 && name !== null ? this.servers.find((s) => s.name === name) : undefined;
    if (!lead) throw new Error(`no agreed leader (servers name: ${[...names].join(', ')})`);
    return lead;
  }

  /** Servers other than the leader. */
  followers(): InProcessServer[] {
    const lead = this.leader();
    return this.servers.filter((s) => s !== lead);
  }

  /**
   * Waits (polling, no fixed sleeps) until every server names the same leader, every server is a
   * voter, and every server's own catalog node is registered: what a test may assume at start.
   */
  async settled(): Promise<InProcessServer> {
    const size = this.servers.length;
    return until('the in-process cluster to settle', () => {
      let lead: InProcessServer;
      try {
        lead = this.leader();
      } catch {
        return undefined;
      }
      if (lead.server.status().conf.voters.length !== size) return undefined;
      for (const s of this.servers) {
        for (const other of this.servers) if (!s.server.view.catalog.node(other.name)) return undefined;
      }
      return lead;
    });
  }

  /**
   * Resolves after the leader's next TTL expiry round that started after this call, so it saw
   * the clock as it is now (its status changes may still be in flight: poll for those).
   */
  /**
   * Waits for a TTL expiry round on whichever server leads once it has run: a leader that steps
   * down (a loaded machine re-electing) runs no more rounds, so waiting on the one that led when
   * the wait began could last forever.
   */
  async expiryRound(): Promise<void> {
    const seen = new Map(this.servers.map((s) => [s, s.server.stats().expiryRounds]));
    await until('a TTL expiry round on the leader', () => {
      const lead = this.servers.find((s) => s.server.leader()?.name === s.name);
      if (lead === undefined) return undefined;
      return lead.server.stats().expiryRounds > (seen.get(lead) ?? 0) ? true : undefined;
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const s of this.servers) {
      await s.server.stop();
      await s.app.close();
    }
  }
}

/**
 * Polls `probe` (sync or async) until it returns a value. The timeout only turns a hang into a
 * failure naming what never happened; no test asserts how long anything took.
 */
export function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  // In process, a condition can turn true within a tick or two: look often.
  return waitUntil(what, probe, timeoutMs, 10);
}
