import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import type { Logger } from 'pino';
import { BalancerState } from '../balance/index.js';
import type { AnswerConfig, AnswerContext } from './answer.js';
import { handleQuery, PreparedCache, type Reply, type Transport } from './message.js';
import type { DnsView } from './view.js';

/** Where the server reports each query (src/metrics implements it). */
export interface DnsQueryObserver {
  dnsQuery(transport: Transport, type: string, rcode: string, truncated: boolean, seconds: number): void;
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
  readonly now?: () => number;
  /** A TCP connection with nothing to read for this long is closed (RFC 7766 suggests seconds). */
  readonly tcpIdleMs?: number;
  readonly maxTcpConnections?: number;
}

/** A TCP client that does not read its answers is cut off past this much unsent output. */
const MAX_TCP_BACKLOG = 1024 * 1024;

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
  private failures = 0;

  constructor(private readonly opts: DnsServerOptions) {
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
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
      reply = servfail(msg);
    }
    const seconds = (performance.now() - started) / 1000;
    this.opts.metrics?.dnsQuery(
      transport,
      reply?.qtype ?? 'NONE',
      reply?.rcode ?? 'DROPPED',
      reply?.truncated ?? false,
      seconds,
    );
    return reply;
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
      server.maxConnections = this.opts.maxTcpConnections ?? 1024;
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (e) => this.opts.logger?.warn({ err: e }, 'DNS TCP server error'));
        resolve(server);
      });
    });
  }

  /** RFC 7766: two-byte length before each message; queries may be pipelined on one connection. */
  private serveTcp(sock: TcpSocket): void {
    this.connections.add(sock);
    let pending: Buffer = Buffer.alloc(0);
    sock.setTimeout(this.opts.tcpIdleMs ?? 10_000, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.connections.delete(sock));
    sock.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        const reply = this.answer(msg, 'tcp', sock.remoteAddress ?? '');
        if (reply === null) {
          // Not a query at all: the stream cannot be trusted any further.
          sock.destroy();
          return;
        }
        const framed = Buffer.allocUnsafe(2 + reply.bytes.length);
        framed.writeUInt16BE(reply.bytes.length, 0);
        reply.bytes.copy(framed, 2);
        sock.write(framed);
        if (sock.writableLength > MAX_TCP_BACKLOG) {
          sock.destroy();
          return;
        }
      }
    });
  }
}

/** SERVFAIL for a message whose answer failed unexpectedly (null if it is no query at all). */
function servfail(msg: Buffer): Reply | null {
  if (msg.length < 12 || msg[2]! & 0x80) return null;
  const out = Buffer.alloc(12);
  out.writeUInt16BE(msg.readUInt16BE(0), 0);
  out.writeUInt16BE(0x8000 | (msg.readUInt16BE(2) & 0x7900) | 2, 2);
  return { bytes: out, rcode: 'SERVFAIL', qtype: 'NONE', truncated: false };
}
