import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand } from '../../src/state/commands.js';
import { dumpCatalog, Harness, nodeSpec, register, serviceSpec, ttlCheck } from './support.js';

describe('commands encoding', () => {
  it('round-trips every command shape through msgpack', () => {
    const cmds = [
      register('n1', serviceSpec('s1', 'web', { tags: ['a'] }), [ttlCheck('c1', 's1')]),
      { type: 'deregisterService', node: 'n1', serviceId: 's1' } as const,
      { type: 'checkStatus', at: 5, updates: [{ node: 'n', checkId: 'c', status: 'passing', output: 'x' }] },
      { type: 'loads', reports: [{ node: 'n', serviceId: 's', load: 0.5 }] },
      { type: 'memberUpsert', name: 'a', serverAddress: 'x:1', httpAddress: 'x:2', datacenter: 'dc1' },
    ] as const;
    for (const c of cmds) expect(decodeCommand(encodeCommand(c))).toEqual(c);
  });
});

describe('RegistryState.apply basics', () => {
  it('tracks the applied index, starting at 0', () => {
    const h = new Harness();
    expect(h.state.applied).toBe(0);
    h.ok(register('n1', null));
    h.ok(register('n2', null));
    expect(h.state.applied).toBe(2);
  });

  it('tells an ordinary failed result (a deregister of nothing) from a command it cannot read', () => {
    const h = new Harness();
    const missing = h.state.apply(encodeCommand({ type: 'deregisterNode', node: 'ghost' }), 1);
    expect(missing).toMatchObject({ ok: false, kind: 'notFound' });
    expect(h.state.applied).toBe(1);
  });
});
describe('register', () => {
  it('creates the node, the instance and its TTL checks; a check without status starts critical', () => {
    const h = new Harness();
    const node = nodeSpec('n1', {
      address: '10.1.1.1',
      meta: { rack: 'r1' },
      taggedAddresses: { lan: '10.1.1.1' },
    });
    const svc = serviceSpec('web-1', 'web', { tags: ['v1', 'blue'], port: 9000, meta: { k: 'v' } });
    const r = h.apply(
      register(
        node,
        svc,
        [
          ttlCheck('c1', 'web-1', {
            ttlMs: 15_000,
            deregisterCriticalAfterMs: 60_000,
            notes: 'n',
            output: 'o',
          }),
          ttlCheck('c2', 'web-1', { status: 'passing' }),
          ttlCheck('node-check', '', { type: '', ttlMs: 0 }),
        ],
        { at: 4242 },
      ),
    );
    expect(r).toEqual({ ok: true });
    const cat = h.catalog;
    expect(cat.node('n1')).toEqual({
      id: 'id-n1',
      name: 'n1',
      address: '10.1.1.1',
      datacenter: 'dc1',
      taggedAddresses: { lan: '10.1.1.1' },
      meta: { rack: 'r1' },
      createIndex: 1,
      modifyIndex: 1,
    });
    expect(cat.instance('n1', 'web-1')).toEqual({
      node: 'n1',
      id: 'web-1',
      name: 'web',
      tags: ['v1', 'blue'],
      address: '',
      port: 9000,
      meta: { k: 'v' },
      weights: { passing: 1, warning: 1 },
      enableTagOverride: false,
      taggedAddresses: {},
      load: null,
      createIndex: 1,
      modifyIndex: 1,
    });
    expect(cat.check('n1', 'c1')).toEqual({
      node: 'n1',
      id: 'c1',
      name: 'check c1',
      status: 'critical',
      notes: 'n',
      output: 'o',
      serviceId: 'web-1',
      serviceName: 'web',
      serviceTags: ['v1', 'blue'],
      type: 'ttl',
      ttlMs: 15_000,
      probe: null,
      deregisterCriticalAfterMs: 60_000,
      statusSince: 4242,
      createIndex: 1,
      modifyIndex: 1,
    });
    expect(cat.check('n1', 'c2')?.status).toBe('passing');
    expect(cat.check('n1', 'node-check')).toMatchObject({ serviceId: '', serviceName: '', serviceTags: [] });
    expect(cat.counts).toEqual({ nodes: 1, instances: 1, checks: 3 });
    expect(cat.indexes).toEqual({ nodes: 1, services: 1, checks: 1 });
    expect(cat.indexOfService('web')).toBe(1);
    expect(cat.indexOfNode('n1')).toBe(1);
    expect(
      cat
        .ttlChecks()
        .map((c) => c.id)
        .sort(),
    ).toEqual(['c1', 'c2']);
  });

  it('keeps the existing status and output when a check is re-registered with status null', () => {
    const h = new Harness();
    h.ok(register('n1', serviceSpec('s1', 'web'), [ttlCheck('c1', 's1')], { at: 100 }));
    h.ok({
      type: 'checkStatus',
      at: 200,
      updates: [{ node: 'n1', checkId: 'c1', status: 'passing', output: 'fine' }],
    });
    const idx = h.ok(
      register('n1', serviceSpec('s1', 'web'), [ttlCheck('c1', 's1', { output: 'ignored', ttlMs: 20_000 })], {
        at: 300,
      }),
    );
    const c = h.catalog.check('n1', 'c1')!;
    expect(c.status).toBe('passing');
    expect(c.output).toBe('fine');
    expect(c.statusSince).toBe(200);
    expect(c.ttlMs).toBe(20_000);
    expect(c.modifyIndex).toBe(idx);
    expect(c.createIndex).toBe(1);
  });

  it('an explicit status on re-registration replaces status and output, and moves statusSince', () => {
    const h = new Harness();
    h.ok(register('n1', serviceSpec('s1', 'web'), [ttlCheck('c1', 's1')], { at: 100 }));
    h.ok(
      register('n1', serviceSpec('s1', 'web'), [ttlCheck('c1', 's1', { status: 'warning', output: 'w' })], {
        at: 500,
      }),
    );
    expect(h.catalog.check('n1', 'c1')).toMatchObject({ status: 'warning', output: 'w', statusSince: 500 });
    // Same explicit status again, later: statusSince stays.
    h.ok(
      register('n1', serviceSpec('s1', 'web'), [ttlCheck('c1', 's1', { status: 'warning', output: 'w2' })], {
        at: 900,
      }),
    );
    expect(h.catalog.check('n1', 'c1')).toMatchObject({ status: 'warning', output: 'w2', statusSince: 500 });
  });

  it('re-registering identical data bumps no index; a change bumps exactly what changed', () => {
    const h = new Harness();
    const cmd = register('n1', serviceSpec('s1', 'web', { tags: ['a'], meta: { x: '1' } }), [
      ttlCheck('c1', 's1'),
    ]);
    h.ok(cmd);
    const before = dumpCatalog(h.state);
    h.ok(cmd);
    h.ok({ ...cmd, at: 99_999 });
    expect(dumpCatalog(h.state)).toEqual(before);
    expect(h.state.applied).toBe(3);

    // Change the port: the instance and the service move; the node and checks do not.
    const i4 = h.ok({
      ...cmd,
      service: serviceSpec('s1', 'web', { tags: ['a'], meta: { x: '1' }, port: 1 }),
    });
    expect(h.catalog.instance('n1', 's1')).toMatchObject({ port: 1, createIndex: 1, modifyIndex: i4 });
    expect(h.catalog.indexOfService('web')).toBe(i4);
    expect(h.catalog.indexes).toEqual({ nodes: 1, services: i4, checks: 1 });
    expect(h.catalog.node('n1')?.modifyIndex).toBe(1);
    expect(h.catalog.check('n1', 'c1')?.modifyIndex).toBe(1);

    // Change the node's address: the node and every service on it move.
    const i5 = h.ok({ ...cmd, node: nodeSpec('n1', { address: '192.168.0.1' }), service: null, checks: [] });
    expect(h.catalog.node('n1')).toMatchObject({ address: '192.168.0.1', createIndex: 1, modifyIndex: i5 });
    expect(h.catalog.indexes.nodes).toBe(i5);
    expect(h.catalog.indexOfService('web')).toBe(i5);
    expect(h.catalog.indexOfNode('n1')).toBe(i5);
    expect(h.catalog.indexes.services).toBe(i4);
  });

  it('a tag change is copied into the checks of the instance and bumps the checks index', () => {
    const h = new Harness();
    h.ok(register('n1', serviceSpec('s1', 'web', { tags: ['a'] }), [ttlCheck('c1', 's1')]));
    const i = h.ok(register('n1', serviceSpec('s1', 'web', { tags: ['b'] }), []));
    expect(h.catalog.check('n1', 'c1')).toMatchObject({ serviceTags: ['b'], modifyIndex: i });
    expect(h.catalog.indexes.checks).toBe(i);
  });

  it('a service rename moves the instance (and its checks) from the old name to the new one', () => {
    const h = new Harness();
    h.ok(register('n1', serviceSpec('s1', 'old', { tags: ['t'] }), [ttlCheck('c1', 's1')]));
    h.ok(register('n2', serviceSpec('s9', 'other'), []));
    const i = h.ok(register('n1', serviceSpec('s1', 'new', { tags: ['t'] }), []));
    const cat = h.catalog;
    expect(cat.instancesOf('old')).toEqual([]);
    expect(cat.instancesOf('new').map((x) => [x.node, x.id, x.createIndex])).toEqual([['n1', 's1', 1]]);
    expect([...cat.serviceNames().keys()]).toEqual(['new', 'other']);
    expect(cat.check('n1', 'c1')).toMatchObject({ serviceName: 'new', modifyIndex: i });
    expect(cat.checksOfService('new').map((c) => c.id)).toEqual(['c1']);
    expect(cat.checksOfService('old')).toEqual([]);
    expect(cat.indexOfService('old')).toBe(i);
    expect(cat.indexOfService('new')).toBe(i);
    expect(cat.indexOfService('other')).toBe(2);
  });

  it('replaceExistingChecks drops the checks of the service that the command does not name', () => {
    const h = new Harness();
    h.ok(
      register('n1', serviceSpec('s1', 'web'), [
        ttlCheck('c1', 's1'),
        ttlCheck('c2', 's1'),
        ttlCheck('c3', 's1'),
        ttlCheck('nc', ''),
      ]),
    );
    h.ok(register('n1', serviceSpec('s2', 'db'), [ttlCheck('d1', 's2')]));
    // Without the flag nothing is dropped.
    h.ok(register('n1', serviceSpec('s1', 'web'), [ttlCheck('c1', 's1')]));
    expect(h.catalog.checksOnNode('n1').map((c) => c.id)).toEqual(['c1', 'c2', 'c3', 'd1', 'nc']);
    const i = h.ok(
      register('n1', serviceSpec('s1', 'web'), [ttlCheck('c1', 's1'), ttlCheck('c4', 's1')], {
        replaceExistingChecks: true,
      }),
    );
    // c2 and c3 gone; the node check and the other service's check stay.
    expect(h.catalog.checksOnNode('n1').map((c) => c.id)).toEqual(['c1', 'c4', 'd1', 'nc']);
    expect(h.catalog.indexes.checks).toBe(i);
    expect(h.catalog.indexOfService('web')).toBe(i);
    expect(h.catalog.indexOfService('db')).toBe(2);
  });

  it('a check naming an unknown service fails with notFound and changes nothing', () => {
    const h = new Harness();
    h.ok(register('n1', serviceSpec('s1', 'web'), [ttlCheck('c1', 's1')]));
    h.ok(register('n2', serviceSpec('s2', 'db'), []));
    const before = dumpCatalog(h.state, ['api']);
    const attempts = [
      // A new service plus a check of another, unknown one.
      register('n1', serviceSpec('s3', 'api'), [ttlCheck('c3', 's3'), ttlCheck('bad', 'ghost')]),
      // No service: a check of an unknown service.
      register('n1', null, [ttlCheck('bad', 'ghost')]),
      // A service that exists, but on another node.
      register('n1', null, [ttlCheck('bad', 's2')]),
      // A node that does not exist yet must not be created either.
      register('n3', serviceSpec('s3', 'api'), [ttlCheck('bad', 's1')]),
      // Even with a node change, nothing moves.
      register(nodeSpec('n1', { address: '1.2.3.4' }), null, [ttlCheck('c1', 's1'), ttlCheck('bad', 'x')]),
    ];
    for (const cmd of attempts) {
      const r = h.apply(cmd);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.kind).toBe('notFound');
        expect(r.message).toContain('bad');
      }
      expect(dumpCatalog(h.state, ['api'])).toEqual(before);
    }
    expect(h.catalog.node('n3')).toBeUndefined();
  });

  it('a check may name the service registered in the same command, or one already on the node', () => {
    const h = new Harness();
    h.ok(register('n1', serviceSpec('s1', 'web'), []));
    expect(
      h.apply(register('n1', serviceSpec('s2', 'db'), [ttlCheck('a', 's2'), ttlCheck('b', 's1')])),
    ).toEqual({
      ok: true,
    });
    expect(h.apply(register('n1', null, [ttlCheck('c', 's1')]))).toEqual({ ok: true });
    expect(h.catalog.check('n1', 'b')?.serviceName).toBe('web');
    expect(h.catalog.check('n1', 'a')?.serviceName).toBe('db');
  });

  it('skipNodeUpdate leaves an existing node alone but still creates a missing one', () => {
    const h = new Harness();
    h.ok(register(nodeSpec('n1', { address: '1.1.1.1' }), null));
    h.ok(
      register(nodeSpec('n1', { address: '2.2.2.2' }), serviceSpec('s1', 'web'), [], {
        skipNodeUpdate: true,
      }),
    );
    expect(h.catalog.node('n1')).toMatchObject({ address: '1.1.1.1', modifyIndex: 1 });
    expect(h.catalog.indexes.nodes).toBe(1);
    const i = h.ok(register(nodeSpec('n2', { address: '3.3.3.3' }), null, [], { skipNodeUpdate: true }));
    expect(h.catalog.node('n2')).toMatchObject({ address: '3.3.3.3', createIndex: i });
  });
});

