import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseDuration, type SessionSpec, Topic } from '../../state/index.js';
import { type HttpContext, write } from '../context.js';
import { badRequest, HttpError } from '../errors.js';
import { Fields, jsonBody } from '../fields.js';
import { sessionJson } from '../kv-shapes.js';
import { rest } from '../params.js';
import { name as validName } from '../specs.js';
import { bodyField, filtered, pathRest, requires, type Segment } from './acl.js';
import { author } from './kv.js';
import type { Route } from './types.js';

const MAX_LOCK_DELAY_MS = 60_000;

/** Consul's LockDelay: a duration string, or a number that is seconds when small and nanoseconds otherwise. */
function lockDelay(f: Fields): number {
  const raw = f.raw('LockDelay');
  if (raw === undefined || raw === null) return 15_000;
  let ms: number | null;
  if (typeof raw === 'number') ms = raw < 1000 ? raw * 1000 : raw / 1e6;
  else if (typeof raw === 'string') ms = parseDuration(raw);
  else ms = null;
  if (ms === null || !Number.isFinite(ms) || ms < 0)
    // JSON for objects: one such as {"toString": 0} cannot be turned into a string.
    throw badRequest(
      'LockDelay',
      `${typeof raw === 'object' ? JSON.stringify(raw) : `"${String(raw)}"`} is not a duration`,
    );
  if (ms > MAX_LOCK_DELAY_MS) throw badRequest('LockDelay', 'must be at most 60s');
  return ms;
}

async function create(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const { server } = ctx;
  const f = new Fields(jsonBody(req.body, {}), '');
  const ttlRaw = f.str('TTL');
  let ttlMs = 0;
  if (ttlRaw !== '') {
    const t = parseDuration(ttlRaw);
    if (t === null) throw badRequest('TTL', `"${ttlRaw}" is not a duration`);
    if (t !== 0 && (t < 10_000 || t > 86_400_000)) throw badRequest('TTL', 'must be between 10s and 24h');
    ttlMs = t;
  }
  const behavior = f.str('Behavior') || 'release';
  if (behavior !== 'release' && behavior !== 'delete')
    throw badRequest('Behavior', `"${behavior}" is not release or delete`);
  const node = f.str('Node') || ctx.self.name;
  validName(node, 'Node');
  const nodeChecks = f.has('NodeChecks') ? f.strList('NodeChecks') : f.strList('Checks');
  const serviceChecks = f.list('ServiceChecks').map((c) => ({ id: c.str('ID') }));
  for (const [i, c] of serviceChecks.entries())
    if (c.id === '') throw badRequest(`ServiceChecks[${i}].ID`, 'is required');
  const spec: SessionSpec = {
    id: randomUUID(),
    name: f.str('Name'),
    node,
    lockDelayMs: lockDelay(f),
    behavior,
    ttlMs,
    nodeChecks,
    serviceChecks,
  };
  await write(ctx, {
    type: 'sessionCreate',
    session: spec,
    write: { at: server.now(), author: author(req), keep: ctx.kvHistory },
  });
  return { ID: spec.id };
}

async function destroy(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const { server } = ctx;
  const id = rest(req, 'session id');
  await write(ctx, {
    type: 'sessionEnd',
    ids: [id],
    write: { at: server.now(), author: author(req), keep: ctx.kvHistory },
  });
  return true;
}

async function renew(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const { server } = ctx;
  const sessions = server.view.sessions;
  const id = rest(req, 'session id');
  await server.renewSession(id);
  await server.readBarrier('default');
  const s = sessions.get(id);
  if (!s) throw new HttpError('SESSION_NOT_FOUND', `Session id '${id}' not found`);
  return [sessionJson(s)];
}

function info(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const { reads } = ctx;
  const sessions = ctx.server.view.sessions;
  const id = rest(req, 'session id');
  return reads.answer(req, reply, {
    topics: [Topic.sessions],
    shared: true,
    compute: () => {
      const s = sessions.get(id);
      return { index: sessions.index, body: s ? [sessionJson(s)] : [] };
    },
  });
}

function onNode(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const { reads } = ctx;
  const sessions = ctx.server.view.sessions;
  const node = rest(req, 'node name');
  return reads.answer(req, reply, {
    topics: [Topic.sessions],
    shared: true,
    compute: () => ({
      index: sessions.index,
      body: sessions
        .all()
        .filter((s) => s.node === node)
        .map(sessionJson),
    }),
  });
}

function list(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const sessions = ctx.server.view.sessions;
  return ctx.reads.answer(req, reply, {
    topics: [Topic.sessions],
    shared: true,
    compute: () => ({ index: sessions.index, body: sessions.all().map(sessionJson) }),
  });
}

/** Consul checks session rules against the node a session belongs to. */
const nodeOfSessionInPath: Segment = {
  doc: 'the node of the session whose ID is in the path',
  of: (req, ctx) => ctx.server.view.sessions.get(pathRest('').of(req, ctx))?.node ?? '',
};
const nodeInBody: Segment = {
  doc: "the body's Node (this agent's node when absent)",
  of: (req, ctx) => bodyField(['Node'], 'node name').of(req, ctx) || ctx.self.name,
};

export const sessionRoutes: readonly Route[] = [
  {
    method: 'PUT',
    url: '/v1/session/create',
    read: 'write',
    acl: requires('session', 'write', nodeInBody),
    summary: 'create a session',
    handler: create,
  },
  {
    method: 'PUT',
    url: '/v1/session/destroy/*',
    read: 'write',
    acl: requires('session', 'write', nodeOfSessionInPath),
    summary: 'destroy a session',
    handler: destroy,
  },
  {
    method: 'PUT',
    url: '/v1/session/renew/*',
    read: 'write',
    acl: requires('session', 'write', nodeOfSessionInPath),
    summary: "renew a session's TTL",
    handler: renew,
  },
  {
    method: 'GET',
    url: '/v1/session/info/*',
    read: 'blocking',
    acl: requires('session', 'read', nodeOfSessionInPath),
    summary: 'one session',
    handler: info,
  },
  {
    method: 'GET',
    url: '/v1/session/node/*',
    read: 'blocking',
    acl: requires('session', 'read', pathRest('node name')),
    summary: "a node's sessions",
    handler: onNode,
  },
  {
    method: 'GET',
    url: '/v1/session/list',
    read: 'blocking',
    acl: filtered('session'),
    summary: 'every session',
    handler: list,
  },
];
