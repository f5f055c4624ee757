import type { FastifyReply, FastifyRequest } from 'fastify';
import { aggregateStatus, type Check, type Instance } from '../../state/index.js';
import type { HttpContext } from '../context.js';
import { param, query, rest } from '../params.js';
import { agentServiceJson, checkJson } from '../shapes.js';
import { pathRest, requires, serviceOfInstanceInPath } from './acl.js';
import type { Route } from './types.js';

/**
 * Consul's agent service health (`/v1/agent/health/service/...`): the status code carries the
 * health, so a load balancer's plain HTTP check can use it: 200 passing, 429 warning, 503 critical
 * or in maintenance, 404 unknown.
 */
type AgentHealth = 'passing' | 'warning' | 'critical' | 'maintenance';

const CODE: Readonly<Record<AgentHealth, number>> = {
  passing: 200,
  warning: 429,
  critical: 503,
  maintenance: 503,
};

/** Consul's `AggregatedStatus`: maintenance (node or service) first, then the worst check. */
export function agentHealth(checks: readonly Check[]): AgentHealth {
  if (checks.some((c) => c.id === '_node_maintenance' || c.id.startsWith('_service_maintenance:'))) {
    return 'maintenance';
  }
  return aggregateStatus(checks);
}

/** `?format=text` or `Accept: text/plain` asks for the status word alone. */
function wantsText(req: FastifyRequest): boolean {
  if (param(query(req), 'format') === 'text') return true;
  return String(req.headers.accept ?? '').includes('text/plain');
}

function entry(ctx: HttpContext, i: Instance) {
  const checks = ctx.server.view.catalog.checksOfInstance(i);
  const status = agentHealth(checks);
  return {
    status,
    json: {
      AggregatedStatus: status,
      Service: agentServiceJson(i, ctx.datacenter),
      Checks: checks.map(checkJson),
    },
  };
}

/** The instances of this agent: on its node (the agent's own registrations). */
function localInstances(ctx: HttpContext): Instance[] {
  return ctx.server.view.catalog.instancesOnNode(ctx.self.name);
}

async function byId(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const id = rest(req, 'service ID');
  const i = ctx.server.view.catalog.instancesWithId(id, ctx.self.name)[0];
  if (!i) {
    reply.code(404).type('text/plain; charset=utf-8');
    return `ServiceId ${id} not found`;
  }
  const e = entry(ctx, i);
  reply.code(CODE[e.status]);
  if (wantsText(req)) return reply.type('text/plain; charset=utf-8').send(e.status);
  return e.json;
}

async function byName(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const name = rest(req, 'service name');
  const found = localInstances(ctx).filter((i) => i.name === name);
  // Consul's choice of code: the worst of the instances (passing < warning < critical).
  let code = 404;
  let status = `ServiceName ${name} Not Found`;
  const out = [];
  for (const i of found) {
    const e = entry(ctx, i);
    out.push(e.json);
    if (code === 404 || CODE[e.status] > code) {
      code = CODE[e.status];
      status = e.status;
    }
  }
  reply.code(code);
  if (wantsText(req)) return reply.type('text/plain; charset=utf-8').send(status);
  return out;
}

export const agentHealthRoutes: readonly Route[] = [
  {
    method: 'GET',
    url: '/v1/agent/health/service/id/*',
    read: 'local',
    acl: requires('service', 'read', serviceOfInstanceInPath),
    summary: "an instance's aggregated health; the status code carries it (200, 429, 503, 404)",
    handler: byId,
  },
  {
    method: 'GET',
    url: '/v1/agent/health/service/name/*',
    read: 'local',
    acl: requires('service', 'read', pathRest('service name')),
    summary: "this agent's instances of a service with their health; the status code is the worst",
    handler: byName,
  },
];
