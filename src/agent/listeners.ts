import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { answerConfig, DnsServer, StateView } from '../dns/index.js';
import type { Metrics } from '../metrics/index.js';
import type { CairnServer } from '../server/index.js';
import { type AgentConfig, advertisedHttpAddress } from './config.js';
import { LISTEN_BACKLOG } from './http-server.js';

/**
 * Something an agent serves clients on (HTTP, DNS; later HTTPS, gRPC). The agent starts them in
 * order after the server and stops them around it; a new listener is one more builder here and
 * one more entry in the agent's list.
 */
export interface Listener {
  /** Its key in the "cairn agent ready" log line. */
  readonly name: string;
  /** The address it is reached at, for that line. */
  readonly address: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Stopped only after the server: requests in flight still get answers from it while it hands
   * leadership over (HTTP). Others stop taking queries before (DNS).
   */
  readonly stopsAfterServer: boolean;
}

/** The Consul-compatible HTTP API on --client:--http-port. */
export function httpListener(config: AgentConfig, app: FastifyInstance): Listener {
  return {
    name: 'http',
    address: advertisedHttpAddress(config),
    start: async () => {
      await app.listen({ host: config.client, port: config.httpPort, backlog: LISTEN_BACKLOG });
    },
    stop: () => app.close(),
    stopsAfterServer: true,
  };
}

/**
 * The same API over TLS on --client:--https-port (Consul's ports.https): a second server that hands
 * its requests, and its WebSocket upgrades, to the app's router.
 */
export function httpsListener(
  config: AgentConfig,
  app: FastifyInstance,
  makeServer: (handler: (req: IncomingMessage, res: ServerResponse) => void) => Server,
): Listener & { readonly server: Server; reloadTls(options: SecureContextOptions): void } {
  const server = makeServer((req, res) => app.routing(req, res));
  server.on('upgrade', (req, socket, head) => app.server.emit('upgrade', req, socket, head));
  const host = advertisedHttpAddress(config);
  return {
    name: 'https',
    address: `${host.slice(0, host.lastIndexOf(':'))}:${config.httpsPort}`,
    server,
    // Connections made from now on use the new certificate; open ones keep theirs.
    reloadTls: (options) => (server as HttpsServer).setSecureContext(options),
    start: async () => {
      await app.ready();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: config.client, port: config.httpsPort, backlog: LISTEN_BACKLOG }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    stopsAfterServer: true,
  };
}

/** DNS next to HTTP, on --client:--dns-port. */
export function dnsListener(
  config: AgentConfig,
  server: CairnServer,
  metrics: Metrics,
  logger: Logger,
): Listener {
  const dns = new DnsServer({
    host: config.client,
    port: config.dnsPort,
    view: new StateView(server.view, { self: { name: config.node, address: config.bind } }),
    config: answerConfig(
      {
        domain: config.domain,
        ttl: config.dnsTtl,
        serviceTtl: config.dnsServiceTtl,
        answerLimit: config.dnsAnswerLimit,
        onlyPassing: config.dnsOnlyPassing,
        udpAnswerLimit: config.dnsUdpAnswerLimit,
      },
      config.datacenter,
      config.protectionThreshold,
    ),
    logger: logger.child({ module: 'dns' }),
    metrics,
    rateLimit: config.dnsRateLimit,
    tcpIdleMs: config.dnsTcpIdleMs,
    maxTcpConnections: config.dnsTcpMaxConnections,
    maxTcpConnectionsPerSource: config.dnsTcpMaxConnectionsPerSource,
  });
  return {
    name: 'dns',
    address: `${config.client}:${config.dnsPort}`,
    start: () => dns.start(),
    stop: () => dns.stop(),
    stopsAfterServer: false,
  };
}
