import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpContext } from '../context.js';
import { badRequest } from '../errors.js';
import { param, query } from '../params.js';
import { agentNode, requires } from './acl.js';
import type { Route } from './types.js';

async function prometheus(_req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  reply.type(ctx.metrics.contentType);
  return ctx.metrics.text();
}

async function agentMetrics(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  // Consul's JSON form unless Prometheus's is asked for.
  const format = param(query(req), 'format');
  if (format === 'prometheus') return prometheus(req, reply, ctx);
  if (format !== undefined) throw badRequest('format', `"${format}" is not supported (use prometheus)`);
  return ctx.metrics.json();
}

const agentRead = requires('agent', 'read', agentNode);

export const metricsRoutes: readonly Route[] = [
  // Not Consul's: the same numbers as /v1/agent/metrics?format=prometheus, so the same rule.
  {
    method: 'GET',
    url: '/metrics',
    read: 'local',
    acl: agentRead,
    summary: 'Prometheus metrics',
    handler: prometheus,
  },
  {
    method: 'GET',
    url: '/v1/agent/metrics',
    read: 'local',
    acl: agentRead,
    summary: "the agent's metrics (JSON, or ?format=prometheus)",
    handler: agentMetrics,
  },
];
