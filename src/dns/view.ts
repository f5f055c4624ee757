import {
  aggregateStatus,
  type CatalogNode,
  type HealthStatus,
  type Instance,
  type RegistryView,
} from '../state/index.js';
import { REVERSE_ZONES, reverseName } from './names.js';

/** One instance of a service as DNS sees it. */
export interface DnsInstance {
  readonly instance: Instance;
  /** Aggregate status of its checks and its node's checks. */
  readonly status: HealthStatus;
  /** The address to answer: the instance's own, else its node's ("" if neither is known). */
  readonly address: string;
  /** True when `address` is the node's (SRV target `<node>.node.<dc>.<domain>`). */
  readonly nodeAddress: boolean;
}

/** A cairn server that can be named in NS answers. */
export interface NameServer {
  readonly name: string;
  readonly address: string;
}

/** Who has one address, for PTR answers. Names as registered (case kept), sorted. */
export interface AddressOwners {
  /** Nodes at this address. */
  readonly nodes: readonly string[];
  /** Services with an instance that has this address as its own (not its node's). */
  readonly services: readonly string[];
}

/** The addresses of the registry as the reverse zones see them. */
export interface ReverseIndex {
  /** Who has each address, by its reverse name (`reverseName`: `5.0.0.127.in-addr.arpa`). */
  readonly owners: ReadonlyMap<string, AddressOwners>;
  /**
   * The names between those and their zone (`0.0.127.in-addr.arpa`, `0.127.in-addr.arpa`, ...):
   * they exist without records of their own, so they are NODATA rather than NXDOMAIN (RFC 8020),
   * which resolvers that walk down a name one label at a time rely on.
   */
  readonly ancestors: ReadonlySet<string>;
}

/**
 * What the answer builder reads: a snapshot of the registry, looked up case-insensitively.
 * Implemented over the live state by `StateView` and by plain objects in tests.
 */
export interface DnsView {
  /** Changes whenever any answer may have changed (the applied Raft index): answers may be cached until then. */
  readonly version: number;
  /** The instances of service `name` (lower case; else the service so named in another case), or []. */
  service(name: string): readonly DnsInstance[];
  /** The node named `name` in any case (lower-case input). */
  node(name: string): CatalogNode | undefined;
  /** Servers to name in NS answers, this one first. */
  nameServers(): readonly NameServer[];
  /** Every node and instance address (host names are not addresses and are not in it). */
  reverse(): ReverseIndex;
}

export interface StateViewOptions {
  /** This server: named first in NS answers, even before its catalog node exists. */
  readonly self: NameServer;
  /** How many servers NS answers name at most (Consul: 3). */
  readonly maxNameServers?: number;
}

/**
 * A DnsView over the local registry state (stale reads, as Consul's DNS). What it derives (the
 * lower-case name indexes, the health of each service's instances) is cached until the next
 * applied index, so a burst of queries between two changes costs one map lookup each.
 */
export class StateView implements DnsView {
  private at = -1;
  private services = new Map<string, readonly DnsInstance[]>();
  private nodes = new Map<string, CatalogNode | null>();
  private servers: readonly NameServer[] | null = null;
  private reverseIndex: ReverseIndex | null = null;
  private reverseAt = '';
  /**
   * Lower-case service name → the names it stands for, rebuilt when the service list changes.
   * Consulted only when no service has the lower-case name itself.
   */
  private serviceNames: Map<string, string[]> | null = null;
  private serviceNamesAt = -1;
  private nodeNames: Map<string, string> | null = null;
  private nodeNamesAt = -1;

  constructor(
    private readonly state: RegistryView,
    private readonly opts: StateViewOptions,
  ) {}

  get version(): number {
    return this.state.applied;
  }

  service(name: string): readonly DnsInstance[] {
    this.sync();
    let found = this.services.get(name);
    if (found === undefined) {
      found = this.build(name);
      // Bounded: a flood of random names must not grow the cache without limit.
      if (this.services.size < 10_000) this.services.set(name, found);
    }
    return found;
  }

  node(name: string): CatalogNode | undefined {
    this.sync();
    let found = this.nodes.get(name);
    if (found === undefined) {
      const catalog = this.state.catalog;
      found = catalog.node(name) ?? null;
      if (found === null) {
        const real = this.nodeIndex().get(name);
        if (real !== undefined) found = catalog.node(real) ?? null;
      }
      if (this.nodes.size < 10_000) this.nodes.set(name, found);
    }
    return found ?? undefined;
  }

