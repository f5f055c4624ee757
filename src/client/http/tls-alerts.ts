import type { TLSSocket } from 'node:tls';
import type { buildConnector } from 'undici';
import { isTlsError } from './classify.js';

type Connector = buildConnector.connector;

/**
 * Remembers the TLS errors the sockets to each server raised. Under TLS 1.3 a server that refuses
 * the client's certificate (or its lack of one) says so with an alert after the client thinks the
 * handshake is done; undici then reports only "other side closed". An attempt that failed so is
 * told, by the error recorded since it began, what really happened.
 */
export class TlsAlerts {
  readonly #last = new Map<string, { readonly seq: number; readonly error: Error }>();
  #seq = 0;

  /** The sequence number now: errors recorded after it are newer than an attempt starting now. */
  get seq(): number {
    return this.#seq;
  }

  /** `base`, with the sockets it makes watched for TLS errors. */
  wrap(base: Connector): Connector {
    return (options, callback) =>
      base(options, (...args) => {
        const socket = args[1];
        // On failure undici passes the error alone (no second argument, despite its types).
        if (socket) {
          const key = originKey(options.hostname, options.port, options.protocol);
          (socket as TLSSocket).on('error', (e: Error) => {
            if (isTlsError(e)) this.#last.set(key, { seq: ++this.#seq, error: e });
          });
        }
        callback(...args);
      });
  }

  /** The TLS error a socket to `url` raised after `seq`, or null. */
  since(url: string, seq: number): Error | null {
    const u = new URL(url);
    const rec = this.#last.get(originKey(u.hostname, u.port, u.protocol));
    return rec !== undefined && rec.seq > seq ? rec.error : null;
  }
}

function originKey(hostname: string, port: string, protocol: string): string {
  return `${protocol}//${hostname}:${port || (protocol === 'https:' ? '443' : '80')}`;
}
