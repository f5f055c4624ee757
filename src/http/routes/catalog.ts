import type { FastifyInstance } from 'fastify';
import { Topic } from '../../state/index.js';
import { type HttpContext, write } from '../context.js';
import { badRequest, HttpError } from '../errors.js';
import { Fields, jsonBody } from '../fields.js';
import { nodeMeta, nodeMetaMatches, params, query, rest } from '../params.js';
import { queryFilter } from '../query-filter.js';
import { nodeJson, nodeServiceJson, serviceNodeJson } from '../shapes.js';
import { checkSpec, name, nodeSpec, serviceSpec } from '../specs.js';

export function catalogRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { server, reads } = ctx;
  const catalog = server.state.catalog;

  app.route({
    method: ['PUT', 'POST'],
    url: '/v1/catalog/register',
    handler: async (req) => {
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
      });
      return true;
    },
  });

  app.route({
    method: ['PUT', 'POST'],
    url: '/v1/catalog/deregister',
    handler: async (req) => {
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
    },
  });

  app.get('/v1/catalog/datacenters', async () => [ctx.datacenter]);

  app.get('/v1/catalog/nodes', (req, reply) => {
    const q = query(req);
    const filter = queryFilter(q);
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
  });

  app.get('/v1/catalog/services', (req, reply) => {
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
  });

  app.get('/v1/catalog/service/*', (req, reply) => {
    const svc = rest(req, 'service name');
    const q = query(req);
    const tags = params(q, 'tag');
    const filter = queryFilter(q);
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
  });

  app.get('/v1/catalog/node/*', (req, reply) => {
    const nodeName = rest(req, 'node name');
    const filter = queryFilter(query(req));
    return reads.answer(req, reply, {
      topics: [Topic.node(nodeName)],
      shared: true,
      compute: () => {
        const n = catalog.node(nodeName);
        if (!n) return { index: catalog.indexOfNode(nodeName), body: null };
        const services: Record<string, unknown> = {};
        for (const i of catalog.instancesOnNode(nodeName)) {
          const json = nodeServiceJson(i);
          if (!filter || filter(json)) services[i.id] = json;
        }
        return { index: catalog.indexOfNode(nodeName), body: { Node: nodeJson(n), Services: services } };
      },
    });
  });
}
