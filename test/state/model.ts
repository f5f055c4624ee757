/**
 * A random command generator and an observational oracle for the catalog's
 * indexes and watch topics: a reader's view of a thing changed ⇔ its index
 * moved to this command's index, and its topic was touched.
 */
import fc from 'fast-check';
import type { CheckSpec, Command, NodeSpec, ServiceSpec } from '../../src/state/commands.js';
import type { RegistryState } from '../../src/state/machine.js';
import { Topic } from '../../src/state/topics.js';

export const NODES = ['n1', 'n2', 'n3'] as const;
export const SERVICE_IDS = ['s1', 's2', 's3', 's4'] as const;
export const NAMES = ['alpha', 'beta', 'gamma'] as const;
export const CHECK_IDS = ['c1', 'c2', 'c3', 'c4', 'c5'] as const;
export const MEMBERS = ['m1', 'm2'] as const;

const statusArb = fc.constantFrom('passing', 'warning', 'critical' as const);

const nodeSpecArb: fc.Arbitrary<NodeSpec> = fc
  .record({
    name: fc.constantFrom(...NODES),
    address: fc.constantFrom('10.0.0.1', '10.0.0.2'),
    meta: fc.constantFrom<Readonly<Record<string, string>>>({}, { rack: 'a' }),
  })
  .map(({ name, address, meta }) => ({
    name,
    id: `id-${name}`,
    address,
    datacenter: 'dc1',
    taggedAddresses: {},
    meta,
  }));

const serviceSpecArb: fc.Arbitrary<ServiceSpec> = fc
  .record({
    id: fc.constantFrom(...SERVICE_IDS),
    name: fc.constantFrom(...NAMES),
    port: fc.constantFrom(80, 81),
    tags: fc.constantFrom([], ['x'], ['x', 'y']),
  })
  .map(({ id, name, port, tags }) => ({
    id,
    name,
    tags,
    address: '',
    port,
    meta: {},
    weights: { passing: 1, warning: 1 },
    enableTagOverride: false,
    taggedAddresses: {},
  }));

function checkSpecArb(serviceId: string | null): fc.Arbitrary<CheckSpec> {
  const serviceIds = serviceId === null ? ['', ...SERVICE_IDS] : ['', serviceId, serviceId, ...SERVICE_IDS];
  return fc
    .record({
      id: fc.constantFrom(...CHECK_IDS),
      serviceId: fc.constantFrom(...serviceIds),
      status: fc.option(statusArb, { nil: null }),
      output: fc.constantFrom('', 'out'),
      ttlMs: fc.constantFrom(0, 5_000),
    })
    .map(({ id, serviceId, status, output, ttlMs }) => ({
      id,
      name: `check ${id}`,
      status,
      notes: '',
      output,
      serviceId,
      type: ttlMs > 0 ? 'ttl' : '',
      ttlMs,
      deregisterCriticalAfterMs: 0,
    }));
}

const atArb = fc.integer({ min: 0, max: 1_000_000 });

const registerArb: fc.Arbitrary<Command> = fc
  .record({
    at: atArb,
    node: nodeSpecArb,
    skipNodeUpdate: fc.boolean(),
    service: fc.option(serviceSpecArb, { nil: null }),
    replaceExistingChecks: fc.boolean(),
  })
  .chain((r) =>
    fc
      .uniqueArray(checkSpecArb(r.service?.id ?? null), { maxLength: 3, selector: (c) => c.id })
      .map((checks) => ({ type: 'register' as const, ...r, checks })),
  );

const updateArb = fc.record({
  node: fc.constantFrom(...NODES),
  checkId: fc.constantFrom(...CHECK_IDS),
  status: statusArb,
  output: fc.constantFrom('', 'out', 'TTL expired'),
});