describe('deregister', () => {
  function seeded(): Harness {
    const h = new Harness();
    h.ok(register('n1', serviceSpec('s1', 'web'), [ttlCheck('c1', 's1'), ttlCheck('nc', '')])); // 1
    h.ok(register('n1', serviceSpec('s2', 'db'), [ttlCheck('d1', 's2')])); // 2
    h.ok(register('n2', serviceSpec('s1', 'web'), [ttlCheck('c1', 's1')])); // 3
    return h;
  }

  it('deregisterService removes the instance and its checks, nothing else', () => {
    const h = seeded();
    const i = h.ok({ type: 'deregisterService', node: 'n1', serviceId: 's1' });
    const cat = h.catalog;
    expect(cat.instance('n1', 's1')).toBeUndefined();
    expect(cat.check('n1', 'c1')).toBeUndefined();
    expect(cat.check('n1', 'nc')).toBeDefined();
    expect(cat.check('n2', 'c1')).toBeDefined();
    expect(cat.instancesOf('web').map((x) => x.node)).toEqual(['n2']);
    expect(cat.instancesOnNode('n1').map((x) => x.id)).toEqual(['s2']);
    expect(cat.indexes).toEqual({ nodes: 3, services: i, checks: i });
    expect(cat.indexOfService('web')).toBe(i);
    expect(cat.indexOfService('db')).toBe(2);
    expect(cat.indexOfNode('n1')).toBe(i);
    expect(cat.indexOfNode('n2')).toBe(3);
  });

  it('deregisterService of an unknown id (or one on another node) is notFound and changes nothing', () => {
    const h = seeded();
    const before = dumpCatalog(h.state);
    for (const [node, serviceId] of [
      ['n1', 'nope'],
      ['n2', 's2'],
      ['ghost', 's1'],
    ] as const) {
      const r = h.apply({ type: 'deregisterService', node, serviceId });
      expect(r).toMatchObject({ ok: false, kind: 'notFound' });
    }
    expect(dumpCatalog(h.state)).toEqual(before);
  });

  it('deregisterCheck removes one check; unknown is notFound', () => {
    const h = seeded();
    const i = h.ok({ type: 'deregisterCheck', node: 'n1', checkId: 'd1' });
    expect(h.catalog.check('n1', 'd1')).toBeUndefined();
    expect(h.catalog.instance('n1', 's2')).toBeDefined();
    expect(h.catalog.indexes.checks).toBe(i);
    expect(h.catalog.indexOfService('db')).toBe(i);
    expect(h.catalog.indexOfService('web')).toBe(3);
    const before = dumpCatalog(h.state);
    expect(h.apply({ type: 'deregisterCheck', node: 'n1', checkId: 'd1' })).toMatchObject({
      ok: false,
      kind: 'notFound',
    });
    expect(h.apply({ type: 'deregisterCheck', node: 'n9', checkId: 'c1' })).toMatchObject({
      ok: false,
      kind: 'notFound',
    });
    expect(dumpCatalog(h.state)).toEqual(before);
  });

  it('deregistering a node check touches every service on that node', () => {
    const h = seeded();
    const i = h.ok({ type: 'deregisterCheck', node: 'n1', checkId: 'nc' });
    expect(h.catalog.indexOfService('web')).toBe(i);
    expect(h.catalog.indexOfService('db')).toBe(i);
  });

  it('deregisterNode removes the node with all its instances and checks', () => {
    const h = seeded();
    const i = h.ok({ type: 'deregisterNode', node: 'n1' });
    const cat = h.catalog;
    expect(cat.node('n1')).toBeUndefined();
    expect(cat.instancesOnNode('n1')).toEqual([]);
    expect(cat.checksOnNode('n1')).toEqual([]);
    expect(cat.counts).toEqual({ nodes: 1, instances: 1, checks: 1 });
    expect([...cat.serviceNames().keys()]).toEqual(['web']);
    expect(cat.indexes).toEqual({ nodes: i, services: i, checks: i });
    expect(cat.indexOfService('web')).toBe(i);
    expect(cat.indexOfService('db')).toBe(i);
    expect(cat.indexOfNode('n1')).toBe(i);
    expect(h.apply({ type: 'deregisterNode', node: 'n1' })).toMatchObject({ ok: false, kind: 'notFound' });
    expect(cat.indexes).toEqual({ nodes: i, services: i, checks: i });
  });

  it('reap deregisters every listed service and ignores those already gone', () => {
    const h = seeded();
    const r = h.apply({
      type: 'reap',
      services: [
        { node: 'n1', serviceId: 's1' },
        { node: 'n1', serviceId: 'gone' },
        { node: 'n2', serviceId: 's1' },
      ],
    });
    expect(r).toEqual({ ok: true });
    expect(h.catalog.instancesOf('web')).toEqual([]);
    expect(h.catalog.instancesOf('db')).toHaveLength(1);
    expect(h.catalog.checksOnNode('n2')).toEqual([]);
    expect(h.catalog.indexOfService('web')).toBe(4);
    // An empty reap (or one of only missing services) moves nothing.
    const before = dumpCatalog(h.state, ['web']);
    h.ok({ type: 'reap', services: [{ node: 'n1', serviceId: 's1' }] });
    expect(dumpCatalog(h.state, ['web'])).toEqual(before);
  });
});

