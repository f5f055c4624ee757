import type { Logger } from 'pino';
import { ClusterKeyring, type ClusterTls, type HandshakeFailureEvent, TcpTransport } from '../raft/index.js';
import type { AgentConfig } from './config.js';
import { handshakeFailureLogger } from './handshake-log.js';

/** The cluster keys of a configuration, or null when it has none. */
export function clusterKeyring(config: Pick<AgentConfig, 'encrypt'>): ClusterKeyring | null {
  return config.encrypt.length === 0 ? null : ClusterKeyring.fromBase64(config.encrypt);
}

/**
 * The cluster transport of an agent: the one place a TcpTransport is built, so options for it
 * (limits, the cluster key, TLS) are added here and reach every server. Each connection dropped
 * in the handshake is logged (throttled) and passed to `onHandshakeFailure` (the metrics).
 */
export function clusterTransport(
  config: Pick<AgentConfig, 'node' | 'bind' | 'serverPort' | 'encrypt'>,
  tls: ClusterTls | null,
  logger: Logger,
  onHandshakeFailure: (e: HandshakeFailureEvent) => void,
): TcpTransport {
  const log = handshakeFailureLogger(logger.child({ module: 'cluster' }));
  return new TcpTransport({
    id: config.node,
    host: config.bind,
    port: config.serverPort,
    keyring: clusterKeyring(config),
    tls,
    onHandshakeFailure: (e) => {
      log(e);
      onHandshakeFailure(e);
    },
  });
}