const scopedServiceArb = fc.record({
  node: fc.constantFrom(...NODES),
  serviceId: fc.constantFrom(...SERVICE_IDS),
});

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: registerArb, weight: 8 },
  { arbitrary: scopedServiceArb.map((s) => ({ type: 'deregisterService' as const, ...s })), weight: 2 },
  {
    arbitrary: fc
      .record({ node: fc.constantFrom(...NODES), checkId: fc.constantFrom(...CHECK_IDS) })
      .map((s) => ({ type: 'deregisterCheck' as const, ...s })),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom(...NODES).map((node) => ({ type: 'deregisterNode' as const, node })),
    weight: 1,
  },
  {
    arbitrary: fc
      .record({
        at: atArb,
        updates: fc.uniqueArray(updateArb, {
          minLength: 1,
          maxLength: 3,
          // Two updates of one check in one batch may cancel out: a harmless extra wake-up, not modelled.
          selector: (u) => `${u.node}/${u.checkId}`,
        }),
      })
      .map((c) => ({ type: 'checkStatus' as const, ...c })),
    weight: 4,
  },
  {
    arbitrary: fc
      .array(scopedServiceArb, { maxLength: 2 })
      .map((services) => ({ type: 'reap' as const, services })),
    weight: 1,
  },
  {
    arbitrary: fc
      .array(
        fc.record({
          node: fc.constantFrom(...NODES),
          serviceId: fc.constantFrom(...SERVICE_IDS),
          load: fc.nat(3),
        }),
        {
          maxLength: 2,
        },
      )
      .map((reports) => ({ type: 'loads' as const, reports })),
    weight: 1,
  },
  {
    arbitrary: fc
      .record({ name: fc.constantFrom(...MEMBERS), httpAddress: fc.constantFrom('h:1', 'h:2') })
      .map(({ name, httpAddress }) => ({
        type: 'memberUpsert' as const,
        name,
        serverAddress: `${name}:7000`,
        httpAddress,
        datacenter: 'dc1',
      })),
    weight: 1,
  },
  {
    arbitrary: fc.constantFrom(...MEMBERS).map((name) => ({ type: 'memberLeft' as const, name })),
    weight: 1,
  },
);

/** JSON with sorted keys, without the index fields or the load (which are not part of what is watched). */
function canon(value: unknown): string {
  return JSON.stringify(value, (key, v) => {
    if (key === 'createIndex' || key === 'modifyIndex' || key === 'load') return undefined;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

const byId = <T extends { id: string }>(xs: readonly T[]): T[] =>
  [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** What a reader can see of every watched thing, keyed by its topic. */
export function views(state: RegistryState): Map<string, string> {
  const cat = state.catalog;
  const out = new Map<string, string>();
  for (const name of NAMES) {
    out.set(
      Topic.service(name),
      canon(
        cat.instancesOf(name).map((i) => ({
          instance: i,
          node: cat.node(i.node),
          checks: byId(cat.checksOfInstance(i)),
        })),
      ),
    );
  }
  for (const n of NODES) {
    out.set(
      Topic.node(n),
      canon({ node: cat.node(n), instances: cat.instancesOnNode(n), checks: byId(cat.checksOnNode(n)) }),
    );
  }
  out.set(Topic.nodes, canon(cat.allNodes()));
  out.set(Topic.services, canon(NAMES.map((n) => cat.instancesOf(n))));
  out.set(Topic.checks, canon(cat.allChecks()));
  out.set(Topic.members, canon(state.members.all()));
  return out;
}

/** The index a reader is told for the thing behind `topic`. */
export function indexOf(state: RegistryState, topic: string): number {
  const cat = state.catalog;
  if (topic === Topic.nodes) return cat.indexes.nodes;
  if (topic === Topic.services) return cat.indexes.services;
  if (topic === Topic.checks) return cat.indexes.checks;
  if (topic === Topic.members) return state.members.index;
  if (topic.startsWith('svc:')) return cat.indexOfService(topic.slice(4));
  if (topic.startsWith('node:')) return cat.indexOfNode(topic.slice(5));
  throw new Error(`unknown topic ${topic}`);
}

export function describeCommand(c: Command): string {
  return JSON.stringify(c);
}