describe('checkStatus', () => {
  it('sets status and output; statusSince moves only when the status changes, from the command time', () => {
    const h = new Harness();
    h.ok(register('n1', serviceSpec('s1', 'web'), [ttlCheck('c1', 's1'), ttlCheck('c2', 's1')], { at: 10 }));
    const i2 = h.ok({
      type: 'checkStatus',
      at: 50,
      updates: [
        { node: 'n1', checkId: 'c1', status: 'passing', output: 'ok' },
        { node: 'n1', checkId: 'ghost', status: 'passing', output: '' },
        { node: 'n9', checkId: 'c2', status: 'passing', output: '' },
      ],
    });
    expect(h.catalog.check('n1', 'c1')).toMatchObject({
      status: 'passing',
      output: 'ok',
      statusSince: 50,
      modifyIndex: i2,
    });
    expect(h.catalog.check('n1', 'c2')).toMatchObject({
      status: 'critical',
      statusSince: 10,
      modifyIndex: 1,
    });
    expect(h.catalog.indexOfService('web')).toBe(i2);

    // Output-only change: a write, but statusSince stays.
    const i3 = h.ok({
      type: 'checkStatus',
      at: 80,
      updates: [{ node: 'n1', checkId: 'c1', status: 'passing', output: 'ok2' }],
    });
    expect(h.catalog.check('n1', 'c1')).toMatchObject({ output: 'ok2', statusSince: 50, modifyIndex: i3 });

    // No change at all: no index moves.
    const before = dumpCatalog(h.state);
    h.ok({
      type: 'checkStatus',
      at: 90,
      updates: [{ node: 'n1', checkId: 'c1', status: 'passing', output: 'ok2' }],
    });
    expect(dumpCatalog(h.state)).toEqual(before);

    const i5 = h.ok({
      type: 'checkStatus',
      at: 120,
      updates: [{ node: 'n1', checkId: 'c1', status: 'critical', output: 'TTL expired' }],
    });
    expect(h.catalog.check('n1', 'c1')).toMatchObject({
      status: 'critical',
      statusSince: 120,
      modifyIndex: i5,
    });
    expect(h.catalog.indexes.checks).toBe(i5);
  });

  it('a node check status change touches every service on the node', () => {
    const h = new Harness();
    h.ok(register('n1', serviceSpec('a', 'alpha'), [ttlCheck('nc', '')]));
    h.ok(register('n1', serviceSpec('b', 'beta'), []));
    h.ok(register('n2', serviceSpec('c', 'gamma'), []));
    const i = h.ok({
      type: 'checkStatus',
      at: 1,
      updates: [{ node: 'n1', checkId: 'nc', status: 'passing', output: '' }],
    });
    expect(h.catalog.indexOfService('alpha')).toBe(i);
    expect(h.catalog.indexOfService('beta')).toBe(i);
    expect(h.catalog.indexOfService('gamma')).toBe(3);
    expect(h.catalog.checksOfInstance(h.catalog.instance('n1', 'b')!).map((c) => c.id)).toEqual(['nc']);
  });
});

