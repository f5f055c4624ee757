/**
 * The HTTP side of the client commands: a fetch and WebSocket options that carry the TLS files
 * of an https target (the CA, a client certificate), read and checked once at startup.
 */
import type { TLSSocket } from 'node:tls';
import { UsageError } from './errors.js';
import type { HttpTarget, TlsPaths } from './http-target.js';

/** The part of fetch the commands use. */
export type CliFetch = (
  url: string,
  init: {
    readonly method?: string;
    readonly headers?: Record<string, string>;
    readonly body?: Uint8Array;
    readonly signal?: AbortSignal;
  },
) => Promise<Response>;

/** What `ws` and `tls.connect` take. */
export interface TlsSocketOptions {
  readonly ca?: string[];
  readonly cert?: string;
  readonly key?: string;
}

/** TLS errors seen by the connections of a fetch. */
export interface TlsErrors {
  /**
   * The TLS error a connection raised since `since()` was taken, or null. Under TLS 1.3 a server
   * refusing the client's certificate answers with an alert after the client's handshake is done,
   * and fetch then says only "other side closed"; this keeps the alert.
   */
  tlsErrorSince(mark: number): Error | null;
  since(): number;
}

export interface HttpSide extends TlsErrors {
  readonly fetch: CliFetch;
  /** For `new WebSocket(url, {...})`. */
  readonly tls: TlsSocketOptions;
}

/** Plain fetch for http targets; for https, undici with the target's TLS files. */
export async function httpSide(where: string, target: HttpTarget): Promise<HttpSide> {
  if (target.tls === null) {
    return { fetch: globalThis.fetch, tls: {}, tlsErrorSince: () => null, since: () => 0 };
  }
  const tls = await loadFiles(where, target.tls);
  // Loaded for https targets only: a plain http command starts without undici and the SDK.
  const [{ Agent, buildConnector, fetch: undiciFetch }, { isTlsError }] = await Promise.all([
    import('undici'),
    import('../client/index.js'),
  ]);
  let seq = 0;
  let last: { seq: number; error: Error } | null = null;
  const base = buildConnector({ ...tls, timeout: 10_000 });
  const dispatcher = new Agent({
    connect: (options, callback) =>
      base(options, (...args) => {
        const socket = args[1] as TLSSocket | null | undefined;
        socket?.on('error', (e: Error) => {
          if (isTlsError(e)) last = { seq: ++seq, error: e };
        });
        callback(...args);
      }),
  });
  const fetch: CliFetch = async (url, init) => undiciFetch(url, { ...init, dispatcher });
  return {
    fetch,
    tls,
    since: () => seq,
    tlsErrorSince: (mark) => (last !== null && last.seq > mark ? last.error : null),
  };
}

/** Reads and checks the files; a missing or wrong one is a usage error naming its flag (or variable) and path. */
async function loadFiles(where: string, paths: TlsPaths): Promise<TlsSocketOptions> {
  // Loaded here only: src/tls brings the certificate generator along, which http commands do not need.
  const { loadTlsFiles, TlsFileError } = await import('../tls/index.js');
  try {
    const m = await loadTlsFiles({
      caFile: paths.caFile?.path,
      certFile: paths.certFile?.path,
      keyFile: paths.keyFile?.path,
    });
    return {
      ...(m.ca ? { ca: [...m.ca] } : {}),
      ...(m.cert !== undefined ? { cert: m.cert } : {}),
      ...(m.key !== undefined ? { key: m.key } : {}),
    };
  } catch (e) {
    if (!(e instanceof TlsFileError)) throw e;
    const from = [paths.caFile, paths.certFile, paths.keyFile].find((f) => f?.path === e.file)?.from;
    throw new UsageError(`${where}: ${from ? `${from}: ` : ''}${e.message}`);
  }
}

/** OpenSSL's long message ("8090...:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert ...:../deps/...") cut to its reason. */
export function shortTlsMessage(message: string): string {
  return (/SSL routines:[^:]*:([^:]+)/.exec(message)?.[1] ?? message).replace(/\s+/g, ' ').trim();
}
