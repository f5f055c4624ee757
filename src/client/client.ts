import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from './clock.js';
import { Config } from './config/config.js';
import { toMs } from './duration.js';
import { type CairnError, ClosedError, InvalidArgumentError } from './errors.js';
import { ServerPool } from './http/server-pool.js';
import { Transport } from './http/transport.js';
import { processExitHooks } from './register/exit-hooks.js';
import { Registration } from './register/registration.js';
import type { Endpoint } from './resolve/endpoint.js';
import { type ResolveOptions, Resolver } from './resolve/resolver.js';
import { serviceFeedSpec } from './resolve/service-feed.js';
import {
  clientEnvironment,
  type Environment,
  type EnvValue,
  readPemFile,
  type TlsConnectOptions,
  type TlsOptions,
  tlsConnectOptions,
} from './tls/index.js';
import { Feed } from './watch/feed.js';
import { type SocketState, WatchSocket, type WatchTransport } from './watch/socket.js';

export interface WatchSettings {
  /** 'auto' (default): WebSocket, long polls while it cannot connect; or force one. */
  readonly transport?: WatchTransport;
  /** How often the client pings the watch socket (default 10 s); silence for two periods reconnects. */
  readonly pingEveryMs?: number;
  /** Failed WebSocket connects in a row before falling back to long polls (default 3). */
  readonly fallbackAfterFailures?: number;
  /** While falling back, how often the WebSocket is tried again (default 30 s). */
  readonly retryWebSocketMs?: number;
  /** How long one long poll waits on the server (default 60 s). */
  readonly longPollWaitMs?: number;
}

export interface ClientOptions {
  /**
   * Server addresses: "host:port", "http://host:port" or "https://host:port" (a list, or one
   * comma-separated string). Default: $CAIRN_HTTP_ADDR, else $CONSUL_HTTP_ADDR.
   */
  readonly servers?: string | readonly string[];
  /**
   * TLS for https servers (and the wss watch socket): the CA that signs them, and a client
   * certificate for servers that require one. Given here, it also makes bare "host:port"
   * addresses https. Default: the files $CAIRN_CACERT, $CAIRN_CLIENT_CERT, $CAIRN_CLIENT_KEY
   * (or CONSUL_*).
   */
  readonly tls?: TlsOptions;
  /** Where the defaults above are read (default process.env); `{}` reads none. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Sent as X-Consul-Token (and with watch subscriptions). */
  readonly token?: string;
  /** One attempt on one server (default 5 s). */
  readonly timeoutMs?: number;
  /** A whole request, across servers and retries (default 15 s). */
  readonly requestTimeoutMs?: number;
  /** Connecting to a server (default 2 s). */
  readonly connectTimeoutMs?: number;
  readonly watch?: WatchSettings;
  /** Uniform in [0,1): server order, jitter and balancing draws (default Math.random). */
  readonly random?: () => number;
  /** Time and timers (default: the system's monotonic clock). */
  readonly clock?: Clock;
}

export interface RegisterOptions {
  readonly name: string;
  /** Unique instance id (default `<name>-<8 random hex digits>`). */
  readonly id?: string;
  readonly address: string;
  readonly port: number;
  readonly tags?: readonly string[];
  readonly meta?: Readonly<Record<string, string>>;
  readonly weights?: { readonly passing: number; readonly warning?: number };
  /** The health check's TTL: milliseconds or a Go duration ("10s"). Heartbeats go every ttl/3. */
  readonly ttl: number | string;
  /** Let the server deregister the instance after it has been critical this long. */
  readonly deregisterCriticalAfter?: number | string;
  /** Reported with every heartbeat (lower is lighter); the server's `least_load` lookups use it. */
  readonly load?: () => number | Promise<number>;
  /** Deregister on SIGINT / SIGTERM before the process exits (default true). */
  readonly deregisterOnExit?: boolean;
  /** Heartbeat failures (the handle keeps retrying). */
  readonly onError?: (e: CairnError) => void;
}

