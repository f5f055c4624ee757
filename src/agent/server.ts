import type { Logger } from 'pino';
import type { RaftStorage, Transport } from '../raft/index.js';
import { CairnServer } from '../server/index.js';
import { type AgentConfig, announcedApiAddresses } from './config.js';

/** The agent's server, on the storage and transport given (LevelDB and TCP in the agent). */
export function agentServer(
  config: AgentConfig,
  parts: { readonly storage: RaftStorage; readonly transport: Transport; readonly logger: Logger },
): CairnServer {
  return new CairnServer({
    node: config.node,
    datacenter: config.datacenter,
    storage: parts.storage,
    transport: parts.transport,
    bind: config.bind,
    ...(config.advertise !== null ? { advertise: config.advertise } : {}),
    httpAddress: announcedApiAddresses(config).http,
    httpsAddress: announcedApiAddresses(config).https,
    dev: config.dev,
    bootstrapExpect: config.bootstrapExpect,
    join: config.join,
    logger: parts.logger,
    selfPreservationShare: config.selfPreservationShare,
    selfPreservationMinChecks: config.selfPreservationMinChecks,
    ...(config.snapshotEvery !== undefined ? { snapshotEvery: config.snapshotEvery } : {}),
    ...(config.trailingLogs !== undefined ? { trailingLogs: config.trailingLogs } : {}),
    kvTombstoneTtlMs: config.kvTombstoneTtlMs,
  });
}
