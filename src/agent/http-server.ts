import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TlsOptions } from 'node:tls';

/** What one HTTP client may hold, and for how long, on the HTTP port. */
export interface HttpLimits {
  /** Connections at once from one client address (Consul's limits.http_max_conns_per_client); 0: no cap. */
  readonly maxConnsPerClient: number;
  /** Time to receive a request's headers, from the connection's start or the end of the last request. */
  readonly headersTimeoutMs: number;
  /** Time to receive a whole request, body included (not the answer: blocking queries wait minutes). */
  readonly requestTimeoutMs: number;
  /** An open connection with no request in progress is closed after this long. */
  readonly idleTimeoutMs: number;
}

export const HTTP_LIMIT_DEFAULTS: HttpLimits = {
  maxConnsPerClient: 200,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 30_000,
};

/**
 * The accept queue asked for on the HTTP and HTTPS ports (Linux truncates it to
 * net.core.somaxconn, 4096 by default since 5.4; Go, and so Consul, asks for somaxconn too).
 * Node's default is 511. A client flooding the port with connections that the per-client cap then
 * closes keeps the queue full: a handshake that finds it full is dropped, and the client retries it
 * 1 s later, then 3 s after its first try. So every other client's new connection stalled for seconds
 * (bench:attack, idle HTTP connections). With room for the flood, they wait their turn instead.
 */
export const LISTEN_BACKLOG = 4096;

/** Counts of what the limits refused. */
export interface HttpLimitStats {
  refusedConnections: number;
  /** Connections closed because a request's headers or body did not arrive in time (slowloris). */
  timedOutRequests: number;
}

/**
 * An HTTP server (for fastify's `serverFactory`) that no single client can exhaust: connections
 * over the per-address cap are closed at once, and a connection that sends no complete request in
 * time (slowloris) or sits idle is closed. Node checks those deadlines on an interval; it is
 * short here so an idle connection goes within about a second of its deadline, not 30 s later.
 */
export function limitedHttpServer(
  limits: HttpLimits,
  stats: HttpLimitStats,
  tls: TlsOptions | null = null,
): (handler: (req: IncomingMessage, res: ServerResponse) => void) => Server {
  return (handler) => {
    const options = {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
      keepAliveTimeout: limits.idleTimeoutMs,
    };
    // An HTTPS server is an http.Server underneath: the same limits hold for it.
    const server: Server =
      tls === null ? createServer(options, handler) : createHttpsServer({ ...options, ...tls }, handler);
    capPerClient(server, limits.maxConnsPerClient, () => stats.refusedConnections++);
    // Counted here; fastify's own clientError handler (when there is one) answers and closes. A
    // 'clientError' listener takes closing the socket over from Node, so one left open is closed.
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') stats.timedOutRequests++;
      setImmediate(() => {
        if (!socket.destroyed) socket.destroy();
      });
    });
    return server;
  };
}

/**
 * Closes, as they arrive, the connections of an address that already holds `max`. It runs in place
 * of the server's own 'connection' listeners and hands them only the connections it keeps: they
 * would set a refused connection up (an HTTP parser, a deadline entry, a TLS socket) just for it
 * to be closed, and under a flood that work is what holds everyone else's connections in the queue.
 */
export function capPerClient(server: Server, max: number, onRefused: () => void): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  const serve = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const from = socket.remoteAddress ?? '';
    const n = open.get(from) ?? 0;
    if (n >= max) {
      onRefused();
      socket.destroy();
      return;
    }
    for (const listener of serve) listener.call(server, socket);
    open.set(from, n + 1);
    socket.once('close', () => {
      const left = (open.get(from) ?? 1) - 1;
      if (left <= 0) open.delete(from);
      else open.set(from, left);
    });
  });
}
