import type { FastifyReply, FastifyRequest } from 'fastify';
import { Topic } from '../../state/index.js';
import type { HttpContext } from '../context.js';
import { HttpError } from '../errors.js';
import { rest } from '../params.js';
import { filtered, none, pathRest, requires } from './acl.js';
import type { Route } from './types.js';

/**
 * Network coordinates come from Serf's gossip, which cairn does not run: the reads answer as a
 * Consul datacenter with no coordinates yet (empty lists, a 404 for one node, with the query
 * headers clients read), so clients that sort by distance fall back to their default order.
 */
async function datacenters(_req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  return [{ Datacenter: ctx.datacenter, AreaID: 'wan', Coordinates: [] }];
}

function nodes(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const catalog = ctx.server.view.catalog;
  return ctx.reads.answer(req, reply, {
    topics: [Topic.nodes],
    shared: true,
    compute: () => ({ index: catalog.indexes.nodes, body: [] }),
  });
}

function node(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const name = rest(req, 'node name');
  const catalog = ctx.server.view.catalog;
  return ctx.reads.answer(req, reply, {
    topics: [Topic.node(name)],
    shared: true,
    compute: () => ({ index: catalog.indexOfNode(name), status: 404, body: '' }),
  });
}

async function update() {
  throw new HttpError('HTTP_COORDINATES_DISABLED', 'Coordinate support disabled');
}

export const coordinateRoutes: readonly Route[] = [
  {
    method: 'GET',
    url: '/v1/coordinate/datacenters',
    read: 'local',
    acl: none,
    summary: 'WAN coordinates per datacenter: none (cairn runs no gossip)',
    handler: datacenters,
  },
  {
    method: 'GET',
    url: '/v1/coordinate/nodes',
    read: 'blocking',
    acl: filtered('node'),
    summary: 'LAN coordinates of the nodes: an empty list (no gossip)',
    handler: nodes,
  },
  {
    method: 'GET',
    url: '/v1/coordinate/node/*',
    read: 'blocking',
    acl: requires('node', 'read', pathRest('node name')),
    summary: "a node's coordinates: 404, as a Consul node without any",
    handler: node,
  },
  {
    method: 'PUT',
    url: '/v1/coordinate/update',
    read: 'write',
    acl: requires('node', 'write', { doc: "the body's Node", of: () => '' }),
    summary: 'store a coordinate: 401 "Coordinate support disabled"',
    handler: update,
  },
];
