import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { RaftNode } from '../driver.js';
import { LevelStorage } from '../storage/index.js';
import { TcpTransport } from '../transport/index.js';
import type { NodeId } from '../types.js';
import { startControlServer } from './control.js';
import { KvMachine } from './kv-machine.js';

export interface DemoNodeOptions {
  readonly id: NodeId;
  readonly dataDir: string;
  readonly bind: string;
  readonly raftPort: number;
  readonly httpPort: number;
  /** Addresses ("host:port") of the other servers' Raft ports. */
  readonly peers: ReadonlyMap<NodeId, string>;
  /** Founding voters, used only when the data directory is empty. */
  readonly bootstrap: readonly NodeId[];
  readonly logger: Logger;
  readonly snapshotEvery?: number;
  readonly keepEntries?: number;
}

export interface DemoNode {
  readonly node: RaftNode<number>;
  readonly machine: KvMachine;
  readonly raftAddress: string;
  readonly httpAddress: string;
  stop(): Promise<void>;
}

/**
 * One Raft server with the demo key/value machine: LevelDB storage, TCP
 * between servers, and the HTTP control surface. It is what `cairn agent`
 * runs until the registry server exists, and what the Raft process tests
 * and benchmark start.
 */
export async function startDemoNode(opts: DemoNodeOptions): Promise<DemoNode> {
  const machine = new KvMachine();
  const transport = new TcpTransport({ id: opts.id, host: opts.bind, port: opts.raftPort });
  const node = new RaftNode<number>({
    id: opts.id,
    storage: new LevelStorage(opts.dataDir),
    transport,
    stateMachine: machine,
    peers: opts.peers,
    bootstrap: opts.bootstrap,
    logger: opts.logger,
    ...(opts.snapshotEvery !== undefined ? { snapshotEvery: opts.snapshotEvery } : {}),
    ...(opts.keepEntries !== undefined ? { keepEntries: opts.keepEntries } : {}),
  });
  node.on('leaderChanged', (leader: NodeId | null) => opts.logger.info({ leader }, 'leader changed'));
  await node.start();
  let http: Server;
  try {
    http = await startControlServer(node, machine, opts.bind, opts.httpPort);
  } catch (e) {
    await node.stop();
    throw e;
  }
  return {
    node,
    machine,
    raftAddress: transport.address,
    httpAddress: `${opts.bind}:${opts.httpPort}`,
    async stop() {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      await node.stop();
    },
  };
}
