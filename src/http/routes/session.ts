import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { parseDuration, type SessionSpec, Topic } from '../../state/index.js';
import { type HttpContext, write } from '../context.js';
import { badRequest, HttpError } from '../errors.js';
import { Fields, jsonBody } from '../fields.js';
import { sessionJson } from '../kv-shapes.js';
import { rest } from '../params.js';
import { name as validName } from '../specs.js';
import { author } from './kv.js';

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

export function sessionRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { server, reads } = ctx;
  const sessions = server.state.sessions;

  app.put('/v1/session/create', async (req) => {
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
  });

  app.put('/v1/session/destroy/*', async (req) => {
    const id = rest(req, 'session id');
    await write(ctx, {
      type: 'sessionEnd',
      ids: [id],
      write: { at: server.now(), author: author(req), keep: ctx.kvHistory },
    });
    return true;
  });

  app.put('/v1/session/renew/*', async (req) => {
    const id = rest(req, 'session id');
    await server.renewSession(id);
    await server.readBarrier('default');
    const s = sessions.get(id);
    if (!s) throw new HttpError(404, `Session id '${id}' not found`);
    return [sessionJson(s)];
  });

  app.get('/v1/session/info/*', (req, reply) => {
    const id = rest(req, 'session id');
    return reads.answer(req, reply, {
      topics: [Topic.sessions],
      shared: true,
      compute: () => {
        const s = sessions.get(id);
        return { index: sessions.index, body: s ? [sessionJson(s)] : [] };
      },
    });
  });

  app.get('/v1/session/node/*', (req, reply) => {
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
  });

  app.get('/v1/session/list', (req, reply) =>
    reads.answer(req, reply, {
      topics: [Topic.sessions],
      shared: true,
      compute: () => ({ index: sessions.index, body: sessions.all().map(sessionJson) }),
    }),
  );
}
