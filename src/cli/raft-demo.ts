import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startDemoNode } from '../raft/index.js';
import { HaltedError } from './errors.js';
import type { RaftDemoConfig } from './raft-demo-args.js';

/**
 * Runs one Raft node with the demo key/value machine and its control API
 * (/raft/*) until SIGTERM or SIGINT: the consensus module on its own, for
 * its process tests and `npm run bench:raft`. Not the registry. Rejects with a HaltedError when
 * the node halted on a storage failure.
 */
export async function runRaftDemo(config: RaftDemoConfig): Promise<void> {
  const logger = pino({ level: config.logLevel, base: { node: config.node } });
  const temporary = config.dataDir === null;
  const dataDir = config.dataDir ?? mkdtempSync(join(tmpdir(), 'cairn-dev-'));
  const server = await startDemoNode({
    id: config.node,
    dataDir,
    bind: config.bind,
    raftPort: config.raftPort,
    httpPort: config.httpPort,
    peers: config.peers,
    bootstrap: config.bootstrap,
    logger,
    ...(config.snapshotEvery !== undefined ? { snapshotEvery: config.snapshotEvery } : {}),
    ...(config.trailingLogs !== undefined ? { keepEntries: config.trailingLogs } : {}),
  });
  logger.info(
    { http: server.httpAddress, raft: server.raftAddress, dataDir, dev: config.dev },
    'cairn raft-demo ready (a Raft node with a demo key/value machine, not the registry)',
  );
  let fatal: unknown = null;
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals | 'fatal') => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      server.stop().then(resolve, (e: unknown) => {
        logger.error({ err: e }, 'error while stopping');
        resolve();
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    server.node.once('fatal', (err: unknown) => {
      fatal = err;
      stop('fatal');
    });
  });
  if (temporary) rmSync(dataDir, { recursive: true, force: true });
  if (fatal !== null) throw new HaltedError(fatal);
}
