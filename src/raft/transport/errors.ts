/**
 * Why a transport request failed. `remote` means the peer's handler threw
 * (the message is the handler's); every other code is a transport failure,
 * after which the request may or may not have reached the peer.
 */
export type TransportErrorCode =
  | 'unknownPeer'
  | 'unreachable'
  | 'overloaded'
  | 'timeout'
  | 'connectionLost'
  | 'closed'
  | 'remote';

export class TransportError extends Error {
  override readonly name = 'TransportError';

  constructor(
    readonly code: TransportErrorCode,
    message: string,
  ) {
    super(message);
  }
}
