import type { FastifyReply, FastifyRequest } from 'fastify';
import { Topic } from '../../state/index.js';
import { type HttpContext, write } from '../context.js';
import { badRequest, HttpError } from '../errors.js';
import { Fields, jsonBody } from '../fields.js';
import { nodeMeta, nodeMetaMatches, params, query, rest } from '../params.js';
import { queryFilter } from '../query-filter.js';
import { nodeJson, nodeServiceJson, serviceNodeJson } from '../shapes.js';
import { checkSpec, name, nodeSpec, serviceSpec } from '../specs.js';
import { bodyString, custom, filtered, none, pathRest, requires, withFilter } from './acl.js';
import type { Permission, Route } from './types.js';

async function register(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const { server } = ctx;
  const f = new Fields(jsonBody(req.body), '');
  const node = nodeSpec(f, ctx.datacenter);
  const sf = f.obj('Service');
  const service = sf ? serviceSpec(sf) : null;
  const defs = [...(f.obj('Check') ? [f.obj('Check')!] : []), ...f.list('Checks')];
  const checks = defs.map((d) => checkSpec(d, { id: '', name: '', serviceId: '' }, true));
  await write(ctx, {
    type: 'register',
    at: server.now(),
    node,
    skipNodeUpdate: f.bool('SkipNodeUpdate'),
    service,
    checks,
    replaceExistingChecks: false,
    maxInstances: ctx.catalogMaxInstances,
  });
  return true;
}

async function deregister(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const f = new Fields(jsonBody(req.body), '');
  const node = name(f.str('Node'), 'Node');
  const serviceId = f.str('ServiceID');
  const checkId = f.str('CheckID');
  if (serviceId !== '' && checkId !== '') {
    throw badRequest('ServiceID', 'give either ServiceID or CheckID, not both');
  }
  const cmd =
    serviceId !== ''
      ? ({ type: 'deregisterService', node, serviceId } as const)
      : checkId !== ''
        ? ({ type: 'deregisterCheck', node, checkId } as const)
        : ({ type: 'deregisterNode', node } as const);
  // Consul answers true also when there was nothing to remove.
  try {
    await write(ctx, cmd);
  } catch (e) {
    if (!(e instanceof HttpError && e.status === 404)) throw e;
  }
  return true;
}

async function datacenters(_req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  return [ctx.datacenter];
}

function nodes(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const { reads } = ctx;
  const catalog = ctx.server.view.catalog;
  const q = query(req);
  const filter = queryFilter(q, ctx.metrics);
  const meta = nodeMeta(q);
  return reads.answer(req, reply, {
    topics: [Topic.nodes],
    shared: true,
    compute: () => ({
      index: catalog.indexes.nodes,
      body: catalog
        .allNodes()
        .filter((n) => nodeMetaMatches(meta, n.meta))
        .map(nodeJson)
        .filter((n) => !filter || filter(n)),
    }),
  });
}

function services(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const { reads } = ctx;
  const catalog = ctx.server.view.catalog;
  const q = query(req);
  const meta = nodeMeta(q);
  return reads.answer(req, reply, {
    topics: [Topic.services, Topic.nodes],
    shared: true,
    compute: () => {
      const out: Record<string, string[]> = {};
      for (const [svc, tags] of catalog.serviceNames()) {
        if (meta.length > 0) {
          const onMatchingNode = catalog
            .instancesOf(svc)
            .some((i) => nodeMetaMatches(meta, catalog.node(i.node)?.meta));
          if (!onMatchingNode) continue;
        }
        out[svc] = tags;
      }
      return {
        index: Math.max(catalog.indexes.services, meta.length > 0 ? catalog.indexes.nodes : 0),
        body: out,
      };
    },
  });
}

function service(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const { reads } = ctx;
  const catalog = ctx.server.view.catalog;
  const svc = rest(req, 'service name');
  const q = query(req);
  const tags = params(q, 'tag');
  const filter = queryFilter(q, ctx.metrics);
  const meta = nodeMeta(q);
  return reads.answer(req, reply, {
    topics: [Topic.service(svc)],
    shared: true,
    compute: () => ({
      index: catalog.indexOfService(svc),
      body: catalog
        .instancesOf(svc)
        .filter((i) => tags.every((t) => i.tags.includes(t)))
        .filter((i) => meta.length === 0 || nodeMetaMatches(meta, catalog.node(i.node)?.meta))
        .map((i) => serviceNodeJson(i, catalog.node(i.node), ctx.datacenter))
        .filter((x) => !filter || filter(x)),
    }),
  });
}

