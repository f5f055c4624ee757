export { TRANSPORT_ERROR_CODES, TransportError, type TransportErrorCode } from './errors.js';
export { MemoryNetwork, MemoryTransport } from './memory.js';
export { TcpTransport, type TcpTransportOptions } from './tcp.js';
export { TCP_DEFAULTS, type TcpLimits } from './tcp-limits.js';
export type { PeerAddress, RequestHandler, Transport, TransportEvents } from './types.js';
