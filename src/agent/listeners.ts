import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { answerConfig, DnsServer, StateView } from '../dns/index.js';
import type { Metrics } from '../metrics/index.js';
import type { CairnServer } from '../server/index.js';
import { type AgentConfig, advertisedHttpAddress } from './config.js';

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
      await app.listen({ host: config.client, port: config.httpPort });
    },
    stop: () => app.close(),
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
    view: new StateView(server.state, { self: { name: config.node, address: config.bind } }),
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
