import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { HttpContext } from '../context.js';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

/**
 * How a route reads, which decides what the request hook parses for it:
 * - `blocking`: a read through `Reads.answer`: `?stale`/`?consistent`/`?max_stale` and `?index`/`?wait`
 * - `consistency`: a read with a consistency mode but no blocking (`?index` is ignored)
 * - `write`: a change applied through Raft (or a membership change); no read parameters
 * - `local`: answered from this server's memory as it is; no read parameters
 */
export type ReadMode = 'blocking' | 'consistency' | 'write' | 'local';

/** The resources of Consul's ACL rules, and `none` for what needs no rule. */
export type Resource = 'key' | 'service' | 'node' | 'session' | 'agent' | 'operator' | 'acl';
export type Access = 'read' | 'write' | 'list';

/** One rule a request must pass: `resource:access` on `segment` (a key, a service name, ...). */
export interface Permission {
  readonly resource: Resource;
  readonly access: Access;
  readonly segment: string;
}

/**
 * What a route needs from the caller's token. Declared now; the ACL work enforces it.
 * `needs` is a function of the parsed request (the key in the path, the service name in
 * the body); `filters` names the resources whose read rules drop items from the answer.
 */
export interface RouteAcl {
  /** For docs/routes.md, e.g. "key:read on the path key (key:list with ?recurse or ?keys)". */
  readonly doc: string;
  /** Every resource `needs` can answer with. */
  readonly resources: readonly Resource[];
  readonly needs: (req: FastifyRequest, ctx: HttpContext) => readonly Permission[];
  readonly filters: readonly Resource[];
}

export type RouteHandler = (req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) => unknown;
export type SocketHandler = (socket: WebSocket, req: FastifyRequest) => void;

interface RouteBase {
  readonly method: HttpMethod | readonly HttpMethod[];
  readonly url: string;
  readonly read: ReadMode;
  readonly acl: RouteAcl;
  /** One line for docs/routes.md. */
  readonly summary: string;
}

export interface HttpRoute extends RouteBase {
  readonly handler: RouteHandler;
}

/** A WebSocket route; `socket` runs once per app and gives the handler for each socket. */
export interface SocketRoute extends RouteBase {
  readonly socket: (ctx: HttpContext) => SocketHandler;
  /**
   * Runs on the upgrade request before the upgrade; throwing an HttpError refuses the socket
   * with that error's status (a 429 for a client over its cap) instead of upgrading it.
   */
  readonly admit?: (req: FastifyRequest, ctx: HttpContext) => void;
}

export type Route = HttpRoute | SocketRoute;

export function methodsOf(r: Route): readonly HttpMethod[] {
  return typeof r.method === 'string' ? [r.method] : r.method;
}
