import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpContext } from '../../../src/http/context.js';
import {
  methodsOf,
  type RegisteredRoute,
  ROUTE_TABLE,
  registeredRoutes,
  renderRouteTable,
} from '../../../src/http/routes/index.js';
import { repoRoot } from '../../support/processes.js';
import { appWithoutServer, fakeRequest } from '../support.js';

describe('the route table', () => {
  let built: ReturnType<typeof appWithoutServer>;
  let routes: readonly RegisteredRoute[];

  beforeAll(async () => {
    built = appWithoutServer();
    await built.app.ready();
    routes = registeredRoutes(built.app);
  });
  afterAll(async () => {
    await built.app.close();
  });

  it('declares every route fastify has (HEAD and 405/OPTIONS answers derive from declared ones)', () => {
    expect(routes.length).toBeGreaterThan(ROUTE_TABLE.length);
    const undeclared = routes.filter((r) => {
      if (r.derived) return !ROUTE_TABLE.some((e) => e.url === r.url);
      if (!r.entry) return true;
      // fastify adds HEAD for every GET, with the GET's config.
      const method = r.method === 'HEAD' ? 'GET' : r.method;
      return r.entry.url !== r.url || !methodsOf(r.entry).includes(method as never);
    });
    expect(undeclared.map((r) => `${r.method} ${r.url}`)).toEqual([]);
  });

  it('registers every entry, once per method and path', () => {
    const keys = ROUTE_TABLE.flatMap((e) => methodsOf(e).map((m) => `${m} ${e.url}`));
    expect(new Set(keys).size).toBe(keys.length);
    const registered = new Set(routes.filter((r) => r.entry).map((r) => `${r.method} ${r.url}`));
    for (const k of keys) expect(registered.has(k), k).toBe(true);
  });

  it('gives every route a permission and a read mode, and only reads filter', () => {
    for (const e of ROUTE_TABLE) {
      expect(e.acl.doc, e.url).not.toBe('');
      expect(e.summary, e.url).not.toBe('');
      if (e.acl.filters.length > 0) expect(methodsOf(e), e.url).toEqual(['GET']);
      const writes = methodsOf(e).some((m) => m === 'PUT' || m === 'POST' || m === 'DELETE');
      if (writes) expect(e.read, e.url).toBe('write');
    }
  });

  it('docs/routes.md is what the table renders (regenerate with node dist/scripts/docs.js)', () => {
    const onDisk = readFileSync(join(repoRoot, 'docs', 'routes.md'), 'utf8');
    expect(onDisk).toBe(renderRouteTable(ROUTE_TABLE));
  });
});

describe('declared permissions as functions of the request', () => {
  const ctx = {
    self: { name: 'node-1' },
    server: {
      view: {
        catalog: { instancesWithId: () => [], checksWithId: () => [] },
        sessions: { get: () => undefined },
      },
    },
  } as unknown as HttpContext;
  const entry = (method: string, url: string) => {
    const e = ROUTE_TABLE.find((r) => r.url === url && methodsOf(r).includes(method as never));
    if (!e) throw new Error(`no entry for ${method} ${url}`);
    return e;
  };

  it('KV: read a key, list with ?recurse or ?keys, write with PUT and DELETE', () => {
    const get = entry('GET', '/v1/kv/*');
    expect(get.read).toBe('blocking');
    expect(get.acl.needs(fakeRequest({ rest: 'app/db' }), ctx)).toEqual([
      { resource: 'key', access: 'read', segment: 'app/db' },
    ]);
    expect(get.acl.needs(fakeRequest({ rest: 'app/', query: { recurse: '' } }), ctx)).toEqual([
      { resource: 'key', access: 'list', segment: 'app/' },
    ]);
    expect(get.acl.needs(fakeRequest({ rest: 'app/', query: { keys: 'true' } }), ctx)[0]?.access).toBe(
      'list',
    );
    expect(entry('PUT', '/v1/kv/*').acl.needs(fakeRequest({ rest: 'k' }), ctx)).toEqual([
      { resource: 'key', access: 'write', segment: 'k' },
    ]);
    expect(entry('DELETE', '/v1/kv/*').acl.needs(fakeRequest({ rest: 'k' }), ctx)[0]?.access).toBe('write');
  });

  it('agent service register needs service:write on the body name; operator and agent routes', () => {
    const reg = entry('PUT', '/v1/agent/service/register');
    expect(reg.acl.needs(fakeRequest({ body: { name: 'web', Port: 80 } }), ctx)).toEqual([
      { resource: 'service', access: 'write', segment: 'web' },
    ]);
    expect(entry('GET', '/v1/operator/raft/configuration').acl.needs(fakeRequest({}), ctx)).toEqual([
      { resource: 'operator', access: 'read', segment: '' },
    ]);
    expect(entry('DELETE', '/v1/operator/raft/peer').acl.needs(fakeRequest({}), ctx)[0]?.access).toBe(
      'write',
    );
    expect(entry('GET', '/v1/agent/metrics').acl.needs(fakeRequest({}), ctx)).toEqual([
      { resource: 'agent', access: 'read', segment: 'node-1' },
    ]);
    expect(entry('GET', '/v1/status/leader').acl.needs(fakeRequest({}), ctx)).toEqual([]);
  });

  it('catalog services needs nothing but filters by service:read; catalog register needs node and service', () => {
    const services = entry('GET', '/v1/catalog/services');
    expect(services.acl.needs(fakeRequest({}), ctx)).toEqual([]);
    expect(services.acl.filters).toEqual(['service']);
    const reg = entry('PUT', '/v1/catalog/register');
    expect(
      reg.acl.needs(
        fakeRequest({ body: { Node: 'n1', Address: '10.0.0.1', Service: { Service: 'db' } } }),
        ctx,
      ),
    ).toEqual([
      { resource: 'node', access: 'write', segment: 'n1' },
      { resource: 'service', access: 'write', segment: 'db' },
    ]);
  });

  it('a transaction needs each operation rule; an unreadable body needs nothing (the handler refuses it)', () => {
    const txn = entry('PUT', '/v1/txn');
    const body = [
      { KV: { Verb: 'get', Key: 'a' } },
      { KV: { Verb: 'get-tree', Key: 'b/' } },
      { KV: { Verb: 'set', Key: 'c', Value: '' } },
    ];
    expect(txn.acl.needs(fakeRequest({ body }), ctx)).toEqual([
      { resource: 'key', access: 'read', segment: 'a' },
      { resource: 'key', access: 'list', segment: 'b/' },
      { resource: 'key', access: 'write', segment: 'c' },
    ]);
    expect(txn.acl.needs({ body: Buffer.from('{not json') } as never, ctx)).toEqual([]);
  });

  it('every declared need names a resource the entry lists', () => {
    for (const e of ROUTE_TABLE) {
      for (const n of e.acl.needs(fakeRequest({ rest: 'x', body: {} }), ctx)) {
        expect(e.acl.resources, `${e.url}`).toContain(n.resource);
      }
    }
  });
});
