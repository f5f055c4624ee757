import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/state/commands.js';
import { Topic } from '../../src/state/topics.js';
import { Harness, nodeSpec, register, serviceSpec, ttlCheck, turn } from './support.js';

const UNIVERSE = [
  Topic.nodes,
  Topic.services,
  Topic.checks,
  Topic.members,
  Topic.node('n1'),
  Topic.node('n2'),
  Topic.service('web'),
  Topic.service('db'),
  Topic.service('api'),
];

/** Applies `cmd` with one waiter per topic and answers the topics woken (and the index they got). */
async function touchedBy(h: Harness, cmd: Command): Promise<string[]> {
  const woke = new Map<string, number>();
  const cancels = UNIVERSE.map((t) => h.state.hub.wait([t], (i) => woke.set(t, i)));
  h.apply(cmd);
  for (let i = 0; i < 5; i++) await turn();
  for (const c of cancels) c();
  for (const [t, i] of woke) expect(i, `topic ${t}`).toBe(h.index);
  expect(h.state.hub.size).toBe(0);
  return [...woke.keys()].sort();
}

/** n1 runs web (check cw) and db (check cd) and has a node check nc; n2 runs web. */
function seeded(): Harness {
  const h = new Harness();
  h.ok(register('n1', serviceSpec('w1', 'web'), [ttlCheck('cw', 'w1'), ttlCheck('nc', '')]));
  h.ok(register('n1', serviceSpec('d1', 'db'), [ttlCheck('cd', 'd1')]));
  h.ok(register('n2', serviceSpec('w2', 'web'), []));
  return h;
}

const sorted = (xs: string[]) => [...xs].sort();

describe('topics touched per command', () => {
  it('a new node with a service and a check touches all of their topics', async () => {
    const h = new Harness();
    expect(await touchedBy(h, register('n1', serviceSpec('w1', 'web'), [ttlCheck('c', 'w1')]))).toEqual(
      sorted(['nodes', 'services', 'checks', 'node:n1', 'svc:web']),
    );
  });

  it('an identical re-registration, a failed command and loads touch nothing', async () => {
    const h = seeded();
    expect(await touchedBy(h, register('n1', serviceSpec('d1', 'db'), [ttlCheck('cd', 'd1')]))).toEqual([]);
    expect(await touchedBy(h, register('n1', null, [ttlCheck('x', 'ghost')]))).toEqual([]);
    expect(await touchedBy(h, { type: 'deregisterService', node: 'n1', serviceId: 'ghost' })).toEqual([]);
    expect(await touchedBy(h, { type: 'deregisterNode', node: 'n9' })).toEqual([]);
    expect(
      await touchedBy(h, { type: 'loads', reports: [{ node: 'n1', serviceId: 'w1', load: 1 }] }),
    ).toEqual([]);
    expect(
      await touchedBy(h, {
        type: 'checkStatus',
        at: 1,
        updates: [{ node: 'n1', checkId: 'cw', status: 'critical', output: '' }],
      }),
    ).toEqual([]);
  });

  it('a service change touches the service, the service list and its node, not the node list', async () => {
    const h = seeded();
    expect(await touchedBy(h, register('n1', serviceSpec('d1', 'db', { port: 1 }), []))).toEqual(
      sorted(['services', 'node:n1', 'svc:db']),
    );
  });

  it('a tag change also touches checks (they copy the tags)', async () => {
    const h = seeded();
    expect(await touchedBy(h, register('n1', serviceSpec('d1', 'db', { tags: ['t'] }), []))).toEqual(
      sorted(['services', 'checks', 'node:n1', 'svc:db']),
    );
  });

  it('a rename touches both names', async () => {
    const h = seeded();
    expect(await touchedBy(h, register('n1', serviceSpec('d1', 'api'), []))).toEqual(
      sorted(['services', 'checks', 'node:n1', 'svc:db', 'svc:api']),
    );
  });

  it('a node change touches the node list, the node and every service on it', async () => {
    const h = seeded();
    expect(await touchedBy(h, register(nodeSpec('n1', { address: '7.7.7.7' }), null))).toEqual(
      sorted(['nodes', 'node:n1', 'svc:web', 'svc:db']),
    );
  });

  it("a service check's status touches checks, its node and its service", async () => {
    const h = seeded();
    const cmd: Command = {
      type: 'checkStatus',
      at: 1,
      updates: [{ node: 'n1', checkId: 'cd', status: 'passing', output: '' }],
    };
    expect(await touchedBy(h, cmd)).toEqual(sorted(['checks', 'node:n1', 'svc:db']));
  });

  it("a node check's status touches every service on the node", async () => {
    const h = seeded();
    const cmd: Command = {
      type: 'checkStatus',
      at: 1,
      updates: [{ node: 'n1', checkId: 'nc', status: 'passing', output: '' }],
    };
    expect(await touchedBy(h, cmd)).toEqual(sorted(['checks', 'node:n1', 'svc:web', 'svc:db']));
  });

  it('deregistering a check or a service touches what they belonged to', async () => {
    const h = seeded();
    expect(await touchedBy(h, { type: 'deregisterCheck', node: 'n1', checkId: 'cw' })).toEqual(
      sorted(['checks', 'node:n1', 'svc:web']),
    );
    expect(await touchedBy(h, { type: 'deregisterService', node: 'n1', serviceId: 'd1' })).toEqual(
      sorted(['services', 'checks', 'node:n1', 'svc:db']),
    );
    expect(await touchedBy(h, { type: 'reap', services: [{ node: 'n2', serviceId: 'w2' }] })).toEqual(
      sorted(['services', 'node:n2', 'svc:web']),
    );
  });

  it('deregistering a node touches the node list, the node, its services and checks', async () => {
    const h = seeded();
    expect(await touchedBy(h, { type: 'deregisterNode', node: 'n1' })).toEqual(
      sorted(['nodes', 'services', 'checks', 'node:n1', 'svc:web', 'svc:db']),
    );
  });

  it('moving a check between services touches both services', async () => {
    const h = seeded();
    expect(
      await touchedBy(h, register('n1', null, [ttlCheck('cw', 'd1')], { skipNodeUpdate: true })),
    ).toEqual(sorted(['checks', 'node:n1', 'svc:web', 'svc:db']));
  });

  it('member commands touch members only, and only when something changed', async () => {
    const h = seeded();
    const up: Command = {
      type: 'memberUpsert',
      name: 'm',
      serverAddress: 'a',
      httpAddress: 'b',
      datacenter: 'dc1',
    };
    expect(await touchedBy(h, up)).toEqual(['members']);
    expect(await touchedBy(h, up)).toEqual([]);
    expect(await touchedBy(h, { type: 'memberLeft', name: 'm' })).toEqual(['members']);
    expect(await touchedBy(h, { type: 'memberLeft', name: 'm' })).toEqual([]);
    expect(await touchedBy(h, { type: 'memberLeft', name: 'nobody' })).toEqual([]);
  });
});
