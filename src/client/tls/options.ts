/**
 * The client's TLS settings (`createClient({ tls })`) and the Node tls options they come to, shared
 * by the HTTP dispatcher and the watch socket. Pure: PEM texts in, options out.
 */
import { InvalidArgumentError } from '../errors.js';

/** PEM text, as a string or the bytes of a file. */
export type Pem = string | Uint8Array;

export interface TlsOptions {
  /** The CA certificate(s) that sign the servers' certificates (default: Node's public CAs). */
  readonly ca?: Pem | readonly Pem[];
  /** This client's certificate, for servers that require one (`--tls-verify-incoming`). */
  readonly cert?: Pem;
  /** The certificate's private key. */
  readonly key?: Pem;
  /** The name the server certificate must carry (default: the host dialled). */
  readonly servername?: string;
}

/** What both `tls.connect` (through undici's `connect`) and `ws` take. */
export interface TlsConnectOptions {
  readonly ca?: string[];
  readonly cert?: string;
  readonly key?: string;
  readonly servername?: string;
}

export function tlsConnectOptions(tls: TlsOptions): TlsConnectOptions {
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    const [missing, given] = tls.cert === undefined ? ['cert', 'key'] : ['key', 'cert'];
    throw new InvalidArgumentError(
      `tls.${missing}: required with tls.${given} (a client certificate and its key go together)`,
    );
  }
  const ca =
    tls.ca === undefined
      ? undefined
      : (isPem(tls.ca) ? [tls.ca] : [...tls.ca]).map((p, i) => text(p, `tls.ca[${i}]`));
  return {
    ...(ca !== undefined ? { ca } : {}),
    ...(tls.cert !== undefined ? { cert: text(tls.cert, 'tls.cert') } : {}),
    ...(tls.key !== undefined ? { key: text(tls.key, 'tls.key') } : {}),
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
  };
}

function isPem(p: Pem | readonly Pem[]): p is Pem {
  return typeof p === 'string' || p instanceof Uint8Array;
}

function text(p: Pem, field: string): string {
  const s = typeof p === 'string' ? p : new TextDecoder().decode(p);
  if (!s.includes('-----BEGIN '))
    throw new InvalidArgumentError(`${field}: not PEM text (no "-----BEGIN" line)`);
  return s;
}
