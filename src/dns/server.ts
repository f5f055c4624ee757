import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import type { Logger } from 'pino';
import { BalancerState } from '../balance/index.js';
import type { AnswerConfig, AnswerContext } from './answer.js';
import { DNS_SERVER_DEFAULTS } from './config.js';
import { ConnectionSlots } from './connection-slots.js';
import { bareReply, handleQuery, PreparedCache, type Reply, type Transport } from './message.js';
import { SourceRateLimiter } from './rate-limit.js';
import type { DnsView } from './view.js';

/**
 * Why a limit acted: `rate` (a query over the per-source rate: dropped over UDP, REFUSED over
 * TCP), `udp_answer_limit` (a UDP answer cut to the server's cap below the client's EDNS0 size),
 * `connections` / `connections_per_source` (a TCP connection refused), `idle` (a TCP connection
 * closed after no complete query for the idle time), `queries_per_connection` (a TCP connection
 * closed after its last allowed answer).
 */
export type DnsLimitReason =
  | 'rate'
  | 'udp_answer_limit'
  | 'connections'
  | 'connections_per_source'
  | 'idle'
  | 'queries_per_connection';

/** Where the server reports each query and each limit it enforced (src/metrics implements it). */
export interface DnsQueryObserver {
  dnsQuery(transport: Transport, type: string, rcode: string, truncated: boolean, seconds: number): void;
  dnsLimit(transport: Transport, reason: DnsLimitReason): void;
}

export interface DnsServerOptions {
  /** An IP address (not a host name: the UDP socket resolves nothing). */
  readonly host: string;
  /** The same port for UDP and TCP. */
  readonly port: number;
  readonly view: DnsView;
  readonly config: AnswerConfig;
  readonly logger?: Logger;
  readonly metrics?: DnsQueryObserver;
  /** Injected for tests; Math.random by default. */
  readonly random?: () => number;
  /** Milliseconds since the epoch (SOA serials, the rate limit's clock); injected for tests. */
  readonly now?: () => number;
  /**
   * A TCP connection without a complete query for this long is closed. Only whole queries move
   * the deadline, so a client trickling bytes of a frame that never completes is closed too.
   */
  readonly tcpIdleMs?: number | undefined;
  /** Open TCP connections at most; more are closed as they arrive. */
  readonly maxTcpConnections?: number | undefined;
  /** Open TCP connections from one source address at most. */
  readonly maxTcpConnectionsPerSource?: number | undefined;
  /** Queries answered on one TCP connection, after which it is closed (the client reconnects). */
  readonly maxTcpQueriesPerConnection?: number | undefined;
  /** Queries per second per source address, UDP and TCP each (0 or absent: no limit). */
  readonly rateLimit?: number | undefined;
}

/**
 * Past this much unsent output a TCP connection stops reading (and so answering) until the
 * client has read some: a client that never reads holds at most this plus one answer, and is
 * then closed by the idle deadline.
 */
const TCP_WRITE_HIGH_WATER = 128 * 1024;

/**
 * cairn's DNS interface: the same answers over UDP and TCP on one port. Every query is answered
 * from the local state (stale reads, as Consul); a query that cannot be parsed gets FORMERR, a
 * packet that is not a query is dropped, and no input may stop the server.
 */
export class DnsServer {
  private udp: Socket | null = null;
  private tcp: Server | null = null;
  private readonly connections = new Set<TcpSocket>();
  private readonly balancer = new BalancerState();
  private readonly cache = new PreparedCache();
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly slots: ConnectionSlots;
  private readonly udpRate: SourceRateLimiter | null;
  private readonly tcpRate: SourceRateLimiter | null;
  private failures = 0;

  constructor(private readonly opts: DnsServerOptions) {
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.slots = new ConnectionSlots(
      opts.maxTcpConnections ?? DNS_SERVER_DEFAULTS.maxTcpConnections,
      opts.maxTcpConnectionsPerSource ?? DNS_SERVER_DEFAULTS.maxTcpConnectionsPerSource,
    );
    const rate = opts.rateLimit ?? 0;
    this.udpRate = rate > 0 ? new SourceRateLimiter(rate) : null;
    this.tcpRate = rate > 0 ? new SourceRateLimiter(rate) : null;
  }

  /** Binds TCP then UDP; rejects (with nothing left bound) if either port cannot be had. */
  async start(): Promise<void> {
    const { host, port } = this.opts;
    try {
      this.tcp = await this.listenTcp(host, port);
      // Port 0: UDP takes the port the system gave TCP.
      this.udp = await this.bindUdp(host, this.port);
    } catch (e) {
      await this.stop();
      const err = e as NodeJS.ErrnoException;
      const wrapped = new Error(`DNS on ${host}:${port}: ${err.message}`) as NodeJS.ErrnoException;
      if (err.code !== undefined) wrapped.code = err.code;
      throw wrapped;
    }
  }

  /** The bound address (the port is the same for both transports). */
  get port(): number {
    const a = this.tcp?.address();
    return a && typeof a === 'object' ? a.port : this.opts.port;
  }

  async stop(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = null;
    this.tcp = null;
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    await Promise.all([
      udp ? new Promise<void>((resolve) => udp.close(() => resolve())) : undefined,
      tcp ? new Promise<void>((resolve) => tcp.close(() => resolve())) : undefined,
    ]);
  }

