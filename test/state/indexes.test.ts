import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { Command } from '../../src/state/commands.js';
import { Topic } from '../../src/state/topics.js';
import { CHECK_IDS, commandArb, describeCommand, indexOf, NAMES, NODES, views } from './model.js';
import { Harness, mulberry32, register, serviceSpec, ttlCheck } from './support.js';

const TABLE_TOPICS = [Topic.nodes, Topic.services, Topic.checks, Topic.members];
const ALL_TOPICS = [...NAMES.map(Topic.service), ...NODES.map(Topic.node), ...TABLE_TOPICS];

describe('indexes never go backwards', () => {
  it('a random command sequence: every reported index is monotonic and at most the applied index', () => {
    // Seeded generator with the seed in every failure message, independent of fast-check's own seed.
    const seed = Number(process.env.CAIRN_TEST_SEED ?? 20240611);
    const random = mulberry32(seed);
    for (let run = 0; run < 20; run++) {
      const cmds = fc.sample(commandArb, { numRuns: 60, seed: Math.floor(random() * 2 ** 31) });
      const h = new Harness();
      const last = new Map<string, number>();
      for (const [step, cmd] of cmds.entries()) {
        h.apply(cmd);
        const where = `seed=${seed} run=${run} step=${step} cmd=${describeCommand(cmd)}`;
        expect(h.state.applied, where).toBe(h.index);
        for (const topic of ALL_TOPICS) {
          const idx = indexOf(h.state, topic);
          expect(idx, `${where} topic=${topic}`).toBeGreaterThanOrEqual(last.get(topic) ?? 0);
          expect(idx, `${where} topic=${topic}`).toBeLessThanOrEqual(h.index);
          last.set(topic, idx);
        }
      }
    }
  });

  it('model: an index moves to a command exactly when that command changed what a reader sees, and its topic is woken', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { minLength: 1, maxLength: 30 }), (cmds: Command[]) => {
        const h = new Harness();
        const notify = vi.spyOn(h.state.hub, 'notify');
        // The index each topic should report: that of the last command that changed its view.
        const expected = new Map<string, number>(TABLE_TOPICS.map((t) => [t, 0]));
        let before = views(h.state);
        for (const [step, cmd] of cmds.entries()) {
          const prevIndexes = new Map(ALL_TOPICS.map((t) => [t, indexOf(h.state, t)]));
          h.apply(cmd);
          const index = h.index;
          const after = views(h.state);
          const call = notify.mock.calls.at(-1);
          expect(call?.[1]).toBe(index);
          const touched = new Set(call?.[0] ?? []);
          for (const topic of ALL_TOPICS) {
            const where = `step ${step} (index ${index}) ${describeCommand(cmd)}: topic ${topic}`;
            const changed = before.get(topic) !== after.get(topic);
            if (changed) expected.set(topic, index);
            const idx = indexOf(h.state, topic);
            expect(idx, `${where}: went backwards`).toBeGreaterThanOrEqual(prevIndexes.get(topic)!);
            if (changed) expect(touched.has(topic), `${where}: changed but not woken`).toBe(true);
            if (touched.has(topic)) expect(idx, `${where}: woken but its index did not move`).toBe(index);
            const want =
              expected.get(topic) ??
              // Never touched: a service or node name falls back to its table's index.
              (topic.startsWith('svc:') ? h.catalog.indexes.services : h.catalog.indexes.nodes);
            expect(idx, `${where}: index is not that of the last change`).toBe(want);
          }
          before = after;
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('service indexes', () => {
  it('follow instances, their checks, node checks and node changes of nodes running the service', () => {
    const h = new Harness();
    h.ok(register('n1', serviceSpec('w1', 'web'), [ttlCheck('cw', 'w1')])); // 1
    h.ok(register('n2', serviceSpec('d1', 'db'), [ttlCheck('cd', 'd1')])); // 2
    const cat = h.catalog;
    expect([cat.indexOfService('web'), cat.indexOfService('db')]).toEqual([1, 2]);
    // Its own check.
    const i3 = h.ok({
      type: 'checkStatus',
      at: 1,
      updates: [{ node: 'n1', checkId: 'cw', status: 'passing', output: '' }],
    });
    expect([cat.indexOfService('web'), cat.indexOfService('db')]).toEqual([i3, 2]);
    // A node check on its node.
    const i4 = h.ok(register('n1', null, [ttlCheck('node', '')], { skipNodeUpdate: true }));
    expect([cat.indexOfService('web'), cat.indexOfService('db')]).toEqual([i4, 2]);
    // A change of its node.
    const i5 = h.ok(
      register(
        { name: 'n1', id: 'x', address: '9.9.9.9', datacenter: 'dc1', taggedAddresses: {}, meta: {} },
        null,
      ),
    );
    expect([cat.indexOfService('web'), cat.indexOfService('db')]).toEqual([i5, 2]);
    // Another service's instance on another node does not touch it.
    h.ok(register('n2', serviceSpec('d2', 'db'), []));
    expect(cat.indexOfService('web')).toBe(i5);
  });

  it('keeps a deleted service at its deletion index (tombstone) while the table index moves on', () => {
    const h = new Harness();
    h.ok(register('n1', serviceSpec('w1', 'web'), [ttlCheck('c', 'w1')]));
    const del = h.ok({ type: 'deregisterService', node: 'n1', serviceId: 'w1' });
    h.ok(register('n1', serviceSpec('d1', 'db'), []));
    h.ok(register('n1', serviceSpec('d1', 'db', { port: 2 }), []));
    expect(h.catalog.instancesOf('web')).toEqual([]);
    expect(h.catalog.indexOfService('web')).toBe(del);
    expect(h.catalog.indexes.services).toBe(4);
    // A name that never existed reports the table index, which is at least every tombstone.
    expect(h.catalog.indexOfService('never')).toBe(4);
    // After a node deletion as well.
    const nodeDel = h.ok({ type: 'deregisterNode', node: 'n1' });
    expect(h.catalog.indexOfService('db')).toBe(nodeDel);
    expect(h.catalog.indexOfNode('n1')).toBe(nodeDel);
    h.ok(register('n2', null));
    expect(h.catalog.indexOfNode('n1')).toBe(nodeDel);
  });

  it('a check moved from one service to another touches both', () => {
    const h = new Harness();
    h.ok(register('n1', serviceSpec('a', 'alpha'), [ttlCheck('c', 'a')])); // 1
    h.ok(register('n1', serviceSpec('b', 'beta'), [])); // 2
    const i = h.ok(register('n1', null, [ttlCheck('c', 'b')], { skipNodeUpdate: true }));
    expect(h.catalog.checksOfService('alpha')).toEqual([]);
    expect(h.catalog.checksOfService('beta').map((c) => c.id)).toEqual(['c']);
    expect(h.catalog.indexOfService('beta')).toBe(i);
    expect(h.catalog.indexOfService('alpha')).toBe(i);
  });

  it('table indexes move with their tables only', () => {
    const h = new Harness();
    h.ok(register('n1', null)); // 1
    expect(h.catalog.indexes).toEqual({ nodes: 1, services: 0, checks: 0 });
    h.ok(register('n1', serviceSpec('s', 'web'), [], { skipNodeUpdate: true })); // 2
    expect(h.catalog.indexes).toEqual({ nodes: 1, services: 2, checks: 0 });
    h.ok(register('n1', null, [ttlCheck(CHECK_IDS[0], 's')], { skipNodeUpdate: true })); // 3
    expect(h.catalog.indexes).toEqual({ nodes: 1, services: 2, checks: 3 });
    h.ok({ type: 'memberUpsert', name: 'm', serverAddress: 'a', httpAddress: 'b', datacenter: 'dc1' }); // 4
    expect(h.catalog.indexes).toEqual({ nodes: 1, services: 2, checks: 3 });
    expect(h.state.members.index).toBe(4);
  });
});
