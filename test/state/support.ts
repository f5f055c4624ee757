import fc from 'fast-check';
import type { CheckSpec, Command, NodeSpec, ServiceSpec } from '../../src/state/commands.js';
import { encodeCommand } from '../../src/state/commands.js';
import type { ApplyResult } from '../../src/state/errors.js';
import { RegistryState } from '../../src/state/machine.js';
import type { Check } from '../../src/state/types.js';

export { mulberry32 } from '../support/random.js';

export const seedArb = fc.integer({ min: 0, max: 0xffffffff });

export function nodeSpec(name: string, over: Partial<NodeSpec> = {}): NodeSpec {
  return {
    name,
    id: `id-${name}`,
    address: `10.0.0.${name.length}`,
    datacenter: 'dc1',
    taggedAddresses: {},
    meta: {},
    ...over,
  };
}

export function serviceSpec(id: string, name: string, over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    id,
    name,
    tags: [],
    address: '',
    port: 8080,
    meta: {},
    weights: { passing: 1, warning: 1 },
    enableTagOverride: false,
    taggedAddresses: {},
    ...over,
  };
}

export function ttlCheck(id: string, serviceId: string, over: Partial<CheckSpec> = {}): CheckSpec {
  return {
    id,
    name: `check ${id}`,
    status: null,
    notes: '',
    output: '',
    serviceId,
    type: 'ttl',
    ttlMs: 10_000,
    deregisterCriticalAfterMs: 0,
    ...over,
  };
}

export type RegisterCommand = Extract<Command, { type: 'register' }>;

export function register(
  node: string | NodeSpec,
  service: ServiceSpec | null,
  checks: readonly CheckSpec[] = [],
  over: Partial<Omit<RegisterCommand, 'type'>> = {},
): RegisterCommand {
  return {
    type: 'register',
    at: 1_000,
    node: typeof node === 'string' ? nodeSpec(node) : node,
    skipNodeUpdate: false,
    service,
    checks,
    replaceExistingChecks: false,
    ...over,
  };
}

/** A RegistryState fed encoded commands at increasing indexes, as Raft would. */
export class Harness {
  readonly state = new RegistryState();
  index = 0;

  apply(cmd: Command): ApplyResult {
    this.index++;
    return this.state.apply(encodeCommand(cmd), this.index);
  }

  /** Applies and insists it succeeded. */
  ok(cmd: Command): number {
    const r = this.apply(cmd);
    if (!r.ok) throw new Error(`expected ${cmd.type} at ${this.index} to succeed: ${r.message}`);
    return this.index;
  }

  get catalog() {
    return this.state.catalog;
  }
}

/** One turn of the event loop: lets the watch hub drain one batch. */
export function turn(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** A check record as the tracker and reaper see it (no state machine needed). */
export function checkRecord(over: Partial<Check> & Pick<Check, 'id'>): Check {
  return {
    node: 'n1',
    name: over.id,
    status: 'passing',
    notes: '',
    output: '',
    serviceId: 's1',
    serviceName: 'web',
    serviceTags: [],
    type: 'ttl',
    ttlMs: 10_000,
    probe: null,
    deregisterCriticalAfterMs: 0,
    statusSince: 0,
    createIndex: 1,
    modifyIndex: 1,
    ...over,
  };
}

/** Everything a reader can ask the catalog, as plain data, for before/after comparisons. */
export function dumpCatalog(state: RegistryState, serviceNames: readonly string[] = []) {
  const c = state.catalog;
  const names = new Set([...c.serviceNames().keys(), ...serviceNames]);
  return {
    nodes: c.allNodes(),
    serviceNames: [...c.serviceNames()],
    instances: [...names].sort().map((n) => [n, c.instancesOf(n)] as const),
    serviceIndexes: [...names].sort().map((n) => [n, c.indexOfService(n)] as const),
    nodeIndexes: c.allNodes().map((n) => [n.name, c.indexOfNode(n.name)] as const),
    checks: c.allChecks(),
    indexes: { ...c.indexes },
    counts: c.counts,
    members: state.members.all(),
    membersIndex: state.members.index,
  };
}
