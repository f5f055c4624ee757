import { Agent, buildConnector, request } from 'undici';
import { Backoff } from '../backoff.js';
import { type Clock, sleep } from '../clock.js';
import { ClosedError, describe, HttpStatusError, NoServerError, type ServerAttempt } from '../errors.js';
import type { TlsConnectOptions } from '../tls/index.js';
import { classifyError, classifyStatus, describeFailure, type FailureKind, mayRetry } from './classify.js';
import { LeaderHints } from './leader-hints.js';
import type { ServerPool } from './server-pool.js';
import { TlsAlerts } from './tls-alerts.js';

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';
export type QueryValue = string | number | boolean | undefined;

export interface RequestSpec {
  readonly method: Method;
  /** Path with its segments already encoded, e.g. `/v1/kv/app%2Fx`. */
  readonly path: string;
  /** `true` sends a bare flag (`?passing`); false and undefined are left out. */
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** An object is sent as JSON; a string or bytes as they are. */
  readonly body?: string | Uint8Array | object;
  /** Safe to send twice (default: GET yes, others no). Non-idempotent requests are retried only when surely not sent. */
  readonly idempotent?: boolean;
  /** A write: try the leader first when a hint names it. */
  readonly write?: boolean;
  /** Statuses besides 2xx that are answers, not failures (404 for a missing key). */
  readonly accept?: readonly number[];
  /** One attempt on one server. */
  readonly attemptTimeoutMs?: number;
  /** The whole request, across servers and retries. */
  readonly deadlineMs?: number;
  /** Aborting fails the request with ClosedError. */
  readonly signal?: AbortSignal;
}

export interface Answer {
  readonly status: number;
  readonly text: string;
  readonly server: string;
  /** X-Consul-Index, or null. */
  readonly index: number | null;
  readonly headers: Readonly<Record<string, string>>;
}

export interface TransportOptions {
  readonly pool: ServerPool;
  readonly clock: Clock;
  readonly random: () => number;
  readonly token?: string;
  readonly attemptTimeoutMs: number;
  readonly deadlineMs: number;
  readonly connectTimeoutMs: number;
  /** For https servers: the CA, and a client certificate. */
  readonly tls?: TlsConnectOptions;
}

type Outcome =
  | { readonly ok: true; readonly answer: Answer }
  | {
      readonly ok: false;
      readonly kind: FailureKind;
      readonly error: string;
      readonly status?: HttpStatusError;
    };

/**
 * HTTP to the cairn servers (undici, kept-alive connections): one logical request goes to a
 * healthy server, moves on to another when one cannot be reached or has no leader, and gives up
 * at its deadline with every server's reason.
 */
export class Transport {
  readonly #agent: Agent;
  readonly #hints: LeaderHints;
  readonly #alerts = new TlsAlerts();
  #closed = false;

