import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerFactory,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import { BalancerState } from '../balance/index.js';
import { httpStatus } from '../errors/index.js';
import { Metrics } from '../metrics/index.js';
import type { CairnServer } from '../server/index.js';
import type { NodeSpec } from '../state/index.js';
import { Reads } from './blocking.js';
import type { HttpContext } from './context.js';
import { answerFor } from './errors.js';
import { FILTER_LIMITS } from './filter/index.js';
import { type ClientLimitOptions, ClientLimits } from './limits/index.js';
import { methodNotAllowed } from './methods.js';
import { addRequestHook } from './request-info.js';
import { ROUTE_TABLE, recordRoutes, registerRoutes } from './routes/index.js';
import { TrustedProxies } from './source-address.js';

export interface HttpOptions {
  readonly server: CairnServer;
  readonly datacenter: string;
  readonly logger: Logger;
  readonly bodyLimit?: number;
  readonly protectionThreshold?: number;
  /** Versions kept per KV key (default 20). */
  readonly kvHistory?: number;
  /** Largest KV value (default 512 KiB); larger is a 413. */
  readonly kvMaxValueBytes?: number;
  /** Most KV keys stored (0 or absent: no limit); a write past it is refused (403). */
  readonly kvMaxKeys?: number;
  /** Most service instances in the catalog (0 or absent: no limit). */
  readonly catalogMaxInstances?: number;
  /** Proxies whose X-Forwarded-For is believed (see source-address.ts); none by default. */
  readonly trustedProxies?: readonly string[];
  /** Builds the HTTP server (the agent's, with its connection limits); fastify's default otherwise. */
  readonly serverFactory?: FastifyServerFactory;
  /** Per-client caps (blocking queries, watch sockets and subscriptions); absent ones take their defaults. */
  readonly limits?: Partial<ClientLimitOptions>;
  /** The server's data directory, whose disk `/v1/agent/host` describes (absent in tests). */
  readonly dataDir?: string;
}

/** Builds the Consul-compatible HTTP API of one server (not yet listening). */
export function buildHttpApp(opts: HttpOptions): { app: FastifyInstance; ctx: HttpContext } {
  // Large enough for the largest KV value (raw) or a transaction of base64 values.
  const bodyLimit =
    opts.bodyLimit ?? Math.max(1024 * 1024, Math.ceil((opts.kvMaxValueBytes ?? 512 * 1024) * 1.4) + 65_536);
  const app: FastifyInstance = Fastify({
    // pino's Logger and fastify's logger type differ only in generics.
    loggerInstance: opts.logger.child({ module: 'http' }) as unknown as FastifyBaseLogger,
    // Per-request log lines at thousands of lookups a second would drown everything else.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    // KV keys and join addresses may contain anything; Consul decodes the path itself.
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 2048 },
    ...(opts.serverFactory !== undefined ? { serverFactory: opts.serverFactory } : {}),
  });
  const self: NodeSpec = opts.server.selfNode;
  const limits = new ClientLimits(opts.limits);
  const ctx: HttpContext = {
    server: opts.server,
    reads: new Reads(opts.server, limits),
    balancer: new BalancerState(),
    metrics: new Metrics(opts.server),
    datacenter: opts.datacenter,
    self,
    bodyLimit,
    protectionThreshold: opts.protectionThreshold ?? 0,
    kvHistory: opts.kvHistory ?? 20,
    kvMaxValueBytes: opts.kvMaxValueBytes ?? 512 * 1024,
    kvMaxKeys: opts.kvMaxKeys ?? 0,
    catalogMaxInstances: opts.catalogMaxInstances ?? 0,
    trustedProxies: TrustedProxies.parse(opts.trustedProxies ?? []),
    limits,
    dataDir: opts.dataDir ?? null,
  };
  ctx.metrics.trackClientLimits(limits);
  ctx.metrics.knowFilterReasons(FILTER_LIMITS);

  // Consul decodes bodies whatever their content type, and some are raw bytes (KV): take all as a Buffer.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    ctx.metrics.httpRequests.inc({ route, method: req.method, status: String(reply.statusCode) });
    ctx.metrics.httpDuration.observe({ route, method: req.method }, reply.elapsedTime / 1000);
  });

  app.addHook('onSend', async (req, reply, payload) => {
    if (
      req.query &&
      (req.query as Record<string, unknown>).pretty !== undefined &&
      typeof payload === 'string'
    ) {
      const type = String(reply.getHeader('content-type') ?? '');
      if (type.startsWith('application/json')) return `${JSON.stringify(JSON.parse(payload), null, 4)}\n`;
    }
    return payload;
  });

  app.setErrorHandler((err, req, reply) => {
    const answer = answerFor(err, bodyLimit);
    if (answer.code === 'HTTP_INTERNAL') req.log.error({ err }, 'request failed');
    reply.code(answer.status).type('text/plain; charset=utf-8').send(answer.text);
  });

  app.setNotFoundHandler((req, reply) => {
    // With the query headers: Consul clients read X-Consul-Index on every 404 (python-consul
    // fails with a KeyError without it), so an endpoint cairn lacks fails cleanly in them.
    if (req.url.startsWith('/v1/')) ctx.reads.headers(reply, ctx.server.status().applied, 'default');
    reply
      .code(httpStatus('HTTP_UNKNOWN_ENDPOINT'))
      .type('text/plain; charset=utf-8')
      .send(
        req.url.startsWith('/v1/')
          ? 'Invalid URL path: not a recognized HTTP API endpoint'
          : `Not found: ${req.method} ${req.url.split('?')[0]}`,
      );
  });

  // Held blocking queries answer at once on close instead of holding the shutdown for minutes.
  app.addHook('preClose', async () => ctx.reads.close());
  recordRoutes(app);
  addRequestHook(app);
  const addMethodAnswers = methodNotAllowed(app, ['/v1/']);
  registerRoutes(app, ctx, ROUTE_TABLE);
  // Last, so that it sees the routes plugins add too (they load in order).
  app.register(async (scope) => addMethodAnswers(scope));
  return { app, ctx };
}
