import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Consistency } from '../server/index.js';
import { type Blocking, blocking, consistency, param, type Query, query } from './params.js';
import type { ReadMode } from './routes/types.js';

/**
 * What the request hook parsed from a request, once, for its handler: the ACL token
 * and, for reads, the consistency mode and blocking parameters. The token is kept
 * for the ACL work and hidden from JSON (so from every log line).
 */
export class RequestInfo {
  readonly #token: string;

  constructor(
    token: string,
    /** null for routes that do not read with a consistency mode. */
    readonly consistency: Consistency | null,
    /** null for routes that do not block. */
    readonly blocking: Blocking | null,
  ) {
    this.#token = token;
  }

  /** The caller's ACL token; '' when none was given. */
  get token(): string {
    return this.#token;
  }

  toJSON(): Record<string, unknown> {
    return {
      token: this.#token === '' ? '' : '(hidden)',
      consistency: this.consistency,
      blocking: this.blocking,
    };
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the request hook before any handler runs. */
    cairn: RequestInfo;
  }
}

/**
 * The token as Consul looks for it: `?token=` first, then `X-Consul-Token`, then
 * `Authorization: Bearer <token>` (scheme matched case-insensitively).
 */
export function tokenOf(q: Query, headers: IncomingHttpHeaders): string {
  const fromQuery = param(q, 'token');
  if (fromQuery !== undefined && fromQuery !== '') return fromQuery;
  const header = first(headers['x-consul-token']);
  if (header !== undefined && header !== '') return header;
  const auth = first(headers.authorization)?.trim() ?? '';
  const m = /^bearer\s+(\S+)/i.exec(auth);
  return m?.[1] ?? '';
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Parses what a route of this read mode needs; bad values are 400s with Consul's wording. */
export function parseRequestInfo(q: Query, headers: IncomingHttpHeaders, read: ReadMode): RequestInfo {
  const token = tokenOf(q, headers);
  switch (read) {
    case 'blocking':
      return new RequestInfo(token, consistency(q), blocking(q));
    case 'consistency':
      return new RequestInfo(token, consistency(q), null);
    case 'write':
    case 'local':
      return new RequestInfo(token, null, null);
  }
}

/** The one hook that parses every request before its handler (routes outside the table read nothing). */
export function addRequestHook(app: FastifyInstance): void {
  // fastify wants a null placeholder (not an object) for the request's shape; onRequest fills it first.
  app.decorateRequest('cairn', null as unknown as RequestInfo);
  app.addHook('onRequest', async (req) => {
    const route = req.routeOptions.config.cairnRoute;
    req.cairn = parseRequestInfo(query(req), req.headers, route?.read ?? 'local');
  });
}
