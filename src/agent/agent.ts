import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildHttpApp } from '../http/index.js';
import type { Metrics } from '../metrics/index.js';
import { LevelStorage } from '../raft/index.js';
import type { CairnServer } from '../server/index.js';
import type { AgentConfig } from './config.js';
import { type DataDir, dataDir } from './data-dir.js';
import { HTTP_LIMIT_DEFAULTS, type HttpLimitStats, limitedHttpServer } from './http-server.js';
import { dnsListener, httpListener, httpsListener, type Listener } from './listeners.js';
import { agentServer } from './server.js';
import { loadAgentTls } from './tls.js';
import { clusterKeyring, clusterTransport } from './transport.js';

/** A running agent: its server and the listeners clients reach it on. */
export interface Agent {
  readonly server: CairnServer;
  readonly app: FastifyInstance;
  readonly listeners: readonly Listener[];
  readonly dataDir: string;
  /** Settles with the error once the server stops itself (a failed disk, a command it cannot apply). */
  readonly fatal: Promise<unknown>;
  /**
   * Applies what may change while running (the cluster keys, the TLS certificates) from a
   * configuration read again; rejects, changing no certificate, when a file is wrong.
   */
  reload(next: AgentConfig): Promise<void>;
  /** Stops the listeners and the server, then removes a temporary data directory. */
  stop(): Promise<void>;
}

/**
 * Wires one cairn server for production: LevelDB storage in the data directory, the TCP cluster
 * transport, the HTTP API with its metrics, and DNS. Resolves once every listener is bound; if
 * one cannot be, everything started is stopped again and the error is thrown.
 */
export async function startAgent(config: AgentConfig, logger: Logger): Promise<Agent> {
  if (config.encrypt.length === 0 && !config.dev) {
    logger.warn(
      { bind: config.bind, serverPort: config.serverPort },
      'no cluster key: anyone who can reach the server port can act as a server; start every server with --encrypt KEY (cairn keygen prints one)',
    );
  }
  for (const w of config.configWarnings ?? []) logger.warn(w);
  // Files first: a wrong one is a one-line error naming it, before anything is started.
  const tls = await loadAgentTls(config);
  const dir = dataDir(config.dataDir);
  const httpStats: HttpLimitStats = { refusedConnections: 0, timedOutRequests: 0 };
  // Metrics exist once the HTTP app does; failures before that are only logged.
  let metrics: Metrics | null = null;
  const transport = clusterTransport(config, tls.cluster, logger, (e) => metrics?.clusterHandshakeFailure(e));
  const server = agentServer(config, {
    storage: new LevelStorage(dir.path),
    transport,
    logger,
  });
  // Listening from the start: the log replayed at start may already hold what stops the server.
  const fatal = new Promise<unknown>((resolve) => server.once('fatal', resolve));
  try {
    await server.start();
  } catch (e) {
    dir.release();
    throw e;
  }
  const httpLimits = { ...HTTP_LIMIT_DEFAULTS, maxConnsPerClient: config.httpMaxConnsPerClient };
  const { app, ctx } = buildHttpApp({
    server,
    datacenter: config.datacenter,
    kvHistory: config.kvHistory,
    kvMaxValueBytes: config.kvMaxValueBytes,
    logger,
    protectionThreshold: config.protectionThreshold,
    serverFactory: limitedHttpServer(httpLimits, httpStats),
    kvMaxKeys: config.kvMaxKeys,
    catalogMaxInstances: config.catalogMaxInstances,
    trustedProxies: config.httpTrustedProxies ?? [],
    dataDir: dir.path,
    limits: {
      maxBlockingPerClient: config.httpMaxBlockingPerClient,
      maxWatchConnectionsPerClient: config.watchMaxConnectionsPerClient,
      maxWatchSubscriptionsPerClient: config.watchMaxSubscriptionsPerClient,
    },
  });
  metrics = ctx.metrics;
  ctx.metrics.trackClusterConnections(() => transport.stats);
  ctx.metrics.trackHttpConnections(() => httpStats);
  const https =
    config.httpsPort !== -1 && tls.https !== null
      ? httpsListener(config, app, limitedHttpServer(httpLimits, httpStats, tls.https))
      : null;
  const listeners: Listener[] = [
    ...(config.httpPort !== -1 ? [httpListener(config, app)] : []),
    ...(https !== null ? [https] : []),
    dnsListener(config, server, ctx.metrics, logger),
  ];
  let started = 0;
  try {
    for (const l of listeners) {
      started++;
      await l.start();
    }
  } catch (e) {
    await stopAll(server, listeners.slice(0, started), dir);
    throw e;
  }
  logger.info(
    {
      ...Object.fromEntries(listeners.map((l) => [l.name, l.address])),
      server: server.serverAddress,
      dataDir: dir.path,
      dev: config.dev,
      datacenter: config.datacenter,
    },
    'cairn agent ready',
  );
  let stopping: Promise<void> | null = null;
  return {
    server,
    app,
    listeners,
    dataDir: dir.path,
    fatal,
    reload: async (next) => {
      transport.setKeyring(clusterKeyring(next));
      // New certificates: read and checked first, so a bad file leaves the running ones in force.
      const fresh = await loadAgentTls(next);
      transport.setTls(fresh.cluster);
      if (https !== null && fresh.https !== null) https.reloadTls(fresh.https);
    },
    stop: () => {
      stopping ??= stopAll(server, listeners, dir);
      return stopping;
    },
  };
}

async function stopAll(server: CairnServer, listeners: readonly Listener[], dir: DataDir): Promise<void> {
  try {
    for (const l of [...listeners].reverse()) if (!l.stopsAfterServer) await l.stop();
    await server.stop();
    for (const l of [...listeners].reverse()) if (l.stopsAfterServer) await l.stop();
  } finally {
    dir.release();
  }
}
