import type { FastifyRequest } from 'fastify';
import type { HttpContext } from '../context.js';
import { Fields, jsonBody } from '../fields.js';
import { flag, param, query } from '../params.js';
import type { Access, Permission, Resource, RouteAcl } from './types.js';

/** Where a rule's segment comes from: a function of the parsed request, with its description. */
export interface Segment {
  readonly doc: string;
  readonly of: (req: FastifyRequest, ctx: HttpContext) => string;
}

/** The path after the route's wildcard (a KV key, a service name, ...). */
export const pathRest = (what: string): Segment => ({
  doc: `the ${what} in the path`,
  of: (req) => (req.params as Record<string, string>)['*'] ?? '',
});

/** A string field of the JSON body (matched as `Fields` matches: case-insensitively). */
export const bodyField = (path: readonly string[], what: string): Segment => ({
  doc: `the body's ${path.join('.')} (${what})`,
  of: (req) => bodyString(req.body, path),
});

export const queryParam = (name: string, what: string): Segment => ({
  doc: `?${name} (${what})`,
  of: (req) => param(query(req), name) ?? '',
});

/** This server's own node: agent rules are checked against the agent's name. */
export const agentNode: Segment = { doc: "this agent's node name", of: (_req, ctx) => ctx.self.name };

/** The service that owns the instance whose ID is in the path. */
export const serviceOfInstanceInPath: Segment = {
  doc: 'the name of the service whose instance ID is in the path',
  of: (req, ctx) => {
    const id = pathRest('').of(req, ctx);
    return ctx.server.view.catalog.instancesWithId(id, ctx.self.name)[0]?.name ?? '';
  },
};

/** The rule that covers a check: its service's (service:write) or, for a node check, its node's. */
export const checkInPath = {
  doc: "service:write on the check's service, or node:write on its node for a node check",
  needs: (req: FastifyRequest, ctx: HttpContext): Permission[] => {
    const id = pathRest('').of(req, ctx);
    const c = ctx.server.view.catalog.checksWithId(id, ctx.self.name)[0];
    if (!c) return [{ resource: 'node', access: 'write', segment: ctx.self.name }];
    if (c.serviceId === '') return [{ resource: 'node', access: 'write', segment: c.node }];
    const svc = ctx.server.view.catalog.instancesWithId(c.serviceId, c.node)[0]?.name ?? c.serviceId;
    return [{ resource: 'service', access: 'write', segment: svc }];
  },
};

export const none: RouteAcl = { doc: 'none', resources: [], needs: () => [], filters: [] };

/** `resource:access` on one segment. */
export function requires(resource: Resource, access: Access, segment: Segment): RouteAcl {
  return {
    doc: `${resource}:${access} on ${segment.doc}`,
    resources: [resource],
    needs: (req, ctx) => [{ resource, access, segment: segment.of(req, ctx) }],
    filters: [],
  };
}

/** Consul's KV rule: read a key, list a prefix (`?recurse`, `?keys`). */
export function readOrList(resource: Resource, segment: Segment, listFlags: readonly string[]): RouteAcl {
  const flags = listFlags.map((f) => `?${f}`).join(' or ');
  return {
    doc: `${resource}:read on ${segment.doc}; ${resource}:list with ${flags}`,
    resources: [resource],
    needs: (req, ctx) => {
      const q = query(req);
      const access: Access = listFlags.some((f) => flag(q, f)) ? 'list' : 'read';
      return [{ resource, access, segment: segment.of(req, ctx) }];
    },
    filters: [],
  };
}

/** Needs nothing up front; items the token may not read are left out of the answer. */
export function filtered(...resources: Resource[]): RouteAcl {
  return {
    doc: `none; answer filtered by ${resources.map((r) => `${r}:read`).join(' and ')}`,
    resources: [],
    needs: () => [],
    filters: resources,
  };
}

/** Several rules at once (the catalog's register needs the node's and the service's). */
export function allOf(doc: string, ...acls: RouteAcl[]): RouteAcl {
  return {
    doc,
    resources: [...new Set(acls.flatMap((a) => a.resources))],
    needs: (req, ctx) => acls.flatMap((a) => a.needs(req, ctx)),
    filters: [...new Set(acls.flatMap((a) => a.filters))],
  };
}

/** A rule whose needs are worked out from the request by a function of its own. */
export function custom(
  doc: string,
  resources: readonly Resource[],
  needs: (req: FastifyRequest, ctx: HttpContext) => readonly Permission[],
  filters: readonly Resource[] = [],
): RouteAcl {
  return { doc, resources, needs, filters };
}

/** The same rule, plus answer filtering. */
export function withFilter(acl: RouteAcl, ...resources: Resource[]): RouteAcl {
  return {
    ...acl,
    doc: `${acl.doc}; answer filtered by ${resources.map((r) => `${r}:read`).join(' and ')}`,
    filters: resources,
  };
}

/** A string at `path` in the JSON body, or '' when absent or the body does not parse. */
export function bodyString(body: unknown, path: readonly string[]): string {
  let value: unknown;
  try {
    value = jsonBody(body, {});
  } catch {
    return '';
  }
  for (const name of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return '';
    value = new Fields(value, '').raw(name);
  }
  return typeof value === 'string' ? value : '';
}
