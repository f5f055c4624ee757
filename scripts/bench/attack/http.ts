import { holdConnections } from './sockets.js';
import type { Attack } from './types.js';

const HTTP_METRICS = ['cairn_http_connections_refused_total'];

/** Connections to the HTTP port that never send a byte, all from one address. */
export function idleHttp(connections: number): Attack {
  return {
    name: 'idle_http_connections',
    metrics: HTTP_METRICS,
    run: (ctx) =>
      holdConnections(
        ctx.target.httpPort,
        ctx.sources.slice(0, 1),
        connections,
        ctx.until,
        50,
        () => undefined,
        ctx.interrupted,
      ),
  };
}

/** Slowloris: a request line, then one more header line a second, never the blank line that ends them. */
export function slowloris(connections: number): Attack {
  return {
    name: 'slowloris_http',
    metrics: HTTP_METRICS,
    run: (ctx) =>
      holdConnections(
        ctx.target.httpPort,
        ctx.sources.slice(1, 2),
        connections,
        ctx.until,
        50,
        (s) => {
          s.write('GET /v1/kv/bench/probe HTTP/1.1\r\nHost: cairn\r\n');
          let n = 0;
          const t = setInterval(() => s.write(`X-Slow-${n++}: ${'a'.repeat(8)}\r\n`), 1_000);
          return () => clearInterval(t);
        },
        ctx.interrupted,
      ),
  };
}