describe('loads', () => {
  it('records loads without moving any index or waking anyone; re-registration keeps the load', async () => {
    const h = new Harness();
    h.ok(register('n1', serviceSpec('s1', 'web'), [ttlCheck('c1', 's1')]));
    const before = dumpCatalog(h.state);
    let woke = 0;
    h.state.hub.wait(['svc:web', 'services', 'checks', 'node:n1', 'nodes'], () => woke++);
    const r = h.apply({
      type: 'loads',
      reports: [
        { node: 'n1', serviceId: 's1', load: 0.75 },
        { node: 'n1', serviceId: 'ghost', load: 1 },
      ],
    });
    expect(r).toEqual({ ok: true });
    expect(h.catalog.instance('n1', 's1')?.load).toBe(0.75);
    const after = dumpCatalog(h.state);
    expect(after.indexes).toEqual(before.indexes);
    expect(after.serviceIndexes).toEqual(before.serviceIndexes);
    expect(after.instances[0]?.[1][0]?.modifyIndex).toBe(1);
    await new Promise((r) => setTimeout(r, 5));
    expect(woke).toBe(0);
    h.ok(register('n1', serviceSpec('s1', 'web', { port: 1 }), []));
    expect(h.catalog.instance('n1', 's1')?.load).toBe(0.75);
  });
});

