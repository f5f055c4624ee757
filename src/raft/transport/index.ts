export { TRANSPORT_ERROR_CODES, TransportError, type TransportErrorCode } from './errors.js';
export {
  HANDSHAKE_FAILURES,
  type HandshakeFailure,
  type HandshakeFailureEvent,
} from './handshake.js';
export { ClusterKeyError, ClusterKeyring, generateClusterKey, parseClusterKey } from './keyring.js';
export { MemoryNetwork, MemoryTransport } from './memory.js';
export { TcpTransport, type TcpTransportOptions, type TcpTransportStats } from './tcp.js';
export { TCP_DEFAULTS, type TcpLimits } from './tcp-limits.js';
export { type ClusterTls, certificateNames, chainTrusted, pemCertificates } from './tls.js';
export type { PeerAddress, RequestHandler, Transport, TransportEvents } from './types.js';