  /** Answers one message as it would over `transport` (for tests and benchmarks in process). */
  answer(msg: Buffer, transport: Transport, client = '127.0.0.1'): Reply | null {
    const started = performance.now();
    let reply: Reply | null;
    try {
      const ctx: AnswerContext = {
        balancer: this.balancer,
        random: this.random,
        now: this.now(),
        clientKey: client,
      };
      reply = handleQuery(msg, transport, this.opts.view, this.opts.config, ctx, this.cache);
    } catch (e) {
      // A bug, not bad input: keep serving, answer SERVFAIL, log the first few.
      if (this.failures++ < 10) this.opts.logger?.error({ err: e }, 'DNS query failed');
      reply = bareReply(msg, 'SERVFAIL');
    }
    const seconds = (performance.now() - started) / 1000;
    this.opts.metrics?.dnsQuery(
      transport,
      reply?.qtype ?? 'NONE',
      reply?.rcode ?? 'DROPPED',
      reply?.truncated ?? false,
      seconds,
    );
    if (reply?.capped) this.limited(transport, 'udp_answer_limit');
    return reply;
  }

  /** Open TCP connections (for tests). */
  get tcpConnections(): number {
    return this.slots.open;
  }

  private limited(transport: Transport, reason: DnsLimitReason): void {
    this.opts.metrics?.dnsLimit(transport, reason);
  }

  /** The per-source rate limit: true if this query may be answered. */
  private withinRate(transport: Transport, source: string): boolean {
    const limiter = transport === 'udp' ? this.udpRate : this.tcpRate;
    if (limiter === null || limiter.allow(source, this.now())) return true;
    this.limited(transport, 'rate');
    return false;
  }

  private bindUdp(host: string, port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const family = host.includes(':') ? 6 : 4;
      const socket = createSocket({
        type: family === 6 ? 'udp6' : 'udp4',
        // Replies go to the address a datagram came from, always an IP: no resolver round (dns.lookup
        // and a tick) per reply.
        lookup: (address, _opts, callback) => callback(null, address, family),
      });
      const onError = (e: Error) => reject(e);
      socket.once('error', onError);
      socket.bind({ address: host, port, exclusive: true }, () => {
        socket.off('error', onError);
        // Errors on a bound UDP socket (ICMP unreachable echoes, a full buffer) concern one datagram.
        socket.on('error', (e) => this.opts.logger?.debug({ err: e }, 'DNS UDP socket error'));
        try {
          socket.setRecvBufferSize(4 * 1024 * 1024);
          socket.setSendBufferSize(4 * 1024 * 1024);
        } catch {
          // The system's limit applies instead.
        }
        socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
          // Over the rate: dropped, not REFUSED; a UDP source may be spoofed, and a reply of any
          // size would go to the victim.
          if (!this.withinRate('udp', rinfo.address)) return;
          const reply = this.answer(msg, 'udp', rinfo.address);
          if (reply) socket.send(reply.bytes, rinfo.port, rinfo.address);
        });
        resolve(socket);
      });
    });
  }

  private listenTcp(host: string, port: number): Promise<Server> {
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true }, (sock) => this.serveTcp(sock));
      server.once('error', reject);
      // Room for a flood of connections the limits refuse, as on the HTTP port (src/agent/http-server.ts).
      server.listen({ host, port, exclusive: true, backlog: 4096 }, () => {
        server.off('error', reject);
        server.on('error', (e) => this.opts.logger?.warn({ err: e }, 'DNS TCP server error'));
        resolve(server);
      });
    });
  }

  /**
   * RFC 7766: two-byte length before each message; queries may be pipelined on one connection.
   * Bounded in count (total, per source), in time (the idle deadline, the queries per
   * connection) and in memory (at most one frame of input, the write high-water mark of output).
   */
  private serveTcp(sock: TcpSocket): void {
    const source = sock.remoteAddress ?? '';
    const refused = this.slots.acquire(source);
    if (refused !== null) {
      this.limited('tcp', refused);
      sock.destroy();
      return;
    }
    this.connections.add(sock);
    const maxQueries = this.opts.maxTcpQueriesPerConnection ?? DNS_SERVER_DEFAULTS.maxTcpQueriesPerConnection;
    let pending: Buffer = Buffer.alloc(0);
    let queries = 0;
    let ending = false;
    let blocked = false;
    const idle = setTimeout(() => {
      if (!ending) this.limited('tcp', 'idle');
      sock.destroy();
    }, this.opts.tcpIdleMs ?? DNS_SERVER_DEFAULTS.tcpIdleMs);
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      clearTimeout(idle);
      this.connections.delete(sock);
      this.slots.release(source);
    });
    const serve = (): void => {
      while (!ending && pending.length >= 2) {
        if (sock.writableLength > TCP_WRITE_HIGH_WATER) {
          // Stop reading until the client reads: pending input stays at what has arrived.
          blocked = true;
          sock.pause();
          sock.once('drain', () => {
            blocked = false;
            sock.resume();
            serve();
          });
          return;
        }
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        const reply = this.withinRate('tcp', source)
          ? this.answer(msg, 'tcp', source)
          : bareReply(msg, 'REFUSED');
        if (reply === null) {
          // Not a query at all: the stream cannot be trusted any further.
          sock.destroy();
          return;
        }
        idle.refresh();
        const framed = Buffer.allocUnsafe(2 + reply.bytes.length);
        framed.writeUInt16BE(reply.bytes.length, 0);
        reply.bytes.copy(framed, 2);
        sock.write(framed);
        if (++queries >= maxQueries) {
          // The answers written so far are sent, then FIN; the idle deadline ends a client that never closes.
          ending = true;
          this.limited('tcp', 'queries_per_connection');
          sock.end();
          return;
        }
      }
    };
    sock.on('data', (chunk: Buffer) => {
      if (ending) return;
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      if (!blocked) serve();
    });
  }
}