  constructor(private readonly opts: TransportOptions) {
    this.#agent = new Agent({
      keepAliveTimeout: 30_000,
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: this.#alerts.wrap(buildConnector({ timeout: opts.connectTimeoutMs, ...opts.tls })),
    });
    this.#hints = new LeaderHints(opts.pool, opts.clock, (url, path) => this.#raw(url, path));
  }

  get pool(): ServerPool {
    return this.opts.pool;
  }

  get token(): string | undefined {
    return this.opts.token;
  }

  async request(spec: RequestSpec): Promise<Answer> {
    const { clock, pool } = this.opts;
    const idempotent = spec.idempotent ?? spec.method === 'GET';
    const deadline = clock.now() + (spec.deadlineMs ?? this.opts.deadlineMs);
    const attempts: ServerAttempt[] = [];
    const backoff = new Backoff({ baseMs: 50, maxMs: 1000, random: this.opts.random });
    if (spec.write) this.#hints.ensure();
    for (;;) {
      // A round in which every server refused the handshake: waiting will not mend a certificate.
      let tried = 0;
      let tlsFailures = 0;
      for (const url of pool.order(clock.now(), spec.write === true)) {
        this.#check(spec);
        const left = deadline - clock.now();
        if (left <= 0) break;
        const timeout = Math.min(spec.attemptTimeoutMs ?? this.opts.attemptTimeoutMs, left);
        const out = await this.#once(url, spec, timeout);
        if (out.ok) {
          // Writes go to the leader when known; reads and heartbeats stay spread over the servers.
          pool.succeeded(url, !(spec.write && url === pool.leader));
          return out.answer;
        }
        this.#check(spec);
        attempts.push({ server: url, error: out.error });
        tried++;
        if (out.kind === 'tls') tlsFailures++;
        pool.failed(url, clock.now());
        if (spec.write) this.#hints.refreshSoon();
        if (!mayRetry(out.kind, idempotent)) {
          throw out.status ?? new NoServerError(`${spec.method} ${spec.path}: outcome unknown`, attempts);
        }
      }
      const left = deadline - clock.now();
      if (tried > 0 && tlsFailures === tried) {
        throw new NoServerError(
          `${spec.method} ${spec.path}: no server accepted the TLS connection: ${attempts
            .slice(-3)
            .map((a) => `${a.server} ${a.error}`)
            .join('; ')}`,
          attempts,
        );
      }
      if (left <= 0) {
        throw new NoServerError(
          `${spec.method} ${spec.path}: no server answered: ${attempts
            .slice(-3)
            .map((a) => `${a.server} ${a.error}`)
            .join('; ')}`,
          attempts,
        );
      }
      await sleep(clock, Math.min(backoff.next(), left), spec.signal);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#hints.close();
    await this.#agent.destroy().catch(() => {});
  }

  #check(spec: RequestSpec): void {
    if (this.#closed) throw new ClosedError('client');
    if (spec.signal?.aborted) throw new ClosedError('request');
  }

  async #once(url: string, spec: RequestSpec, timeoutMs: number): Promise<Outcome> {
    const ac = new AbortController();
    let timedOut = false;
    const timer = this.opts.clock.setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, timeoutMs);
    const tlsSeq = this.#alerts.seq;
    const onAbort = () => ac.abort();
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    const headers: Record<string, string> = {};
    if (this.opts.token) headers['x-consul-token'] = this.opts.token;
    let body: string | Uint8Array | undefined;
    if (typeof spec.body === 'string' || spec.body instanceof Uint8Array) body = spec.body;
    else if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      headers['content-type'] = 'application/json';
    }
    try {
      const res = await request(`${url}${spec.path}${queryString(spec.query)}`, {
        method: spec.method,
        headers,
        body,
        signal: ac.signal,
        dispatcher: this.#agent,
      });
      const text = await res.body.text();
      const flat = flatten(res.headers);
      const answer: Answer = {
        status: res.statusCode,
        text,
        server: url,
        index: indexOf(flat),
        headers: flat,
      };
      if ((res.statusCode >= 200 && res.statusCode < 300) || spec.accept?.includes(res.statusCode)) {
        return { ok: true, answer };
      }
      const status = new HttpStatusError(res.statusCode, text, url, spec.method, spec.path);
      const kind = classifyStatus(res.statusCode, text);
      if (kind === null) throw status;
      return { ok: false, kind, error: `${res.statusCode} ${text.slice(0, 200)}`, status };
    } catch (e) {
      if (e instanceof HttpStatusError) throw e;
      if (timedOut) return { ok: false, kind: 'timeout', error: `no answer within ${timeoutMs} ms` };
      const cause = this.#alerts.since(url, tlsSeq) ?? e;
      return { ok: false, kind: classifyError(cause), error: describeFailure(cause, describe(cause)) };
    } finally {
      timer.cancel();
      spec.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** One GET on one server, no retries (for the leader hints). */
  async #raw(url: string, path: string): Promise<string | null> {
    if (this.#closed) return null;
    const out = await this.#once(url, { method: 'GET', path }, this.opts.attemptTimeoutMs).catch(() => null);
    return out?.ok ? out.answer.text : null;
  }
}

export function queryString(q: Readonly<Record<string, QueryValue>> | undefined): string {
  if (!q) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === false) continue;
    parts.push(
      v === true ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`,
    );
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** A KV key or id as a path: each segment encoded, slashes kept. */
export function encodePath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

function flatten(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function indexOf(h: Readonly<Record<string, string>>): number | null {
  const raw = h['x-consul-index'];
  if (raw === undefined) return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}
