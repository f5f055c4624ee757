import type { FastifyReply, FastifyRequest } from 'fastify';
import { Topic } from '../../state/index.js';
import { type HttpContext, writeResult } from '../context.js';
import { badRequest, HttpError } from '../errors.js';
import { kvJson, versionJson } from '../kv-shapes.js';
import { flag, param, type Query, query } from '../params.js';
import { pathRest, readOrList, requires } from './acl.js';
import type { Route } from './types.js';

/** A KV key from the path: everything after /v1/kv/, decoded. */
function keyOf(req: FastifyRequest): string {
  return (req.params as Record<string, string>)['*'] ?? '';
}

function uintParam(q: Query, name: string): number | null {
  if (q[name] === undefined) return null;
  const v = param(q, name) ?? '';
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw badRequest(name, `"${v}" is not a non-negative integer`);
  return Number(v);
}

function bodyBytes(req: FastifyRequest): Uint8Array {
  const b = req.body;
  if (b === undefined || b === null) return new Uint8Array(0);
  if (Buffer.isBuffer(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return Buffer.from(String(b));
}

export function author(req: FastifyRequest): string {
  const a = req.headers['x-cairn-author'];
  const v = Array.isArray(a) ? a[0] : a;
  return (v ?? '').slice(0, 256);
}

const writeInfo = (req: FastifyRequest, ctx: HttpContext) => ({
  at: ctx.server.now(),
  author: author(req),
  keep: ctx.kvHistory,
  maxKeys: ctx.kvMaxKeys,
});

function get(req: FastifyRequest, reply: FastifyReply, ctx: HttpContext) {
  const { reads } = ctx;
  const kv = ctx.server.view.kv;
  const key = keyOf(req);
  const q = query(req);
  const recurse = flag(q, 'recurse');
  const keys = flag(q, 'keys');
  if (key === '' && !recurse && !keys) throw new HttpError('HTTP_MISSING_PARAM', 'Missing key name');
  if (flag(q, 'history')) {
    return reads.answer(req, reply, {
      topics: [Topic.kvKey(key)],
      shared: true,
      compute: () => ({
        index: kv.keyIndex(key),
        body: kv
          .versions(key)
          .map((v) => versionJson(key, v))
          .reverse(),
      }),
    });
  }
  const version = uintParam(q, 'version');
  if (version !== null) {
    return reads.answer(req, reply, {
      topics: [Topic.kvKey(key)],
      shared: true,
      compute: () => {
        const v = kv.versions(key).find((x) => x.index === version);
        return v
          ? { index: kv.keyIndex(key), body: versionJson(key, v) }
          : { index: kv.keyIndex(key), status: 404, body: '' };
      },
    });
  }
  if (keys) {
    const sep = param(q, 'separator') ?? '';
    return reads.answer(req, reply, {
      topics: [Topic.kvPrefix(key)],
      shared: true,
      compute: () => {
        const out: string[] = [];
        let last = '';
        for (const e of kv.list(key)) {
          let k = e.key;
          if (sep !== '') {
            const at = k.indexOf(sep, key.length);
            if (at >= 0) k = k.slice(0, at + sep.length);
          }
          if (k !== last) out.push(k);
          last = k;
        }
        if (out.length === 0 && key !== '') return { index: kv.prefixIndex(key), status: 404, body: '' };
        return { index: kv.prefixIndex(key), body: out };
      },
    });
  }
  if (recurse) {
    return reads.answer(req, reply, {
      topics: [Topic.kvPrefix(key)],
      shared: true,
      compute: () => {
        const list = kv.list(key).map(kvJson);
        return list.length === 0
          ? { index: kv.prefixIndex(key), status: 404, body: '' }
          : { index: kv.prefixIndex(key), body: list };
      },
    });
  }
  const raw = flag(q, 'raw');
  return reads.answer(req, reply, {
    topics: [Topic.kvKey(key)],
    shared: !raw,
    compute: () => {
      const e = kv.get(key);
      if (!e) return { index: kv.keyIndex(key), status: 404, body: '' };
      if (raw)
        return {
          index: e.modifyIndex,
          body: Buffer.from(e.value),
          headers: { 'content-type': 'application/octet-stream' },
        };
      return { index: e.modifyIndex, body: [kvJson(e)] };
    },
  });
}

async function put(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const { server } = ctx;
  const kv = server.view.kv;
  const key = keyOf(req);
  if (key === '') throw new HttpError('HTTP_MISSING_PARAM', 'Missing key name');
  if (key.length > 512) throw badRequest('key', 'longer than 512 characters');
  const q = query(req);
  const cas = uintParam(q, 'cas');
  const acquire = param(q, 'acquire') ?? null;
  const release = param(q, 'release') ?? null;
  if (acquire !== null && release !== null)
    throw new HttpError('HTTP_CONFLICTING_PARAMS', 'Conflicting flags: acquire and release');
  if (acquire === '') throw badRequest('acquire', 'a session ID is required');
  if (release === '') throw badRequest('release', 'a session ID is required');
  const rollback = uintParam(q, 'rollback');
  let value = bodyBytes(req);
  let flags = uintParam(q, 'flags') ?? 0;
  if (rollback !== null) {
    await server.readBarrier('default');
    const v = kv.versions(key).find((x) => x.index === rollback);
    if (!v)
      throw new HttpError('KV_NO_SUCH_VERSION', `key "${key}" has no version ${rollback} in its history`);
    if (v.op === 'delete' || v.value === null)
      throw badRequest('rollback', `version ${rollback} is a delete; DELETE the key instead`);
    value = v.value;
    flags = q.flags === undefined ? v.flags : flags;
  }
  if (value.byteLength > ctx.kvMaxValueBytes) {
    throw new HttpError('KV_VALUE_TOO_LARGE', `Value exceeds ${ctx.kvMaxValueBytes} byte limit`);
  }
  const r = await writeResult(ctx, {
    type: 'kvSet',
    key,
    value,
    flags,
    cas,
    acquire,
    release,
    write: writeInfo(req, ctx),
  });
  return r.value === true;
}

async function del(req: FastifyRequest, _reply: FastifyReply, ctx: HttpContext) {
  const key = keyOf(req);
  const q = query(req);
  const recurse = flag(q, 'recurse');
  if (key === '' && !recurse) throw new HttpError('HTTP_MISSING_PARAM', 'Missing key name');
  const cas = uintParam(q, 'cas');
  if (cas !== null && recurse)
    throw new HttpError('HTTP_CONFLICTING_PARAMS', 'Conflicting flags: cas and recurse');
  const r = await writeResult(ctx, { type: 'kvDelete', key, recurse, cas, write: writeInfo(req, ctx) });
  return r.value === true;
}

const key = pathRest('key');
const readKey = readOrList('key', key, ['recurse', 'keys']);
const writeKey = requires('key', 'write', key);

/** /v1/kv: Consul's key/value store, with cairn's history (`?history`, `?version`, `?rollback`). */
export const kvRoutes: readonly Route[] = [
  {
    method: 'GET',
    url: '/v1/kv/',
    read: 'blocking',
    acl: readKey,
    summary: 'list keys from the root (?recurse, ?keys)',
    handler: get,
  },
  {
    method: 'GET',
    url: '/v1/kv/*',
    read: 'blocking',
    acl: readKey,
    summary: 'read a key, or list a prefix',
    handler: get,
  },
  {
    method: 'PUT',
    url: '/v1/kv/*',
    read: 'write',
    acl: writeKey,
    summary: 'write a key (?cas, ?acquire, ?release, ?rollback)',
    handler: put,
  },
  {
    method: 'DELETE',
    url: '/v1/kv/',
    read: 'write',
    acl: writeKey,
    summary: 'delete every key (?recurse)',
    handler: del,
  },
  {
    method: 'DELETE',
    url: '/v1/kv/*',
    read: 'write',
    acl: writeKey,
    summary: 'delete a key, or a prefix with ?recurse',
    handler: del,
  },
];