describe('catalog reads', () => {
  it('orders and filters instances and checks', () => {
    const h = new Harness();
    h.ok(
      register('n2', serviceSpec('b', 'web', { tags: ['y', 'x'] }), [
        ttlCheck('cb', 'b'),
        ttlCheck('n2c', ''),
      ]),
    );
    h.ok(register('n1', serviceSpec('z', 'web', { tags: ['x'] }), [ttlCheck('cz', 'z')]));
    h.ok(register('n1', serviceSpec('a', 'web'), [ttlCheck('ca', 'a')]));
    h.ok(register('n1', serviceSpec('q', 'db'), [ttlCheck('cq', 'q', { ttlMs: 0, type: '' })]));
    const cat = h.catalog;
    expect(cat.instancesOf('web').map((i) => `${i.node}/${i.id}`)).toEqual(['n1/a', 'n1/z', 'n2/b']);
    expect(cat.instancesOf('nope')).toEqual([]);
    expect(cat.serviceNames()).toEqual(
      new Map([
        ['db', []],
        ['web', ['x', 'y']],
      ]),
    );
    expect(cat.allNodes().map((n) => n.name)).toEqual(['n1', 'n2']);
    expect(cat.allChecks().map((c) => `${c.node}/${c.id}`)).toEqual([
      'n1/ca',
      'n1/cq',
      'n1/cz',
      'n2/cb',
      'n2/n2c',
    ]);
    expect(cat.everyCheck()).toHaveLength(5);
    expect(
      cat
        .ttlChecks()
        .map((c) => c.id)
        .sort(),
    ).toEqual(['ca', 'cb', 'cz', 'n2c']);
    expect(
      cat
        .checksOfService('web')
        .map((c) => c.id)
        .sort(),
    ).toEqual(['ca', 'cb', 'cz']);
    // Its own checks and its node's, nothing of other instances (order is not part of the contract).
    expect(
      cat
        .checksOfInstance(cat.instance('n2', 'b')!)
        .map((c) => c.id)
        .sort(),
    ).toEqual(['cb', 'n2c']);
    expect(
      cat
        .checksOfInstance(cat.instance('n1', 'a')!)
        .map((c) => c.id)
        .sort(),
    ).toEqual(['ca']);
    expect(cat.instancesWithId('b', 'n1').map((i) => i.node)).toEqual(['n2']);
    h.ok(register('n1', serviceSpec('b', 'other'), [ttlCheck('cb', 'b')]));
    expect(cat.instancesWithId('b', 'n1').map((i) => `${i.node}/${i.name}`)).toEqual(['n1/other']);
    expect(
      cat
        .instancesWithId('b', 'n3')
        .map((i) => i.node)
        .sort(),
    ).toEqual(['n1', 'n2']);
    expect(cat.checksWithId('cb', 'n2').map((c) => c.node)).toEqual(['n2']);
    expect(
      cat
        .checksWithId('cb', 'n3')
        .map((c) => c.node)
        .sort(),
    ).toEqual(['n1', 'n2']);
    expect(cat.indexOfNode('never')).toBe(cat.indexes.nodes);
    expect(cat.indexOfService('never')).toBe(cat.indexes.services);
  });
});

