import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Check, HealthStatus, Instance } from '../../state/index.js';
import { type HttpContext, write } from '../context.js';
import { badRequest, HttpError } from '../errors.js';
import { Fields, jsonBody } from '../fields.js';
import { boolParam, param, type Query, query, rest } from '../params.js';
import { queryFilter } from '../query-filter.js';
import { agentServiceJson, checkJson, memberJson } from '../shapes.js';
import { sourceAddress } from '../source-address.js';
import { checkSpec, status as parseStatus, serviceChecks, serviceSpec } from '../specs.js';
import { CONSUL_COMPAT_BUILD_DATE, CONSUL_COMPAT_VERSION } from '../version.js';
import {
  agentNode,
  bodyField,
  bodyString,
  checkInPath,
  custom,
  filtered,
  requires,
  serviceOfInstanceInPath,
} from './acl.js';
import type { HttpMethod, Permission, Route } from './types.js';

/** The default server port (`--server-port`): where a join without a port goes. */
const DEFAULT_SERVER_PORT = 8300;

/** Consul sends these as PUT since 1.0; old clients still send GET, so both are taken. */
const MUTATE: readonly HttpMethod[] = ['PUT', 'GET'];

async function registerService(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const { server } = ctx;
  const self = ctx.self.name;
  const f = new Fields(jsonBody(req.body), '');
  const given = serviceSpec(f);
  // No Address: the instance is where the request came from (cairn has no agent on its host
  // whose node address Consul would use; the server's own address would be wrong).
  const svc =
    given.address === ''
      ? {
          ...given,
          address: sourceAddress(
            req.raw.socket.remoteAddress ?? '',
            req.headers['x-forwarded-for'],
            ctx.trustedProxies,
          ),
        }
      : given;
  const checks = serviceChecks(f, svc);
  // Re-registering an instance that lives on another server's node (a client retrying through a
  // different server) updates it in place instead of creating a second one with the same ID.
  const existing = server.view.catalog.instancesWithId(svc.id, self)[0];
  await write(ctx, {
    type: 'register',
    at: server.now(),
    node: existing ? nodeOf(ctx, existing.node) : ctx.self,
    skipNodeUpdate: true,
    service: svc,
    checks,
    replaceExistingChecks: boolParam(query(req), 'replace-existing-checks'),
    maxInstances: ctx.catalogMaxInstances,
  });
  return '';
}

async function deregisterService(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const inst = await findInstance(ctx, rest(req, 'service ID'));
  await write(ctx, { type: 'deregisterService', node: inst.node, serviceId: inst.id });
  return '';
}

async function services(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const { server } = ctx;
  const self = ctx.self.name;
  const filter = queryFilter(query(req), ctx.metrics);
  const out: Record<string, unknown> = {};
  for (const i of server.view.catalog.instancesOnNode(self)) {
    const json = agentServiceJson(i, ctx.datacenter);
    if (!filter || filter(json)) out[i.id] = json;
  }
  return out;
}

async function service(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const inst = await findInstance(ctx, rest(req, 'service ID'));
  const json = agentServiceJson(inst, ctx.datacenter);
  reply.header('X-Consul-ContentHash', String(inst.modifyIndex));
  return { ...json, ContentHash: String(inst.modifyIndex) };
}

async function serviceMaintenance(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const { server } = ctx;
  const q = query(req);
  if (param(q, 'enable') === undefined) throw new HttpError('HTTP_MISSING_PARAM', 'Missing value for enable');
  const enable = boolParam(q, 'enable');
  const inst = await findInstance(ctx, rest(req, 'service ID'));
  const checkId = `_service_maintenance:${inst.id}`;
  if (enable) {
    await write(ctx, {
      type: 'register',
      at: server.now(),
      node: nodeOf(ctx, inst.node),
      skipNodeUpdate: true,
      service: null,
      checks: [
        {
          id: checkId,
          name: 'Service Maintenance Mode',
          status: 'critical',
          notes: param(q, 'reason') || 'Maintenance mode is enabled for this service',
          output: '',
          serviceId: inst.id,
          type: 'maintenance',
          ttlMs: 0,
          deregisterCriticalAfterMs: 0,
        },
      ],
      replaceExistingChecks: false,
    });
  } else if (server.view.catalog.check(inst.node, checkId)) {
    await write(ctx, { type: 'deregisterCheck', node: inst.node, checkId });
  }
  return '';
}

