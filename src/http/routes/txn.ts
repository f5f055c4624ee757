import type { FastifyReply, FastifyRequest } from 'fastify';
import { TXN_VERBS, type TxnOp } from '../../state/index.js';
import { type HttpContext, writeResult } from '../context.js';
import { badRequest, HttpError } from '../errors.js';
import { Fields, jsonBody } from '../fields.js';
import { kvJson } from '../kv-shapes.js';
import { custom } from './acl.js';
import { author } from './kv.js';
import type { Access, Permission, Route } from './types.js';

const MAX_OPS = 64;

/** One `{"KV": {...}}` operation of a transaction body, validated. */
function txnOp(f: Fields, i: number, maxValue: number): TxnOp {
  const kv = f.obj('KV');
  if (!kv) {
    for (const other of ['Node', 'Service', 'Check', 'Session']) {
      if (f.has(other)) throw badRequest(`[${i}].${other}`, 'cairn transactions support KV operations only');
    }
    throw badRequest(`[${i}]`, 'expected a {"KV": {...}} operation');
  }
  const verb = kv.str('Verb');
  if (!(TXN_VERBS as readonly string[]).includes(verb)) {
    throw badRequest(`[${i}].KV.Verb`, `"${verb}" is not one of ${TXN_VERBS.join(', ')}`);
  }
  const key = kv.str('Key');
  if (key === '' && verb !== 'get-tree' && verb !== 'delete-tree')
    throw badRequest(`[${i}].KV.Key`, 'is required');
  let value: Uint8Array | null = null;
  const raw = kv.raw('Value');
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(raw) || raw.length % 4 !== 0) {
      throw badRequest(`[${i}].KV.Value`, 'is not valid base64');
    }
    value = Buffer.from(raw, 'base64');
    if (value.byteLength > maxValue)
      throw new HttpError('TXN_VALUE_TOO_LARGE', `exceeds ${maxValue} byte limit`, `[${i}].KV.Value`);
  }
  const session = kv.str('Session');
  if ((verb === 'lock' || verb === 'unlock' || verb === 'check-session') && session === '') {
    throw badRequest(`[${i}].KV.Session`, `is required for ${verb}`);
  }
  return {
    verb: verb as TxnOp['verb'],
    key,
    value,
    flags: kv.int('Flags', 0),
    index: kv.int('Index', 0),
    session,
  };
}

async function txn(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const body = jsonBody(req.body);
  if (!Array.isArray(body)) throw badRequest('body', 'expected a JSON list of operations');
  if (body.length > MAX_OPS)
    throw new HttpError(
      'TXN_TOO_MANY_OPS',
      `Transaction contains too many operations (${body.length} > ${MAX_OPS})`,
    );
  const ops = body.map((op, i) => txnOp(new Fields(op, `[${i}]`), i, ctx.kvMaxValueBytes));
  const r = await writeResult(ctx, {
    type: 'txn',
    ops,
    write: { at: ctx.server.now(), author: author(req), keep: ctx.kvHistory, maxKeys: ctx.kvMaxKeys },
  });
  const out = r.value;
  if (typeof out !== 'object') throw new HttpError('TXN_NO_RESULTS', 'transaction answered without results');
  if (!out.committed) {
    reply.code(409);
    return { Results: null, Errors: out.errors.map((e) => ({ OpIndex: e.opIndex, What: e.what })) };
  }
  reply.header('X-Consul-Index', String(Math.max(1, r.index)));
  return { Results: out.results.map((e) => ({ KV: kvJson(e) })), Errors: null };
}

const READ_VERBS: readonly string[] = ['get', 'get-tree', 'check-index', 'check-session', 'check-not-exists'];

/** Each KV operation needs the rule its verb would need as a request of its own. */
function txnNeeds(req: FastifyRequest): Permission[] {
  let body: unknown;
  try {
    body = jsonBody(req.body, []);
  } catch {
    return [];
  }
  if (!Array.isArray(body)) return [];
  return body.flatMap((op): Permission[] => {
    try {
      const kv = new Fields(op, '').obj('KV');
      if (!kv) return [];
      const verb = kv.str('Verb');
      const access: Access = verb === 'get-tree' ? 'list' : READ_VERBS.includes(verb) ? 'read' : 'write';
      return [{ resource: 'key', access, segment: kv.str('Key') }];
    } catch {
      return [];
    }
  });
}

export const txnRoutes: readonly Route[] = [
  {
    method: 'PUT',
    url: '/v1/txn',
    read: 'write',
    acl: custom(
      'per KV operation: key:read (get, check-*), key:list (get-tree) or key:write (the rest) on its Key',
      ['key'],
      txnNeeds,
    ),
    summary: 'apply KV operations atomically',
    handler: txn,
  },
];
