import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { type Command, encodeCommand } from '../../src/state/commands.js';
import { RegistryState } from '../../src/state/machine.js';
import { Topic } from '../../src/state/topics.js';
import { CHECK_IDS, commandArb, indexOf, NAMES, NODES, SERVICE_IDS, views } from './model.js';
import { dumpCatalog, Harness, register, serviceSpec, ttlCheck, turn } from './support.js';

const TOPICS = [
  ...NAMES.map(Topic.service),
  ...NODES.map(Topic.node),
  Topic.nodes,
  Topic.services,
  Topic.checks,
  Topic.members,
];

/** Every answer a reader can get, including the secondary lookups rebuilt on restore. */
function answers(state: RegistryState) {
  const cat = state.catalog;
  return {
    applied: state.applied,
    dump: dumpCatalog(state, [...NAMES]),
    views: [...views(state)],
    indexes: TOPICS.map((t) => [t, indexOf(state, t)]),
    byId: SERVICE_IDS.map((id) =>
      cat.instancesWithId(id, 'nowhere').sort((a, b) => (a.node < b.node ? -1 : 1)),
    ),
    checksById: CHECK_IDS.map((id) =>
      cat.checksWithId(id, 'nowhere').sort((a, b) => (a.node < b.node ? -1 : 1)),
    ),
    onNode: NODES.map((n) => [cat.instancesOnNode(n), cat.checksOnNode(n)]),
    ofService: NAMES.map((n) =>
      cat
        .checksOfService(n)
        .map((c) => `${c.node}/${c.id}`)
        .sort(),
    ),
    ttl: cat
      .ttlChecks()
      .map((c) => `${c.node}/${c.id}`)
      .sort(),
  };
}

function seeded(): Harness {
  const h = new Harness();
  h.ok({ type: 'memberUpsert', name: 'm1', serverAddress: 'a:1', httpAddress: 'a:2', datacenter: 'dc1' });
  h.ok(
    register('n1', serviceSpec('s1', 'alpha', { tags: ['x'] }), [ttlCheck('c1', 's1'), ttlCheck('c2', '')]),
  );
  h.ok(register('n2', serviceSpec('s1', 'alpha'), [ttlCheck('c1', 's1', { status: 'passing' })]));
  h.ok(register('n2', serviceSpec('s2', 'beta'), [ttlCheck('c3', 's2')]));
  h.ok({ type: 'loads', reports: [{ node: 'n1', serviceId: 's1', load: 3 }] });
  h.ok({ type: 'deregisterService', node: 'n2', serviceId: 's2' }); // leaves a tombstone for beta
  return h;
}