describe('members', () => {
  it('upserts, ignores identical re-announcements, marks left, and rejects unknown leavers', () => {
    const h = new Harness();
    const up = {
      type: 'memberUpsert',
      name: 'a',
      serverAddress: 'a:1',
      httpAddress: 'a:2',
      datacenter: 'dc1',
    } as const;
    h.ok(up);
    h.ok({ ...up, name: 'b' });
    expect(h.state.members.all().map((m) => m.name)).toEqual(['a', 'b']);
    expect(h.state.members.index).toBe(2);
    h.ok(up);
    expect(h.state.members.index).toBe(2);
    expect(h.state.members.get('a')?.modifyIndex).toBe(1);
    const i4 = h.ok({ ...up, httpAddress: 'a:3' });
    expect(h.state.members.get('a')).toEqual({
      name: 'a',
      serverAddress: 'a:1',
      httpAddress: 'a:3',
      datacenter: 'dc1',
      status: 'alive',
      createIndex: 1,
      modifyIndex: i4,
    });
    const i5 = h.ok({ type: 'memberLeft', name: 'a' });
    expect(h.state.members.get('a')).toMatchObject({ status: 'left', modifyIndex: i5 });
    h.ok({ type: 'memberLeft', name: 'a' });
    expect(h.state.members.index).toBe(i5);
    expect(h.apply({ type: 'memberLeft', name: 'zz' })).toMatchObject({ ok: false, kind: 'notFound' });
    expect(h.state.members.index).toBe(i5);
    // Coming back with the same addresses is a change (left → alive).
    const i8 = h.ok({ ...up, httpAddress: 'a:3' });
    expect(h.state.members.get('a')).toMatchObject({ status: 'alive', createIndex: 1, modifyIndex: i8 });
    // Members never touch the catalog.
    expect(h.catalog.indexes).toEqual({ nodes: 0, services: 0, checks: 0 });
  });

  it("keeps a member's HTTPS address from its own command, across re-announcements, until cleared", () => {
    const h = new Harness();
    const up = {
      type: 'memberUpsert',
      name: 'a',
      serverAddress: 'a:1',
      httpAddress: '',
      datacenter: 'dc1',
    } as const;
    h.ok(up);
    expect(h.state.members.get('a')).not.toHaveProperty('httpsAddress');
    const i2 = h.ok({ type: 'memberHttps', name: 'a', httpsAddress: 'a:8501' });
    expect(h.state.members.get('a')).toMatchObject({ httpsAddress: 'a:8501', modifyIndex: i2 });
    expect(h.state.members.index).toBe(i2);
    // The same address again changes nothing; a re-announcement keeps it.
    h.ok({ type: 'memberHttps', name: 'a', httpsAddress: 'a:8501' });
    expect(h.state.members.index).toBe(i2);
    h.ok({ ...up, serverAddress: 'a:9' });
    expect(h.state.members.get('a')).toMatchObject({ serverAddress: 'a:9', httpsAddress: 'a:8501' });
    h.ok({ type: 'memberHttps', name: 'a', httpsAddress: '' });
    expect(h.state.members.get('a')).not.toHaveProperty('httpsAddress');
    expect(h.apply({ type: 'memberHttps', name: 'zz', httpsAddress: 'x:1' })).toMatchObject({
      ok: false,
      kind: 'notFound',
    });
  });
});
