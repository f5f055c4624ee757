import type { FastifyReply, FastifyRequest } from 'fastify';
import { HEALTH_STATUSES, Topic } from '../../state/index.js';
import type { HttpContext } from '../context.js';
import { badRequest } from '../errors.js';
import { lookup, strategyParam } from '../lookup.js';
import { boolParam, intParam, nodeMeta, param, params, query, rest } from '../params.js';
import { queryFilter } from '../query-filter.js';
import { checkJson } from '../shapes.js';
import { filtered, pathRest, requires, withFilter } from './acl.js';
import type { Route } from './types.js';

function onNode(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const { reads } = ctx;
  const catalog = ctx.server.view.catalog;
  const node = rest(req, 'node name');
  const filter = queryFilter(query(req), ctx.metrics);
  return reads.answer(req, reply, {
    topics: [Topic.node(node)],
    shared: true,
    compute: () => ({
      index: catalog.indexOfNode(node),
      body: catalog
        .checksOnNode(node)
        .map(checkJson)
        .filter((c) => !filter || filter(c)),
    }),
  });
}

function ofService(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const { reads } = ctx;
  const catalog = ctx.server.view.catalog;
  const svc = rest(req, 'service name');
  const filter = queryFilter(query(req), ctx.metrics);
  return reads.answer(req, reply, {
    topics: [Topic.service(svc)],
    shared: true,
    compute: () => ({
      index: catalog.indexOfService(svc),
      body: catalog
        .checksOfService(svc)
        .map(checkJson)
        .filter((c) => !filter || filter(c)),
    }),
  });
}

function service(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const { reads } = ctx;
  const catalog = ctx.server.view.catalog;
  const svc = rest(req, 'service name');
  const q = query(req);
  const strategy = strategyParam(param(q, 'lb'));
  const key = param(q, 'key');
  if (strategy === 'hash' && (key === undefined || key === '')) {
    throw badRequest('key', 'required with lb=hash');
  }
  const opts = {
    memoKey: JSON.stringify([
      param(q, 'passing') ?? null,
      params(q, 'tag'),
      params(q, 'node-meta'),
      param(q, 'filter') ?? '',
    ]),
    passingOnly: boolParam(q, 'passing'),
    tags: params(q, 'tag'),
    nodeMeta: nodeMeta(q),
    filter: queryFilter(q, ctx.metrics),
    strategy,
    key,
    limit: intParam(q, 'limit', 0),
  };
  return reads.answer(req, reply, {
    topics: [Topic.service(svc)],
    // A rotating strategy answers differently on every call.
    shared: strategy === null || strategy === 'hash',
    compute: () => {
      const r = lookup(ctx, svc, opts);
      return {
        index: catalog.indexOfService(svc),
        body: r.entries,
        ...(r.protection ? { headers: { 'X-Cairn-Protection-Threshold': 'engaged' } } : {}),
      };
    },
  });
}

function inState(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const { reads } = ctx;
  const catalog = ctx.server.view.catalog;
  const state = rest(req, 'state');
  if (state !== 'any' && !(HEALTH_STATUSES as readonly string[]).includes(state)) {
    throw badRequest('state', `"${state}" is not one of any, passing, warning, critical`);
  }
  const filter = queryFilter(query(req), ctx.metrics);
  return reads.answer(req, reply, {
    topics: [Topic.checks],
    shared: true,
    compute: () => ({
      index: catalog.indexes.checks,
      body: catalog
        .allChecks()
        .filter((c) => state === 'any' || c.status === state)
        .map(checkJson)
        .filter((c) => !filter || filter(c)),
    }),
  });
}

const serviceInPath = pathRest('service name');

export const healthRoutes: readonly Route[] = [
  {
    method: 'GET',
    url: '/v1/health/node/*',
    read: 'blocking',
    acl: withFilter(requires('node', 'read', pathRest('node name')), 'service'),
    summary: "a node's checks",
    handler: onNode,
  },
  {
    method: 'GET',
    url: '/v1/health/checks/*',
    read: 'blocking',
    acl: withFilter(requires('service', 'read', serviceInPath), 'node'),
    summary: "a service's checks",
    handler: ofService,
  },
  {
    method: 'GET',
    url: '/v1/health/service/*',
    read: 'blocking',
    acl: withFilter(requires('service', 'read', serviceInPath), 'node'),
    summary: "a service's instances with their health (?passing, ?tag, ?lb)",
    handler: service,
  },
  {
    method: 'GET',
    url: '/v1/health/state/*',
    read: 'blocking',
    acl: filtered('node', 'service'),
    summary: 'the checks in a state',
    handler: inState,
  },
];