describe('snapshot / restore', () => {
  it('restoring into a fresh state reproduces every answer, indexes and applied included', async () => {
    const h = seeded();
    const fresh = new RegistryState();
    fresh.restore(await h.state.snapshot()());
    expect(answers(fresh)).toEqual(answers(h.state));
    expect(fresh.catalog.indexOfService('beta')).toBe(6);
    expect(fresh.catalog.instance('n1', 's1')?.load).toBe(3);
    expect(fresh.members.get('m1')?.status).toBe('alive');
  });

  it('a capture serializes the state as of capture, whatever is applied afterwards (copy-on-write)', async () => {
    const h = seeded();
    const asOfCapture = answers(h.state);
    const capture = h.state.snapshot();
    // Change every table: instances, checks, nodes, loads, members, tombstones.
    h.ok(
      register('n1', serviceSpec('s1', 'gamma', { port: 1 }), [ttlCheck('c1', 's1', { status: 'warning' })]),
    );
    h.ok({
      type: 'checkStatus',
      at: 9,
      updates: [{ node: 'n2', checkId: 'c1', status: 'critical', output: 'x' }],
    });
    h.ok({ type: 'loads', reports: [{ node: 'n1', serviceId: 's1', load: 99 }] });
    h.ok({ type: 'deregisterNode', node: 'n2' });
    h.ok(register('n3', serviceSpec('s9', 'delta'), []));
    h.ok({ type: 'memberLeft', name: 'm1' });
    h.ok({ type: 'memberUpsert', name: 'm2', serverAddress: 'b:1', httpAddress: 'b:2', datacenter: 'dc1' });
    const bytes = await capture();
    expect(await capture()).toEqual(bytes);
    const fresh = new RegistryState();
    fresh.restore(bytes);
    expect(answers(fresh)).toEqual(asOfCapture);
    expect(fresh.catalog.node('n3')).toBeUndefined();
    expect(fresh.members.get('m2')).toBeUndefined();
    // The live state did move on.
    expect(h.state.catalog.instance('n1', 's1')?.load).toBe(99);
    expect(h.state.catalog.node('n2')).toBeUndefined();
  });

  it('a restored state applies further commands exactly as the original does', async () => {
    const h = seeded();
    const fresh = new RegistryState();
    fresh.restore(await h.state.snapshot()());
    const more: Command[] = [
      { type: 'deregisterService', node: 'n1', serviceId: 's1' },
      register('n2', serviceSpec('s1', 'alpha', { tags: ['y'] }), [ttlCheck('c9', 's1')], {
        replaceExistingChecks: true,
      }),
      { type: 'deregisterNode', node: 'n1' },
      { type: 'checkStatus', at: 5, updates: [{ node: 'n2', checkId: 'c9', status: 'passing', output: '' }] },
    ];
    let index = h.index;
    for (const cmd of more) {
      index++;
      const a = h.apply(cmd);
      const b = fresh.apply(encodeCommand(cmd), index);
      expect(b).toEqual(a);
      expect(answers(fresh)).toEqual(answers(h.state));
    }
  });

  it('property: snapshot after a prefix, then any suffix, equals restore + the same suffix; the capture is unaffected', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(commandArb, { maxLength: 20 }),
        fc.array(commandArb, { maxLength: 20 }),
        async (prefix, suffix) => {
          const a = new Harness();
          for (const c of prefix) a.apply(c);
          const atCapture = answers(a.state);
          const capture = a.state.snapshot();
          const b = new Harness();
          b.state.restore(await capture());
          b.index = a.index;
          for (const c of suffix) {
            const ra = a.apply(c);
            const rb = b.apply(c);
            expect(rb).toEqual(ra);
          }
          expect(answers(b.state)).toEqual(answers(a.state));
          const c = new RegistryState();
          c.restore(await capture());
          expect(answers(c)).toEqual(atCapture);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('restore replaces (not merges) what was there and wakes every waiter with the snapshot index', async () => {
    const source = seeded();
    const bytes = await source.state.snapshot()();
    const target = new Harness();
    for (let i = 0; i < 10; i++)
      target.ok(register(`other${i}`, serviceSpec('z', 'zeta'), [ttlCheck('cz', 'z')]));
    const woke: [string, number][] = [];
    target.state.hub.wait([Topic.service('zeta')], (i) => woke.push(['zeta', i]));
    target.state.hub.wait([Topic.members], (i) => woke.push(['members', i]));
    target.state.restore(bytes);
    expect(target.catalog.instancesOf('zeta')).toEqual([]);
    expect(target.catalog.counts).toEqual(source.catalog.counts);
    expect(target.state.applied).toBe(source.state.applied);
    await turn();
    expect(woke.sort()).toEqual([
      ['members', 6],
      ['zeta', 6],
    ]);
    expect(target.state.hub.size).toBe(0);
  });

  it('refuses a snapshot of an unknown version', () => {
    const bytes = new Packr({ useRecords: false }).pack({ v: 99, applied: 1 });
    expect(() => new RegistryState().restore(bytes)).toThrow(/version 99/);
  });
});

describe('snapshots from before HTTP/TCP checks', () => {
  it('checks without a probe field restore as checks without a probe', async () => {
    const h = seeded();
    const packr = new Packr({ useRecords: false, moreTypes: false });
    const img = packr.unpack(await h.state.snapshot()()) as {
      catalog: { checks: Record<string, unknown>[] };
    };
    expect(img.catalog.checks.length).toBeGreaterThan(0);
    for (const c of img.catalog.checks) delete c.probe;
    const r = new RegistryState();
    r.restore(packr.pack(img));
    const checks = r.catalog.allChecks();
    expect(checks.length).toBe(img.catalog.checks.length);
    for (const c of checks) expect(c.probe).toBeNull();
    expect(r.catalog.probeChecks()).toEqual([]);
    expect(dumpCatalog(r)).toEqual(dumpCatalog(h.state));
  });
});
