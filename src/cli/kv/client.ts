/**
 * Consul's KV API (plus cairn's history and rollback) over fetch. Every
 * request has a timeout; no answer becomes a ConnectionError (exit 2), an
 * unexpected status a ServerError (exit 1). 404s are returned to the caller,
 * which knows what was not found.
 */
import { type CliFetch, shortTlsMessage, type TlsErrors } from '../https.js';
import type { Connection } from './args.js';
import { ConnectionError, oneLine, ServerError } from './errors.js';

/** Consul's KVPair as JSON. */
export interface KvPair {
  readonly Key: string;
  /** base64, or null for an empty value. */
  readonly Value: string | null;
  readonly Flags: number;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
  readonly LockIndex: number;
  readonly Session?: string;
}

/** One entry of `?history`. */
export interface KvVersion {
  readonly Key: string;
  readonly ModifyIndex: number;
  readonly Op: 'set' | 'delete';
  readonly Flags: number;
  readonly Value: string | null;
  readonly Session?: string;
  /** ISO 8601. */
  readonly Time: string;
  readonly Author: string;
}

/** A blocking read's answer: the entries (none on a 404) and X-Consul-Index. */
export interface Watched {
  readonly found: boolean;
  readonly index: number;
  readonly pairs: readonly KvPair[];
}

type QueryValue = string | number | true | null | undefined;

interface Reply {
  readonly status: number;
  readonly index: number | null;
  readonly body: Uint8Array;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

export interface ClientOptions {
  /** Sent with writes as X-Cairn-Author. */
  readonly author?: string | null;
  readonly timeoutMs?: number;
  readonly fetch?: CliFetch;
  /** Where a refused TLS handshake is told (fetch itself may say only "other side closed"). */
  readonly tlsErrors?: TlsErrors;
}

export class KvClient {
  private readonly fetch: CliFetch;

  constructor(
    readonly conn: Connection,
    private readonly opts: ClientOptions = {},
  ) {
    this.fetch = opts.fetch ?? globalThis.fetch;
  }

  /** The entry, or null if the key does not exist. */
  async get(key: string): Promise<KvPair | null> {
    const r = await this.send('GET', key, {});
    if (r.status === 404) return null;
    const pairs = this.pairs(this.ok(r));
    return pairs[0] ?? null;
  }

  /** Keys under `prefix` (folded at `separator`), or null for a non-empty prefix with none. */
  async keys(prefix: string, separator: string): Promise<string[] | null> {
    const r = await this.send('GET', prefix, { keys: true, separator: separator === '' ? null : separator });
    if (r.status === 404) return null;
    const json = this.ok(r);
    if (!Array.isArray(json) || !json.every((k) => typeof k === 'string'))
      throw this.unexpected('a key list');
    return json;
  }

  /** Whether the write was made (false: a CAS did not match). */
  async put(
    key: string,
    value: Uint8Array,
    o: { readonly cas: number | null; readonly flags: number | null },
  ): Promise<boolean> {
    return this.bool(await this.send('PUT', key, { cas: o.cas, flags: o.flags }, { body: value }));
  }

  async delete(key: string, o: { readonly recurse: boolean; readonly cas: number | null }): Promise<boolean> {
    return this.bool(await this.send('DELETE', key, { recurse: o.recurse || null, cas: o.cas }));
  }

  /** Newest first; empty if the key never had a version (or all were trimmed). */
  async history(key: string): Promise<KvVersion[]> {
    const json = this.ok(await this.send('GET', key, { history: true }));
    if (!Array.isArray(json) || !json.every(isVersion)) throw this.unexpected('a history');
    return json;
  }

  /** Whether the key was set back to that version's value; null when there is no such version. */
  async rollback(key: string, index: number, cas: number | null): Promise<boolean | null> {
    const r = await this.send('PUT', key, { rollback: index, cas });
    return r.status === 404 ? null : this.bool(r);
  }

