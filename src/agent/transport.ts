import { TcpTransport } from '../raft/index.js';
import type { AgentConfig } from './config.js';

/**
 * The cluster transport of an agent: the one place a TcpTransport is built, so options for it
 * (limits, a cluster key) are added here and reach every server.
 */
export function clusterTransport(config: Pick<AgentConfig, 'node' | 'bind' | 'serverPort'>): TcpTransport {
  return new TcpTransport({ id: config.node, host: config.bind, port: config.serverPort });
}