type ServiceJson = ReturnType<typeof nodeServiceJson>;

/**
 * A node and its services (after `?filter`): `/v1/catalog/node` keys them by ID, Consul's newer
 * `/v1/catalog/node-services` lists them; `shape` is the difference.
 */
function nodeAnswer(shape: (services: ServiceJson[]) => unknown) {
  return (req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) => {
    const catalog = ctx.server.view.catalog;
    const nodeName = rest(req, 'node name');
    const filter = queryFilter(query(req), ctx.metrics);
    return ctx.reads.answer(req, reply, {
      topics: [Topic.node(nodeName)],
      shared: true,
      compute: () => {
        const n = catalog.node(nodeName);
        if (!n) return { index: catalog.indexOfNode(nodeName), body: null };
        const services = catalog
          .instancesOnNode(nodeName)
          .map(nodeServiceJson)
          .filter((json) => !filter || filter(json));
        return {
          index: catalog.indexOfNode(nodeName),
          body: { Node: nodeJson(n), Services: shape(services) },
        };
      },
    });
  };
}

const node = nodeAnswer((services) => Object.fromEntries(services.map((s) => [s.ID, s])));
const nodeServices = nodeAnswer((services) => services);

/** Consul: node:write on the node, and service:write on the service when one is given. */
function registerNeeds(req: FastifyRequest): Permission[] {
  const out: Permission[] = [{ resource: 'node', access: 'write', segment: bodyString(req.body, ['Node']) }];
  const svc = bodyString(req.body, ['Service', 'Service']);
  if (svc !== '') out.push({ resource: 'service', access: 'write', segment: svc });
  return out;
}

/** Consul: service:write to remove a service, node:write to remove a node or one of its checks. */
function deregisterNeeds(req: FastifyRequest, ctx: HttpContext): Permission[] {
  const node = bodyString(req.body, ['Node']);
  const serviceId = bodyString(req.body, ['ServiceID']);
  if (serviceId === '') return [{ resource: 'node', access: 'write', segment: node }];
  const svc = ctx.server.view.catalog.instancesWithId(serviceId, node).find((i) => i.node === node);
  return [{ resource: 'service', access: 'write', segment: svc?.name ?? serviceId }];
}

export const catalogRoutes: readonly Route[] = [
  {
    method: ['PUT', 'POST'],
    url: '/v1/catalog/register',
    read: 'write',
    acl: custom(
      "node:write on the body's Node; service:write on its Service.Service when given",
      ['node', 'service'],
      registerNeeds,
    ),
    summary: 'register a node, a service and checks',
    handler: register,
  },
  {
    method: ['PUT', 'POST'],
    url: '/v1/catalog/deregister',
    read: 'write',
    acl: custom(
      "service:write on the service of the body's ServiceID; otherwise node:write on its Node",
      ['node', 'service'],
      deregisterNeeds,
    ),
    summary: 'remove a node, a service or a check',
    handler: deregister,
  },
  {
    method: 'GET',
    url: '/v1/catalog/datacenters',
    read: 'local',
    acl: none,
    summary: 'the known datacenters',
    handler: datacenters,
  },
  {
    method: 'GET',
    url: '/v1/catalog/nodes',
    read: 'blocking',
    acl: filtered('node'),
    summary: 'every node (?node-meta, ?filter)',
    handler: nodes,
  },
  {
    method: 'GET',
    url: '/v1/catalog/services',
    read: 'blocking',
    acl: filtered('service'),
    summary: 'every service name with its tags',
    handler: services,
  },
  {
    method: 'GET',
    url: '/v1/catalog/service/*',
    read: 'blocking',
    acl: withFilter(requires('service', 'read', pathRest('service name')), 'node'),
    summary: "a service's instances",
    handler: service,
  },
  {
    method: 'GET',
    url: '/v1/catalog/node/*',
    read: 'blocking',
    acl: withFilter(requires('node', 'read', pathRest('node name')), 'service'),
    summary: 'a node and its services',
    handler: node,
  },
  {
    method: 'GET',
    url: '/v1/catalog/node-services/*',
    read: 'blocking',
    acl: withFilter(requires('node', 'read', pathRest('node name')), 'service'),
    summary: 'a node and its services, as a list',
    handler: nodeServices,
  },
];