async function nodeMaintenance(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const { server } = ctx;
  const self = ctx.self.name;
  const q = query(req);
  if (param(q, 'enable') === undefined) throw new HttpError('HTTP_MISSING_PARAM', 'Missing value for enable');
  const checkId = '_node_maintenance';
  if (boolParam(q, 'enable')) {
    await write(ctx, {
      type: 'register',
      at: server.now(),
      node: ctx.self,
      skipNodeUpdate: true,
      service: null,
      checks: [
        {
          id: checkId,
          name: 'Node Maintenance Mode',
          status: 'critical',
          notes: param(q, 'reason') || 'Maintenance mode is enabled for this node',
          output: '',
          serviceId: '',
          type: 'maintenance',
          ttlMs: 0,
          deregisterCriticalAfterMs: 0,
        },
      ],
      replaceExistingChecks: false,
    });
  } else if (server.view.catalog.check(self, checkId)) {
    await write(ctx, { type: 'deregisterCheck', node: self, checkId });
  }
  return '';
}

async function checks(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const { server } = ctx;
  const self = ctx.self.name;
  const filter = queryFilter(query(req), ctx.metrics);
  const out: Record<string, unknown> = {};
  for (const c of server.view.catalog.checksOnNode(self)) {
    const json = checkJson(c);
    if (!filter || filter(json)) out[c.id] = json;
  }
  return out;
}

async function registerCheck(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const { server } = ctx;
  const self = ctx.self.name;
  const f = new Fields(jsonBody(req.body), '');
  const spec = checkSpec(f, { id: '', name: '', serviceId: '' }, false);
  let node = self;
  if (spec.serviceId !== '') node = (await findInstance(ctx, spec.serviceId)).node;
  await write(ctx, {
    type: 'register',
    at: server.now(),
    node: nodeOf(ctx, node),
    skipNodeUpdate: true,
    service: null,
    checks: [{ ...spec, id: f.str('CheckID') || f.str('ID') || spec.name }],
    replaceExistingChecks: false,
  });
  return '';
}

async function deregisterCheck(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const c = await findCheck(ctx, rest(req, 'check ID'));
  await write(ctx, { type: 'deregisterCheck', node: c.node, checkId: c.id });
  return '';
}

/** pass, warn and fail: a TTL check's heartbeat with a fixed status. */
function ttlUpdate(st: HealthStatus) {
  return async (req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) => {
    const q = query(req);
    await heartbeat(ctx, rest(req, 'check ID'), st, param(q, 'note') ?? '', loadParam(q));
    return '';
  };
}

async function updateCheck(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const f = new Fields(jsonBody(req.body, {}), '');
  const st = parseStatus(f.str('Status'), 'Status');
  const output = f.str('Output');
  if (output.length > 4096) throw badRequest('Output', 'longer than 4096 bytes');
  const load = f.num('Load');
  await heartbeat(ctx, rest(req, 'check ID'), st, output, load ?? loadParam(query(req)));
  return '';
}

async function agentSelf(_req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const { server } = ctx;
  const self = ctx.self.name;
  const me = server.view.members.get(self);
  const stats = server.stats();
  return {
    Config: {
      Datacenter: ctx.datacenter,
      PrimaryDatacenter: ctx.datacenter,
      NodeName: self,
      NodeID: ctx.self.id,
      Revision: 'cairn',
      Server: true,
      Version: CONSUL_COMPAT_VERSION,
      BuildDate: CONSUL_COMPAT_BUILD_DATE,
    },
    DebugConfig: {},
    Coord: null,
    Member: me
      ? memberJson(me)
      : memberJson({
          name: self,
          serverAddress: server.serverAddress,
          httpAddress: '',
          datacenter: ctx.datacenter,
          status: 'alive',
          createIndex: 0,
          modifyIndex: 0,
        }),
    Stats: {
      raft: { ...raftStats(ctx) },
      health: {
        self_preservation: String(stats.selfPreservation),
        tracked_ttl_checks: String(stats.trackedTtlChecks),
      },
    },
    Meta: {},
  };
}