  nameServers(): readonly NameServer[] {
    this.sync();
    if (this.servers === null) {
      const max = this.opts.maxNameServers ?? 3;
      const out: NameServer[] = [this.opts.self];
      for (const m of this.state.members.all()) {
        if (out.length >= max) break;
        if (m.status !== 'alive' || m.name === this.opts.self.name) continue;
        const node = this.state.catalog.node(m.name);
        const address = node?.address || m.serverAddress.replace(/:\d+$/, '');
        if (address) out.push({ name: m.name, address });
      }
      this.servers = out;
    }
    return this.servers;
  }

  reverse(): ReverseIndex {
    // Addresses change only with the node and service tables, not with check statuses (the
    // frequent writes): the index outlives those.
    const { nodes, services } = this.state.catalog.indexes;
    const at = `${nodes}/${services}`;
    if (this.reverseIndex === null || this.reverseAt !== at) {
      this.reverseIndex = buildReverseIndex(this.state);
      this.reverseAt = at;
    }
    return this.reverseIndex;
  }

  private sync(): void {
    const applied = this.state.applied;
    if (applied === this.at) return;
    this.at = applied;
    this.services = new Map();
    this.nodes = new Map();
    this.servers = null;
  }

  private build(name: string): readonly DnsInstance[] {
    const catalog = this.state.catalog;
    let instances = catalog.instancesOf(name);
    // Service names are usually lower case: only a miss pays for the case-insensitive index.
    if (instances.length === 0) {
      instances = (this.serviceIndex().get(name) ?? []).flatMap((v) => catalog.instancesOf(v));
    }
    return instances.map((i) => {
      const node = catalog.node(i.node);
      const address = i.address || node?.address || '';
      return {
        instance: i,
        status: aggregateStatus(catalog.checksOfInstance(i)),
        address,
        nodeAddress: i.address === '' || (node !== undefined && i.address === node.address),
      };
    });
  }

  private serviceIndex(): Map<string, string[]> {
    const at = this.state.catalog.indexes.services;
    if (this.serviceNames === null || this.serviceNamesAt !== at) {
      const index = new Map<string, string[]>();
      for (const real of this.state.catalog.serviceNames().keys()) {
        const lower = real.toLowerCase();
        const list = index.get(lower);
        if (list) list.push(real);
        else index.set(lower, [real]);
      }
      this.serviceNames = index;
      this.serviceNamesAt = at;
    }
    return this.serviceNames;
  }

  private nodeIndex(): Map<string, string> {
    const at = this.state.catalog.indexes.nodes;
    if (this.nodeNames === null || this.nodeNamesAt !== at) {
      const index = new Map<string, string>();
      for (const n of this.state.catalog.allNodes()) {
        const lower = n.name.toLowerCase();
        if (!index.has(lower)) index.set(lower, n.name);
      }
      this.nodeNames = index;
      this.nodeNamesAt = at;
    }
    return this.nodeNames;
  }
}

/** Built on the first reverse question after a change: a walk over every node and instance. */
function buildReverseIndex(state: RegistryView): ReverseIndex {
  const catalog = state.catalog;
  const found = new Map<string, { nodes: string[]; services: string[] }>();
  const add = (address: string, kind: 'nodes' | 'services', owner: string): void => {
    const name = reverseName(address);
    if (name === null) return;
    let o = found.get(name);
    if (o === undefined) {
      o = { nodes: [], services: [] };
      found.set(name, o);
    }
    // Few owners share an address: a list is cheaper than a set.
    if (!o[kind].includes(owner)) o[kind].push(owner);
  };
  const nodeAddress = new Map<string, string>();
  for (const n of catalog.allNodes()) {
    nodeAddress.set(n.name, n.address);
    add(n.address, 'nodes', n.name);
  }
  for (const service of catalog.serviceNames().keys()) {
    for (const i of catalog.instancesOf(service)) {
      if (i.address !== '' && i.address !== nodeAddress.get(i.node)) add(i.address, 'services', service);
    }
  }
  const owners = new Map<string, AddressOwners>();
  const ancestors = new Set<string>();
  for (const [name, o] of found) {
    owners.set(name, { nodes: o.nodes.sort(), services: o.services.sort() });
    // Up to the zone; once a name is in, so is every name above it.
    for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
      const up = name.slice(dot + 1);
      if (ancestors.has(up)) break;
      ancestors.add(up);
      if (REVERSE_ZONES.includes(up)) break;
    }
  }
  return { owners, ancestors };
}
