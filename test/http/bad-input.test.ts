import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessCluster, type InProcessServer } from '../support/in-process.js';

const WRITES = [
  'PUT /v1/agent/service/register',
  'PUT /v1/agent/service/register?replace-existing-checks=maybe',
  'PUT /v1/agent/service/deregister/',
  'PUT /v1/agent/service/maintenance/',
  'PUT /v1/agent/maintenance',
  'PUT /v1/agent/check/register',
  'PUT /v1/agent/check/deregister/',
  'PUT /v1/agent/check/pass/',
  'PUT /v1/agent/check/warn/',
  'PUT /v1/agent/check/fail/',
  'PUT /v1/agent/check/update/',
  'PUT /v1/catalog/register',
  'PUT /v1/catalog/deregister',
  'PUT /v1/agent/force-leave/',
  'DELETE /v1/operator/raft/peer',
  'GET /v1/health/service/',
  'GET /v1/catalog/service/',
  'GET /v1/health/state/',
  'GET /v1/catalog/nodes',
] as const;

/** JSON that looks like a registration, with every field possibly wrong. */
const registrationish = fc.record(
  {
    Name: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    ID: fc.oneof(fc.string(), fc.constant(['x'])),
    Port: fc.oneof(fc.integer({ min: -10, max: 70_000 }), fc.string(), fc.double()),
    Tags: fc.oneof(fc.array(fc.string()), fc.string(), fc.array(fc.integer())),
    Meta: fc.oneof(
      fc.dictionary(fc.string(), fc.string()),
      fc.array(fc.string()),
      fc.dictionary(fc.string(), fc.integer()),
    ),
    Weights: fc.oneof(
      fc.record({ Passing: fc.integer(), Warning: fc.oneof(fc.integer(), fc.string()) }),
      fc.string(),
    ),
    Check: fc.oneof(
      fc.record(
        {
          TTL: fc.oneof(fc.string(), fc.integer(), fc.constant('10s')),
          Status: fc.string(),
          HTTP: fc.string(),
        },
        { requiredKeys: [] },
      ),
      fc.string(),
    ),
    Checks: fc.oneof(
      fc.array(fc.record({ TTL: fc.string(), CheckID: fc.string() }, { requiredKeys: [] })),
      fc.integer(),
    ),
    Node: fc.oneof(fc.string(), fc.integer()),
    Address: fc.oneof(fc.string(), fc.boolean()),
    Service: fc.oneof(
      fc.record({ Service: fc.string(), Port: fc.integer() }, { requiredKeys: [] }),
      fc.string(),
    ),
    Status: fc.string(),
    Output: fc.oneof(fc.string(), fc.integer()),
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  fc.constant(''),
  fc.string(),
  fc.json(),
  registrationish.map((o) => JSON.stringify(o)),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')),
);

const segment = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('web', 'service:web-1', '%', '..', 'a/b', 'x%20y'),
);
const queryString = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        'index',
        'wait',
        'filter',
        'passing',
        'lb',
        'key',
        'limit',
        'stale',
        'consistent',
        'tag',
        'node-meta',
        'enable',
        'note',
        'id',
        'address',
        'load',
      ),
      fc.string({ maxLength: 20 }),
    ),
    { maxLength: 4 },
  )
  .map((kv) => kv.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'));

/**
 * Random and malformed bodies, paths and query strings on the API: every
 * answer is 2xx or 4xx (a 500 only where Consul's text is the contract), and
 * the server keeps working.
 */
describe('bad input never crashes a server or earns a 5xx', () => {
  let c: InProcessCluster;
  let s: InProcessServer;

  beforeAll(async () => {
    c = await InProcessCluster.start();
    s = c.dev;
    await s.put('/v1/agent/service/register', {
      Name: 'web',
      ID: 'web-1',
      Port: 80,
      Check: { TTL: '30s' },
    });
  });

  afterAll(async () => {
    await c?.stop();
  });

  it('answers random requests with 2xx/4xx only', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...WRITES), segment, queryString, body, async (route, seg, q, b) => {
        const [method, path] = route.split(' ') as [string, string];
        // A valid ?index on a read blocks for its wait (5 minutes by default): keep it short, so
        // the test checks answers, not how long a random blocking query may hold.
        const query =
          method === 'GET' && /(^|&)index=/.test(q)
            ? [...q.split('&').filter((p) => !p.startsWith('wait=')), 'wait=10ms'].join('&')
            : q;
        const url = `${path}${path.endsWith('/') ? encodeURIComponent(seg) : ''}${query ? `?${query}` : ''}`;
        const r = await s.request(
          method,
          url.replace(/\?$/, ''),
          method === 'GET' || method === 'DELETE' ? undefined : b,
        );
        const allowed500 = r.status === 500 && r.text.includes('does not have associated TTL');
        expect(
          r.status < 500 || allowed500,
          `${method} ${url} with ${JSON.stringify(b).slice(0, 200)} → ${r.status} ${r.text}`,
        ).toBe(true);
        if (r.status === 400) expect(r.text.length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
    // Still serving: a fresh registration works end to end (the random calls may have removed web-1).
    const reg = await s.request('PUT', '/v1/agent/service/register', {
      Name: 'after',
      ID: 'after-1',
      Port: 1,
      Check: { TTL: '30s' },
    });
    expect(reg.status, reg.text).toBe(200);
    const alive = await s.request('PUT', '/v1/agent/check/pass/service:after-1');
    expect(alive.status).toBe(200);
    // Its own check is passing. (`?passing` could still leave it out: the random calls may have
    // registered a critical node-level check on the agent's node, which fails every service there.)
    const checks = await s.request<{ CheckID: string; Status: string }[]>('GET', '/v1/health/checks/after');
    expect(checks.json.map((c) => [c.CheckID, c.Status])).toEqual([['service:after-1', 'passing']]);
  }, 120_000);

  it('a body over the limit is a 413', async () => {
    const big = JSON.stringify({ Name: 'x', Meta: { k: 'v'.repeat(2 * 1024 * 1024) } });
    const r = await s.request('PUT', '/v1/agent/service/register', big);
    expect(r.status).toBe(413);
  });
});

describe('wrong methods and unknown paths answer as Consul does', () => {
  let c: InProcessCluster;
  let s: InProcessServer;

  beforeAll(async () => {
    c = await InProcessCluster.start();
    s = c.dev;
  });

  afterAll(async () => {
    await c?.stop();
  });

  it('a known path with the wrong method is a 405 naming the method, with Allow', async () => {
    const cases: [string, string, string][] = [
      ['POST', '/v1/kv/some/key', 'OPTIONS,GET,PUT,DELETE'],
      ['DELETE', '/v1/catalog/services', 'OPTIONS,GET'],
      ['GET', '/v1/agent/service/register', 'OPTIONS,PUT'],
      ['PATCH', '/v1/txn', 'OPTIONS,PUT'],
    ];
    for (const [method, path, allow] of cases) {
      const r = await s.request(method, path);
      expect(r.status, `${method} ${path}: ${r.text}`).toBe(405);
      expect(r.text).toBe(`method ${method} not allowed`);
      expect(r.headers.get('allow')).toBe(allow);
    }
    // Nothing was written by the refused POST.
    expect((await s.request('GET', '/v1/kv/some/key')).status).toBe(404);
  });

  it('OPTIONS answers 200 with the Allow header; unknown paths stay 404', async () => {
    const opt = await s.request('OPTIONS', '/v1/kv/x');
    expect(opt.status).toBe(200);
    expect(opt.headers.get('allow')).toBe('OPTIONS,GET,PUT,DELETE');
    const unknown = await s.request('GET', '/v1/no/such/thing');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe('Invalid URL path: not a recognized HTTP API endpoint');
    expect((await s.request('PUT', '/v1/')).status).toBe(404);
  });
});