async function members(_req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  return ctx.server.view.members.all().map(memberJson);
}

async function join(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const { server } = ctx;
  const given = rest(req, 'address');
  // Consul joins an address without a port at its default port; cairn's servers meet on 8300.
  const address = /^[^:\s]+$/.test(given) ? `${given}:${DEFAULT_SERVER_PORT}` : given;
  if (!/^[^:\s]+:\d{1,5}$/.test(address)) {
    throw badRequest('address', `"${given}" is not host or host:port of a server port`);
  }
  await server.join(address);
  return '';
}

async function forceLeave(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  await ctx.server.removeServer(rest(req, 'node name'));
  return '';
}

/** Consul: service:write on the service a check belongs to, node:write for a node check. */
function registerCheckNeeds(req: FastifyRequest, ctx: HttpContext): Permission[] {
  const serviceId = bodyString(req.body, ['ServiceID']);
  if (serviceId === '') return [{ resource: 'node', access: 'write', segment: ctx.self.name }];
  const inst = ctx.server.view.catalog.instancesWithId(serviceId, ctx.self.name)[0];
  return [{ resource: 'service', access: 'write', segment: inst?.name ?? serviceId }];
}

const serviceWrite = requires('service', 'write', serviceOfInstanceInPath);
const checkWrite = custom(checkInPath.doc, ['service', 'node'], checkInPath.needs);

/** /v1/agent: this server's own node, its services and checks, and cluster membership. */
export const agentRoutes: readonly Route[] = [
  {
    method: 'PUT',
    url: '/v1/agent/service/register',
    read: 'write',
    acl: requires('service', 'write', bodyField(['Name'], 'service name')),
    summary: 'register a service instance on this node',
    handler: registerService,
  },
  {
    method: MUTATE,
    url: '/v1/agent/service/deregister/*',
    read: 'write',
    acl: serviceWrite,
    summary: 'remove a service instance',
    handler: deregisterService,
  },
  {
    method: 'GET',
    url: '/v1/agent/services',
    read: 'local',
    acl: filtered('service'),
    summary: "this node's service instances (?filter)",
    handler: services,
  },
  {
    method: 'GET',
    url: '/v1/agent/service/*',
    read: 'local',
    acl: requires('service', 'read', serviceOfInstanceInPath),
    summary: 'one service instance',
    handler: service,
  },
  {
    method: MUTATE,
    url: '/v1/agent/service/maintenance/*',
    read: 'write',
    acl: serviceWrite,
    summary: 'put a service instance in or out of maintenance (?enable)',
    handler: serviceMaintenance,
  },
  {
    method: MUTATE,
    url: '/v1/agent/maintenance',
    read: 'write',
    acl: requires('node', 'write', agentNode),
    summary: 'put this node in or out of maintenance (?enable)',
    handler: nodeMaintenance,
  },
  {
    method: 'GET',
    url: '/v1/agent/checks',
    read: 'local',
    acl: filtered('node', 'service'),
    summary: "this node's checks (?filter)",
    handler: checks,
  },
  {
    method: 'PUT',
    url: '/v1/agent/check/register',
    read: 'write',
    acl: custom(
      "service:write on the service of the body's ServiceID; node:write on this agent's node without one",
      ['service', 'node'],
      registerCheckNeeds,
    ),
    summary: 'register a check',
    handler: registerCheck,
  },
  {
    method: MUTATE,
    url: '/v1/agent/check/deregister/*',
    read: 'write',
    acl: checkWrite,
    summary: 'remove a check',
    handler: deregisterCheck,
  },
  {
    method: MUTATE,
    url: '/v1/agent/check/pass/*',
    read: 'write',
    acl: checkWrite,
    summary: 'a TTL check passes (?note, ?load)',
    handler: ttlUpdate('passing'),
  },
  {
    method: MUTATE,
    url: '/v1/agent/check/warn/*',
    read: 'write',
    acl: checkWrite,
    summary: 'a TTL check warns (?note, ?load)',
    handler: ttlUpdate('warning'),
  },
  {
    method: MUTATE,
    url: '/v1/agent/check/fail/*',
    read: 'write',
    acl: checkWrite,
    summary: 'a TTL check fails (?note, ?load)',
    handler: ttlUpdate('critical'),
  },
  {
    method: 'PUT',
    url: '/v1/agent/check/update/*',
    read: 'write',
    acl: checkWrite,
    summary: "a TTL check's status and output",
    handler: updateCheck,
  },
  {
    method: 'GET',
    url: '/v1/agent/self',
    read: 'local',
    acl: requires('agent', 'read', agentNode),
    summary: "this agent's configuration and Raft stats",
    handler: agentSelf,
  },
  {
    method: 'GET',
    url: '/v1/agent/members',
    read: 'local',
    acl: filtered('node'),
    summary: 'the cluster members',
    handler: members,
  },
  {
    method: MUTATE,
    url: '/v1/agent/join/*',
    read: 'write',
    acl: requires('agent', 'write', agentNode),
    summary: 'join a cluster through a server address',
    handler: join,
  },
  {
    method: MUTATE,
    url: '/v1/agent/force-leave/*',
    read: 'write',
    acl: requires('operator', 'write', { doc: 'the cluster', of: () => '' }),
    summary: 'remove a server from the cluster',
    handler: forceLeave,
  },
];

