import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { answerConfig, DnsServer, StateView } from '../dns/index.js';
import { buildHttpApp } from '../http/index.js';
import { CairnServer } from '../server/index.js';
import { type AgentConfig, advertisedHttpAddress } from './agent-args.js';

/**
 * Runs one cairn server (Raft, state, HTTP API) until SIGTERM or SIGINT. Rejects, after a clean
 * shutdown, when the server stopped itself (a failed disk, a command it cannot apply), so the
 * process exits non-zero.
 */
export async function runAgent(config: AgentConfig): Promise<void> {
  const logger = pino({ level: config.logLevel, base: { node: config.node } });
  const temporary = config.dataDir === null;
  const dataDir = config.dataDir ?? mkdtempSync(join(tmpdir(), 'cairn-dev-'));
  const httpAddress = advertisedHttpAddress(config);
  const server = new CairnServer({
    node: config.node,
    datacenter: config.datacenter,
    dataDir,
    bind: config.bind,
    serverPort: config.serverPort,
    ...(config.advertise !== null ? { advertise: config.advertise } : {}),
    httpAddress,
    dev: config.dev,
    bootstrapExpect: config.bootstrapExpect,
    join: config.join,
    logger,
    selfPreservationShare: config.selfPreservationShare,
    selfPreservationMinChecks: config.selfPreservationMinChecks,
    ...(config.snapshotEvery !== undefined ? { snapshotEvery: config.snapshotEvery } : {}),
    ...(config.trailingLogs !== undefined ? { trailingLogs: config.trailingLogs } : {}),
    kvTombstoneTtlMs: config.kvTombstoneTtlMs,
  });
  // Listening from the start: the log replayed at start may already hold what stops the server.
  let fatal: unknown = null;
  let onFatal = () => {};
  server.once('fatal', (err: unknown) => {
    fatal = err;
    onFatal();
  });
  await server.start();
  const { app, ctx } = buildHttpApp({
    server,
    datacenter: config.datacenter,
    kvHistory: config.kvHistory,
    kvMaxValueBytes: config.kvMaxValueBytes,
    logger,
    protectionThreshold: config.protectionThreshold,
  });
  // ---- DNS (src/dns): next to HTTP, on the client address ----
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
      },
      config.datacenter,
      config.protectionThreshold,
    ),
    logger: logger.child({ module: 'dns' }),
    metrics: ctx.metrics,
  });
  try {
    await app.listen({ host: config.client, port: config.httpPort });
    await dns.start();
  } catch (e) {
    await server.stop();
    await app.close();
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  logger.info(
    {
      http: httpAddress,
      dns: `${config.client}:${config.dnsPort}`,
      server: server.serverAddress,
      dataDir,
      dev: config.dev,
      datacenter: config.datacenter,
    },
    'cairn agent ready',
  );
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      (async () => {
        await dns.stop();
        await server.stop();
        await app.close();
      })().then(resolve, (e: unknown) => {
        logger.error({ err: e }, 'error while stopping');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    onFatal = () => stop('fatal');
    if (fatal !== null) stop('fatal');
  });
  if (temporary) rmSync(dataDir, { recursive: true, force: true });
  if (fatal !== null)
    throw new Error(`server stopped: ${fatal instanceof Error ? fatal.message : String(fatal)}`);
}