export interface ClientStatus {
  readonly servers: readonly { readonly url: string; readonly down: boolean }[];
  /** Where requests go first. */
  readonly preferred: string;
  /** The leader's address, when a hint has named it. */
  readonly leader: string | null;
  readonly watch: {
    readonly state: SocketState;
    readonly connectedTo: string | null;
    readonly lastError: string;
  };
}

interface Closable {
  close(): void | Promise<void>;
}

/**
 * A client of a cairn cluster: registers this process's instances and keeps them alive, reads
 * and watches config, and resolves services into balanced, failing-over calls. One client per
 * process is enough; it shares its HTTP connections and one watch socket.
 */
export class CairnClient {
  readonly config: Config;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #pool: ServerPool;
  readonly #transport: Transport;
  readonly #socket: WatchSocket;
  readonly #pollWaitMs: number;
  readonly #open = new Set<Closable>();
  #ids = 0;
  #closed = false;

  constructor(opts: ClientOptions) {
    this.#clock = opts.clock ?? systemClock;
    this.#random = opts.random ?? Math.random;
    const { servers, scheme, tls } = connectionOf(opts, opts.env ?? process.env);
    this.#pool = new ServerPool(servers, { random: this.#random, scheme });
    const connectTimeoutMs = opts.connectTimeoutMs ?? 2000;
    this.#transport = new Transport({
      pool: this.#pool,
      clock: this.#clock,
      random: this.#random,
      ...(opts.token !== undefined ? { token: opts.token } : {}),
      attemptTimeoutMs: opts.timeoutMs ?? 5000,
      deadlineMs: opts.requestTimeoutMs ?? 15_000,
      connectTimeoutMs,
      ...(tls ? { tls } : {}),
    });
    const w = opts.watch ?? {};
    this.#socket = new WatchSocket({
      pool: this.#pool,
      clock: this.#clock,
      random: this.#random,
      ...(opts.token !== undefined ? { token: opts.token } : {}),
      transport: w.transport ?? 'auto',
      pingEveryMs: w.pingEveryMs ?? 10_000,
      connectTimeoutMs,
      fallbackAfterFailures: w.fallbackAfterFailures ?? 3,
      retryWebSocketMs: w.retryWebSocketMs ?? 30_000,
      ...(tls ? { tls } : {}),
    });
    this.#pollWaitMs = w.longPollWaitMs ?? 60_000;
    this.config = new Config({
      transport: this.#transport,
      socket: this.#socket,
      clock: this.#clock,
      random: this.#random,
      pollWaitMs: this.#pollWaitMs,
      nextId: () => this.#nextId('cfg'),
      track: (c) => this.#track(c),
    });
  }

  /**
   * Registers an instance (passing) and keeps it alive until `close()`. Resolves once the
   * server has it; rejects if no server takes the registration.
   */
  async register(opts: RegisterOptions): Promise<Registration> {
    this.#check();
    const spec = registrationSpec(opts);
    let untrackExit = () => {};
    let untrack = () => {};
    const reg = new Registration(spec, {
      transport: this.#transport,
      clock: this.#clock,
      random: this.#random,
      ...(opts.load ? { load: opts.load } : {}),
      onError: opts.onError ?? (() => {}),
      onClosed: () => {
        untrackExit();
        untrack();
      },
    });
    await reg.start();
    untrack = this.#track(reg);
    if (opts.deregisterOnExit !== false) untrackExit = processExitHooks.add(() => reg.close());
    return reg;
  }

  /** A live, balanced view of a service's instances. */
  resolve(service: string, opts: ResolveOptions = {}): Resolver {
    this.#check();
    if (service === '') throw new InvalidArgumentError('service: required');
    let resolver: Resolver | null = null;
    const feed = new Feed<Endpoint>(
      this.#nextId('svc'),
      serviceFeedSpec(service, opts.passingOnly ?? true, opts.tag),
      {
        socket: this.#socket,
        transport: this.#transport,
        clock: this.#clock,
        random: this.#random,
        pollWaitMs: this.#pollWaitMs,
        onUpdate: (u) => resolver?.update(u),
        onError: () => {},
      },
    );
    let untrack = () => {};
    resolver = new Resolver(service, opts, {
      feed,
      clock: this.#clock,
      random: this.#random,
      onClose: () => untrack(),
    });
    untrack = this.#track(resolver);
    feed.start();
    return resolver;
  }

  status(): ClientStatus {
    const now = this.#clock.now();
    return {
      servers: this.#pool.servers.map((url) => ({ url, down: this.#pool.isDown(url, now) })),
      preferred: this.#pool.preferred,
      leader: this.#pool.leader,
      watch: {
        state: this.#socket.state,
        connectedTo: this.#socket.connectedTo,
        lastError: this.#socket.lastError,
      },
    };
  }

  /** Deregisters every registration, stops every watch and resolver, and closes connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#open].map((c) => c.close()));
    this.#socket.close();
    await this.#transport.close();
  }

  #check(): void {
    if (this.#closed) throw new ClosedError('client');
  }

  #nextId(prefix: string): string {
    return `${prefix}${++this.#ids}`;
  }

  #track(c: Closable): () => void {
    this.#open.add(c);
    return () => this.#open.delete(c);
  }
}

export function createClient(opts: ClientOptions): CairnClient {
  return new CairnClient(opts);
}

interface Connection {
  readonly servers: readonly string[];
  readonly scheme: 'http' | 'https';
  readonly tls: TlsConnectOptions | null;
}

/** The servers and TLS settings: the options given, else the environment's (as Consul's clients read it). */
function connectionOf(opts: ClientOptions, env: Environment): Connection {
  const e = clientEnvironment(env);
  const raw = opts.servers ?? e.httpAddr?.value;
  if (raw === undefined) {
    throw new InvalidArgumentError('servers: required (or set CAIRN_HTTP_ADDR or CONSUL_HTTP_ADDR)');
  }
  const servers = typeof raw === 'string' ? raw.split(',') : raw;
  if (opts.tls !== undefined) return { servers, scheme: 'https', tls: tlsConnectOptions(opts.tls) };
  const scheme = e.ssl ? 'https' : 'http';
  if (!e.caFile && !e.certFile && !e.keyFile) return { servers, scheme, tls: null };
  if ((e.certFile === undefined) !== (e.keyFile === undefined)) {
    const given = (e.certFile ?? e.keyFile) as EnvValue;
    const other = given.name.endsWith('CERT')
      ? given.name.replace(/CERT$/, 'KEY')
      : given.name.replace(/KEY$/, 'CERT');
    throw new InvalidArgumentError(
      `${given.name}: set ${other} too (a client certificate and its key go together)`,
    );
  }
  const tls = tlsConnectOptions({
    ...(e.caFile ? { ca: readPemFile(e.caFile) } : {}),
    ...(e.certFile ? { cert: readPemFile(e.certFile) } : {}),
    ...(e.keyFile ? { key: readPemFile(e.keyFile) } : {}),
  });
  return { servers, scheme, tls };
}

function registrationSpec(o: RegisterOptions) {
  if (typeof o.name !== 'string' || o.name === '') throw new InvalidArgumentError('name: required');
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
    throw new InvalidArgumentError(`port: ${o.port} is not a port number`);
  }
  const ttlMs = toMs(o.ttl, 'ttl');
  if (ttlMs < 100) throw new InvalidArgumentError('ttl: must be at least 100ms');
  const passing = o.weights?.passing ?? 1;
  return {
    name: o.name,
    id: o.id ?? `${o.name}-${randomUUID().slice(0, 8)}`,
    address: o.address,
    port: o.port,
    tags: o.tags ?? [],
    meta: o.meta ?? {},
    weights: { passing, warning: o.weights?.warning ?? passing },
    ttlMs,
    deregisterCriticalAfterMs:
      o.deregisterCriticalAfter === undefined
        ? null
        : toMs(o.deregisterCriticalAfter, 'deregisterCriticalAfter'),
  };
}