  /** A blocking read of a key (or of a prefix, recursively) that answers once its index passes `index`. */
  async watch(
    key: string,
    o: { readonly recurse: boolean; readonly index: number; readonly waitMs: number },
    signal?: AbortSignal,
  ): Promise<Watched> {
    const wait = `${Math.ceil(o.waitMs / 1000)}s`;
    const query = { recurse: o.recurse || null, index: o.index > 0 ? o.index : null, wait };
    // The server may hold the request for the wait plus up to wait/16 of jitter.
    const timeoutMs = o.waitMs + o.waitMs / 16 + (this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const r = await this.send('GET', key, query, { signal, timeoutMs });
    const pairs = r.status === 404 ? [] : this.pairs(this.ok(r));
    if (r.index === null) throw this.unexpected('an X-Consul-Index header');
    return { found: r.status !== 404, index: r.index, pairs };
  }

  /** The URL of a key: the whole key percent-encoded, so "/", "?", "#", "%" and ".." travel as they are. */
  url(key: string, query: Record<string, QueryValue>): string {
    const q = Object.entries(query)
      .filter((e): e is [string, string | number | true] => e[1] !== null && e[1] !== undefined)
      .map(([k, v]) => (v === true ? k : `${k}=${encodeURIComponent(String(v))}`));
    return `${this.conn.baseUrl}/v1/kv/${encodeURIComponent(key)}${q.length > 0 ? `?${q.join('&')}` : ''}`;
  }

  private async send(
    method: 'GET' | 'PUT' | 'DELETE',
    key: string,
    query: Record<string, QueryValue>,
    init: { readonly body?: Uint8Array; readonly signal?: AbortSignal; readonly timeoutMs?: number } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (this.conn.token !== null) headers['X-Consul-Token'] = this.conn.token;
    const author = this.opts.author ?? null;
    if (method !== 'GET' && author !== null) headers['X-Cairn-Author'] = author;
    if (init.body !== undefined) headers['Content-Type'] = 'application/octet-stream';
    const timeoutMs = init.timeoutMs ?? this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const mark = this.opts.tlsErrors?.since() ?? 0;
    try {
      const res = await this.fetch(this.url(key, query), {
        method,
        headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        signal,
      });
      const body = new Uint8Array(await res.arrayBuffer());
      const rawIndex = res.headers.get('x-consul-index');
      const index = rawIndex !== null && /^\d+$/.test(rawIndex) ? Number(rawIndex) : null;
      return { status: res.status, index, body };
    } catch (e) {
      // The caller's own signal (watch stopping): not a connection problem.
      if (init.signal?.aborted) throw e;
      if (timeout.aborted) {
        throw new ConnectionError(`cannot reach ${this.conn.addr}: no answer within ${seconds(timeoutMs)}`);
      }
      const tls = this.opts.tlsErrors?.tlsErrorSince(mark) ?? null;
      // Loaded only on a failure, to say whether it was TLS: a command that works never loads the SDK.
      const { isTlsError } = await import('../../client/index.js');
      throw new ConnectionError(`cannot reach ${this.conn.addr}: ${reason(tls ?? e, isTlsError)}`);
    }
  }

  /** The JSON body of a 2xx answer; anything else is the server's refusal. */
  private ok(r: Reply): unknown {
    if (r.status < 200 || r.status > 299) {
      const text = oneLine(new TextDecoder().decode(r.body)).slice(0, 300);
      throw new ServerError(r.status, text);
    }
    try {
      return JSON.parse(new TextDecoder().decode(r.body));
    } catch {
      throw this.unexpected('JSON');
    }
  }

  private bool(r: Reply): boolean {
    const json = this.ok(r);
    if (typeof json !== 'boolean') throw this.unexpected('true or false');
    return json;
  }

  private pairs(json: unknown): KvPair[] {
    if (!Array.isArray(json) || !json.every(isPair)) throw this.unexpected('a list of KV entries');
    return json;
  }

  private unexpected(wanted: string): ConnectionError {
    return new ConnectionError(`unexpected answer from ${this.conn.addr}: expected ${wanted} (is it cairn?)`);
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

function isPair(x: unknown): x is KvPair {
  return (
    isObject(x) &&
    typeof x.Key === 'string' &&
    (x.Value === null || typeof x.Value === 'string') &&
    typeof x.ModifyIndex === 'number'
  );
}

function isVersion(x: unknown): x is KvVersion {
  return (
    isObject(x) &&
    typeof x.ModifyIndex === 'number' &&
    (x.Op === 'set' || x.Op === 'delete') &&
    (x.Value === null || typeof x.Value === 'string') &&
    typeof x.Time === 'string' &&
    typeof x.Author === 'string'
  );
}

/** Why fetch failed, in a few words: the socket error under undici's "fetch failed"; TLS failures say so. */
export function reason(e: unknown, isTlsError: (e: unknown) => boolean): string {
  const why = socketReason(e);
  return isTlsError(e) ? `TLS: ${why}` : why;
}

function socketReason(e: unknown): string {
  let cause: unknown = e;
  while (isObject(cause) && isObject(cause.cause)) cause = cause.cause;
  if (cause instanceof AggregateError) {
    const first = cause.errors.find((x) => x instanceof Error) as Error | undefined;
    cause = first ?? cause;
  }
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return oneLine(shortTlsMessage(cause.message) || code || cause.name);
  }
  return oneLine(String(cause));
}

function seconds(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