function raftStats(ctx: HttpContext): Record<string, string> {
  const s = ctx.server.status();
  return {
    state: s.role,
    term: String(s.term),
    commit_index: String(s.commit),
    applied_index: String(s.applied),
    last_log_index: String(s.lastIndex),
    num_peers: String(Math.max(0, s.conf.voters.length - 1)),
  };
}

function loadParam(q: Query): number | null {
  const v = param(q, 'load');
  if (v === undefined) return null;
  const n = Number(v);
  if (v === '' || !Number.isFinite(n) || n < 0)
    throw badRequest('load', `"${v}" is not a non-negative number`);
  return n;
}

function nodeOf(ctx: HttpContext, node: string) {
  if (node === ctx.self.name) return ctx.self;
  const n = ctx.server.view.catalog.node(node);
  if (!n) return ctx.self;
  return {
    name: n.name,
    id: n.id,
    address: n.address,
    datacenter: n.datacenter,
    taggedAddresses: n.taggedAddresses,
    meta: n.meta,
  };
}

/**
 * An instance by id: on this server's node first, then on any node (cairn
 * clients may reach any server). If this server has not seen it yet, it
 * catches up with the leader once before answering 404.
 */
async function findInstance(ctx: HttpContext, id: string): Promise<Instance> {
  const find = () => ctx.server.view.catalog.instancesWithId(id, ctx.self.name)[0];
  let inst = find();
  if (!inst) {
    await ctx.server.readBarrier('default');
    inst = find();
  }
  if (!inst)
    throw new HttpError(
      'AGENT_UNKNOWN_SERVICE',
      `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`,
    );
  return inst;
}

async function findCheck(ctx: HttpContext, id: string): Promise<Check> {
  const find = () => ctx.server.view.catalog.checksWithId(id, ctx.self.name)[0];
  let c = find();
  if (!c) {
    await ctx.server.readBarrier('default');
    c = find();
  }
  if (!c)
    throw new HttpError(
      'AGENT_UNKNOWN_CHECK',
      `Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`,
    );
  return c;
}

async function heartbeat(
  ctx: HttpContext,
  checkId: string,
  st: HealthStatus,
  output: string,
  load: number | null,
): Promise<void> {
  const c = await findCheck(ctx, checkId);
  if (c.ttlMs <= 0)
    throw new HttpError('AGENT_CHECK_NOT_TTL', `CheckID "${checkId}" does not have associated TTL`);
  ctx.metrics.heartbeats.inc();
  await ctx.server.heartbeat({ node: c.node, checkId: c.id, status: st, output, load });
}
