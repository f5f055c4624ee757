/**
 * Why a transport request failed. `TRANSPORT_REMOTE` means the peer's handler threw
 * (the message is the handler's); every other code is a transport failure,
 * after which the request may or may not have reached the peer.
 */
export const TRANSPORT_ERROR_CODES = [
  'TRANSPORT_UNKNOWN_PEER',
  'TRANSPORT_UNREACHABLE',
  'TRANSPORT_OVERLOADED',
  'TRANSPORT_TIMEOUT',
  'TRANSPORT_CONNECTION_LOST',
  'TRANSPORT_CLOSED',
  'TRANSPORT_REMOTE',
] as const;
export type TransportErrorCode = (typeof TRANSPORT_ERROR_CODES)[number];

export class TransportError extends Error {
  override readonly name = 'TransportError';

  constructor(
    readonly code: TransportErrorCode,
    message: string,
  ) {
    super(message);
  }
}
