import type { Index } from '../raft/index.js';
import type { CheckSpec, Command, LoadReport, NodeSpec, ServiceSpec, StatusUpdate } from './commands.js';
import { CowMap } from './cow-map.js';
import { type ApplyResult, failure, OK } from './errors.js';
import { Topic, type Touched } from './topics.js';
import { type CatalogNode, type Check, type HealthStatus, type Instance, scopedKey } from './types.js';

type CatalogCommand = Extract<
  Command,
  {
    type:
      | 'register'
      | 'deregisterService'
      | 'deregisterCheck'
      | 'deregisterNode'
      | 'checkStatus'
      | 'reap'
      | 'loads';
  }
>;

/** The catalog's tables and indexes as a snapshot carries them. */
export interface CatalogImage {
  readonly nodes: readonly CatalogNode[];
  readonly instances: readonly Instance[];
  readonly checks: readonly Check[];
  readonly index: { readonly nodes: Index; readonly services: Index; readonly checks: Index };
  readonly serviceIndex: readonly (readonly [string, Index])[];
  readonly nodeIndex: readonly (readonly [string, Index])[];
}

/**
 * Nodes, service instances and health checks. Tables are copy-on-write maps
 * of immutable records, so a snapshot is a handful of pointer copies.
 * `serviceIndex` and `nodeIndex` keep the last index that touched each name
 * and are never pruned (they are the tombstones that keep a deleted
 * service's index from going back).
 */
export class Catalog {
  private nodes = new CowMap<string, CatalogNode>();
  private instances = new CowMap<string, Instance>();
  private checks = new CowMap<string, Check>();
  private serviceIndex = new CowMap<string, Index>();
  private nodeIndex = new CowMap<string, Index>();
  private tableIndex = { nodes: 0, services: 0, checks: 0 };
  // Secondary indexes: derived, rebuilt on restore, never snapshotted.
  private byName = new Map<string, Set<string>>();
  private servicesOfNode = new Map<string, Set<string>>();
  private checksOfNode = new Map<string, Set<string>>();
  /** Node-level checks only (they decide the health of every service on the node). */
  private nodeLevelChecks = new Map<string, Set<string>>();
  /** scopedKey(node, serviceId) → the ids of that instance's own checks. */
  private checksOfInstanceKey = new Map<string, Set<string>>();
  /** id → the nodes that have a check / service with that id, for lookups by id alone. */
  private nodesByCheckId = new Map<string, Set<string>>();
  private nodesByServiceId = new Map<string, Set<string>>();

  apply(cmd: CatalogCommand, index: Index, touched: Touched): ApplyResult {
    switch (cmd.type) {
      case 'register':
        return this.register(cmd, index, touched);
      case 'deregisterService':
        return this.deregisterService(cmd.node, cmd.serviceId, index, touched);
      case 'deregisterCheck':
        return this.deregisterCheck(cmd.node, cmd.checkId, index, touched);
      case 'deregisterNode':
        return this.deregisterNode(cmd.node, index, touched);
      case 'checkStatus':
        return this.updateStatuses(cmd.updates, cmd.at, index, touched);
      case 'reap':
        for (const s of cmd.services) this.deregisterService(s.node, s.serviceId, index, touched);
        return OK;
      case 'loads':
        return this.setLoads(cmd.reports);
    }
  }

  // ---- reads ------------------------------------------------------------------------

  get indexes(): { readonly nodes: Index; readonly services: Index; readonly checks: Index } {
    return { ...this.tableIndex };
  }

  /** The last index that touched service `name` (its instances, their checks, their nodes). */
  indexOfService(name: string): Index {
    return this.serviceIndex.get(name) ?? this.tableIndex.services;
  }

  indexOfNode(name: string): Index {
    return this.nodeIndex.get(name) ?? this.tableIndex.nodes;
  }

  node(name: string): CatalogNode | undefined {
    return this.nodes.get(name);
  }

  allNodes(): CatalogNode[] {
    return [...this.nodes.values()].sort((a, b) => cmp(a.name, b.name));
  }

  instance(node: string, serviceId: string): Instance | undefined {
    return this.instances.get(scopedKey(node, serviceId));
  }

  /** Instances with this id on any node, those on `preferNode` first. */
  instancesWithId(serviceId: string, preferNode: string): Instance[] {
    return findById(preferNode, this.nodesByServiceId.get(serviceId), (node) =>
      this.instance(node, serviceId),
    );
  }

  instancesOf(name: string): Instance[] {
    const keys = this.byName.get(name);
    if (!keys) return [];
    const out: Instance[] = [];
    for (const k of keys) {
      const i = this.instances.get(k);
      if (i) out.push(i);
    }
    return out.sort((a, b) => cmp(a.node, b.node) || cmp(a.id, b.id));
  }

  instancesOnNode(node: string): Instance[] {
    const ids = this.servicesOfNode.get(node);
    if (!ids) return [];
    const out: Instance[] = [];
    for (const id of ids) {
      const i = this.instances.get(scopedKey(node, id));
      if (i) out.push(i);
    }
    return out.sort((a, b) => cmp(a.id, b.id));
  }

  /** Service name → the union of its instances' tags. */
  serviceNames(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const name of [...this.byName.keys()].sort()) {
      const tags = new Set<string>();
      for (const i of this.instancesOf(name)) for (const t of i.tags) tags.add(t);
      out.set(name, [...tags].sort());
    }
    return out;
  }

  check(node: string, checkId: string): Check | undefined {
    return this.checks.get(scopedKey(node, checkId));
  }

  /** Checks with this id on any node, those on `preferNode` first. */
  checksWithId(checkId: string, preferNode: string): Check[] {
    return findById(preferNode, this.nodesByCheckId.get(checkId), (node) => this.check(node, checkId));
  }

  checksOnNode(node: string): Check[] {
    return this.pick(node, this.checksOfNode.get(node));
  }

  /** The checks that decide an instance's health: its node's and its own. */
  checksOfInstance(i: Instance): Check[] {
    return [...this.pick(i.node, this.nodeLevelChecks.get(i.node)), ...this.ownChecks(i.node, i.id)];
  }

  /** The instance's own checks (not its node's). */
  ownChecks(node: string, serviceId: string): Check[] {
    return this.pick(node, this.checksOfInstanceKey.get(scopedKey(node, serviceId)));
  }

  checksOfService(name: string): Check[] {
    const out: Check[] = [];
    for (const i of this.instancesOf(name)) out.push(...this.ownChecks(i.node, i.id));
    return out;
  }

  private pick(node: string, ids: Set<string> | undefined): Check[] {
    if (!ids) return [];
    const out: Check[] = [];
    for (const id of ids) {
      const c = this.checks.get(scopedKey(node, id));
      if (c) out.push(c);
    }
    return out.sort((a, b) => cmp(a.id, b.id));
  }

  allChecks(): Check[] {
    return [...this.checks.values()].sort((a, b) => cmp(a.node, b.node) || cmp(a.id, b.id));
  }

  /** Every check, unordered (cheaper than allChecks for background scans). */
  everyCheck(): Check[] {
    return [...this.checks.values()];
  }

  /** Every TTL check, for the leader's tracker. */
  ttlChecks(): Check[] {
    const out: Check[] = [];
    for (const c of this.checks.values()) if (c.ttlMs > 0) out.push(c);
    return out;
  }

  /** Every HTTP or TCP check, for the leader's prober. */
  probeChecks(): Check[] {
    const out: Check[] = [];
    for (const c of this.checks.values()) if (c.probe !== null) out.push(c);
    return out;
  }

  get counts(): { nodes: number; instances: number; checks: number } {
    return { nodes: this.nodes.size, instances: this.instances.size, checks: this.checks.size };
  }

  // ---- changed checks, for the leader's TTL tracker ------------------------------------

  /** (node, checkId) pairs whose check changed since the last drain; null after an overflow or restore. */
  private changedChecks: [string, string][] | null = [];

  private noteCheckChange(node: string, id: string): void {
    if (this.changedChecks === null) return;
    // Bounded: whoever does not drain (a follower) just gets "everything changed" later.
    if (this.changedChecks.length >= 200_000) this.changedChecks = null;
    else this.changedChecks.push([node, id]);
  }

  /**
   * The checks that changed since the last call, so the tracker updates only
   * those; null means "too many or unknown: re-read all of them".
   */
  drainCheckChanges(): [string, string][] | null {
    const out = this.changedChecks;
    this.changedChecks = [];
    return out;
  }

  // ---- snapshot -----------------------------------------------------------------------

  image(): () => CatalogImage {
    const nodes = this.nodes.freeze();
    const instances = this.instances.freeze();
    const checks = this.checks.freeze();
    const serviceIndex = this.serviceIndex.freeze();
    const nodeIndex = this.nodeIndex.freeze();
    const index = { ...this.tableIndex };
    return () => ({
      nodes: [...nodes.values()],
      instances: [...instances.values()],
      checks: [...checks.values()],
      index,
      serviceIndex: [...serviceIndex],
      nodeIndex: [...nodeIndex],
    });
  }

  restore(img: CatalogImage): void {
    this.nodes = new CowMap(img.nodes.map((n) => [n.name, n] as const));
    this.instances = new CowMap(img.instances.map((i) => [scopedKey(i.node, i.id), i] as const));
    // Snapshots from before probes existed have checks without one.
    this.checks = new CowMap(
      img.checks.map(
        (c) => [scopedKey(c.node, c.id), c.probe === undefined ? { ...c, probe: null } : c] as const,
      ),
    );
    this.serviceIndex = new CowMap(img.serviceIndex);
    this.nodeIndex = new CowMap(img.nodeIndex);
    this.tableIndex = { ...img.index };
    this.changedChecks = null;
    this.byName = new Map();
    this.servicesOfNode = new Map();
    this.checksOfNode = new Map();
    this.nodeLevelChecks = new Map();
    this.checksOfInstanceKey = new Map();
    this.nodesByCheckId = new Map();
    this.nodesByServiceId = new Map();
    for (const i of img.instances) this.link(i);
    for (const c of this.checks.values()) this.linkCheck(c);
  }

  // ---- writes -------------------------------------------------------------------------

  private register(cmd: Extract<Command, { type: 'register' }>, index: Index, touched: Touched): ApplyResult {
    const existingNode = this.nodes.get(cmd.node.name);
    if (cmd.service) {
      for (const c of cmd.checks) {
        if (
          c.serviceId !== '' &&
          c.serviceId !== cmd.service.id &&
          !this.instance(cmd.node.name, c.serviceId)
        ) {
          return failure('notFound', `check ${c.id}: unknown service ID "${c.serviceId}"`);
        }
      }
    } else {
      for (const c of cmd.checks) {
        if (c.serviceId !== '' && !this.instance(cmd.node.name, c.serviceId)) {
          return failure('notFound', `check ${c.id}: unknown service ID "${c.serviceId}"`);
        }
      }
    }
    const max = cmd.maxInstances ?? 0;
    if (
      max > 0 &&
      cmd.service &&
      !this.instance(cmd.node.name, cmd.service.id) &&
      this.instances.size >= max
    ) {
      return failure(
        'quota',
        `Service instance limit reached: ${this.instances.size} instances registered, at most ${max} allowed (catalog_max_instances); deregister instances first`,
      );
    }
    if (!existingNode || !cmd.skipNodeUpdate) this.upsertNode(cmd.node, index, touched);
    if (cmd.service) this.upsertInstance(cmd.node.name, cmd.service, index, touched);
    for (const c of cmd.checks) this.upsertCheck(cmd.node.name, c, cmd.at, index, touched);
    if (cmd.service && cmd.replaceExistingChecks) {
      const keep = new Set(cmd.checks.map((c) => c.id));
      for (const c of this.ownChecks(cmd.node.name, cmd.service.id)) {
        if (!keep.has(c.id)) this.removeCheck(c, index, touched);
      }
    }
    return OK;
  }

  private upsertNode(spec: NodeSpec, index: Index, touched: Touched): void {
    const old = this.nodes.get(spec.name);
    if (
      old &&
      old.id === spec.id &&
      old.address === spec.address &&
      old.datacenter === spec.datacenter &&
      sameRecord(old.taggedAddresses, spec.taggedAddresses) &&
      sameRecord(old.meta, spec.meta)
    ) {
      return;
    }
    this.nodes.set(spec.name, {
      id: spec.id,
      name: spec.name,
      address: spec.address,
      datacenter: spec.datacenter,
      taggedAddresses: spec.taggedAddresses,
      meta: spec.meta,
      createIndex: old?.createIndex ?? index,
      modifyIndex: index,
    });
    this.tableIndex.nodes = index;
    touched.add(Topic.nodes);
    this.touchNode(spec.name, index, touched);
    // A node's address is part of every answer about its services.
    this.touchServicesOnNode(spec.name, index, touched);
  }

  private upsertInstance(node: string, spec: ServiceSpec, index: Index, touched: Touched): void {
    const key = scopedKey(node, spec.id);
    const old = this.instances.get(key);
    if (old && sameService(old, spec)) return;
    if (old && old.name !== spec.name) {
      this.unlink(old);
      this.touchService(old.name, index, touched);
    }
    const inst: Instance = {
      node,
      id: spec.id,
      name: spec.name,
      tags: spec.tags,
      address: spec.address,
      port: spec.port,
      meta: spec.meta,
      weights: spec.weights,
      enableTagOverride: spec.enableTagOverride,
      taggedAddresses: spec.taggedAddresses,
      load: old?.load ?? null,
      createIndex: old?.createIndex ?? index,
      modifyIndex: index,
    };
    this.instances.set(key, inst);
    this.link(inst);
    this.tableIndex.services = index;
    touched.add(Topic.services);
    this.touchService(spec.name, index, touched);
    this.touchNode(node, index, touched);
    // Checks copy their service's name and tags.
    for (const c of this.ownChecks(node, spec.id)) {
      if (c.serviceName !== spec.name || !sameList(c.serviceTags, spec.tags)) {
        this.putCheck(
          { ...c, serviceName: spec.name, serviceTags: spec.tags, modifyIndex: index },
          index,
          touched,
        );
      }
    }
  }

  private upsertCheck(node: string, spec: CheckSpec, at: number, index: Index, touched: Touched): void {
    const old = this.check(node, spec.id);
    const inst = spec.serviceId === '' ? undefined : this.instance(node, spec.serviceId);
    const status: HealthStatus = spec.status ?? old?.status ?? 'critical';
    const next: Check = {
      node,
      id: spec.id,
      name: spec.name,
      status,
      notes: spec.notes,
      output: spec.status === null && old ? old.output : spec.output,
      serviceId: spec.serviceId,
      serviceName: inst?.name ?? '',
      serviceTags: inst?.tags ?? [],
      type: spec.type,
      ttlMs: spec.ttlMs,
      probe: spec.probe ?? null,
      deregisterCriticalAfterMs: spec.deregisterCriticalAfterMs,
      statusSince: old && old.status === status ? old.statusSince : at,
      createIndex: old?.createIndex ?? index,
      modifyIndex: index,
    };
    if (old && sameCheck(old, next)) return;
    // Moved to another service (or between node and service level): the old owner's answers change too.
    if (old && old.serviceId !== next.serviceId) this.touchCheck(old, index, touched);
    this.putCheck(next, index, touched);
  }

  private putCheck(c: Check, index: Index, touched: Touched): void {
    const old = this.checks.get(scopedKey(c.node, c.id));
    if (old && old.serviceId !== c.serviceId) this.unlinkCheck(old);
    this.checks.set(scopedKey(c.node, c.id), c);
    this.linkCheck(c);
    this.touchCheck(c, index, touched);
  }

  private removeCheck(c: Check, index: Index, touched: Touched): void {
    this.checks.delete(scopedKey(c.node, c.id));
    this.unlinkCheck(c);
    this.touchCheck(c, index, touched);
  }

  private touchCheck(c: Check, index: Index, touched: Touched): void {
    this.noteCheckChange(c.node, c.id);
    this.tableIndex.checks = index;
    touched.add(Topic.checks);
    this.touchNode(c.node, index, touched);
    if (c.serviceId !== '') {
      const inst = this.instance(c.node, c.serviceId);
      if (inst) this.touchService(inst.name, index, touched);
      else if (c.serviceName !== '') this.touchService(c.serviceName, index, touched);
    } else {
      // A node check decides the health of every service on the node.
      this.touchServicesOnNode(c.node, index, touched);
    }
  }

  private deregisterService(node: string, serviceId: string, index: Index, touched: Touched): ApplyResult {
    const inst = this.instance(node, serviceId);
    if (!inst) return failure('notFound', `Unknown service ID "${serviceId}" on node "${node}"`);
    for (const c of this.ownChecks(node, serviceId)) this.removeCheck(c, index, touched);
    this.instances.delete(scopedKey(node, serviceId));
    this.unlink(inst);
    this.tableIndex.services = index;
    touched.add(Topic.services);
    this.touchService(inst.name, index, touched);
    this.touchNode(node, index, touched);
    return OK;
  }

  private deregisterCheck(node: string, checkId: string, index: Index, touched: Touched): ApplyResult {
    const c = this.check(node, checkId);
    if (!c) return failure('notFound', `Unknown check ID "${checkId}" on node "${node}"`);
    this.removeCheck(c, index, touched);
    return OK;
  }

  private deregisterNode(node: string, index: Index, touched: Touched): ApplyResult {
    if (!this.nodes.has(node)) return failure('notFound', `Unknown node "${node}"`);
    for (const i of this.instancesOnNode(node)) this.deregisterService(node, i.id, index, touched);
    for (const c of this.checksOnNode(node)) this.removeCheck(c, index, touched);
    this.nodes.delete(node);
    this.tableIndex.nodes = index;
    touched.add(Topic.nodes);
    this.touchNode(node, index, touched);
    return OK;
  }

  private updateStatuses(
    updates: readonly StatusUpdate[],
    at: number,
    index: Index,
    touched: Touched,
  ): ApplyResult {
    for (const u of updates) {
      const c = this.check(u.node, u.checkId);
      if (!c || (c.status === u.status && c.output === u.output)) continue;
      this.putCheck(
        {
          ...c,
          status: u.status,
          output: u.output,
          statusSince: c.status === u.status ? c.statusSince : at,
          modifyIndex: index,
        },
        index,
        touched,
      );
    }
    return OK;
  }

  private setLoads(reports: readonly LoadReport[]): ApplyResult {
    // Loads steer balancing only; they do not move indexes, so watchers are not woken every second.
    for (const r of reports) {
      const key = scopedKey(r.node, r.serviceId);
      const inst = this.instances.get(key);
      if (inst && inst.load !== r.load) this.instances.set(key, { ...inst, load: r.load });
    }
    return OK;
  }

  private touchService(name: string, index: Index, touched: Touched): void {
    this.serviceIndex.set(name, index);
    touched.add(Topic.service(name));
  }

  private touchServicesOnNode(node: string, index: Index, touched: Touched): void {
    const names = new Set<string>();
    for (const id of this.servicesOfNode.get(node) ?? []) {
      const i = this.instances.get(scopedKey(node, id));
      if (i) names.add(i.name);
    }
    for (const n of names) this.touchService(n, index, touched);
  }

  private touchNode(name: string, index: Index, touched: Touched): void {
    this.nodeIndex.set(name, index);
    touched.add(Topic.node(name));
  }

  private link(i: Instance): void {
    addTo(this.byName, i.name, scopedKey(i.node, i.id));
    addTo(this.servicesOfNode, i.node, i.id);
    addTo(this.nodesByServiceId, i.id, i.node);
  }

  private unlink(i: Instance): void {
    removeFrom(this.byName, i.name, scopedKey(i.node, i.id));
    removeFrom(this.servicesOfNode, i.node, i.id);
    removeFrom(this.nodesByServiceId, i.id, i.node);
  }

  private linkCheck(c: Check): void {
    addTo(this.checksOfNode, c.node, c.id);
    addTo(this.nodesByCheckId, c.id, c.node);
    if (c.serviceId === '') addTo(this.nodeLevelChecks, c.node, c.id);
    else addTo(this.checksOfInstanceKey, scopedKey(c.node, c.serviceId), c.id);
  }

  private unlinkCheck(c: Check): void {
    removeFrom(this.checksOfNode, c.node, c.id);
    removeFrom(this.nodesByCheckId, c.id, c.node);
    if (c.serviceId === '') removeFrom(this.nodeLevelChecks, c.node, c.id);
    else removeFrom(this.checksOfInstanceKey, scopedKey(c.node, c.serviceId), c.id);
  }
}

/** A record by id (ids are unique per node): the one on `preferNode`, else every node's. */
function findById<T>(
  preferNode: string,
  nodes: ReadonlySet<string> | undefined,
  get: (node: string) => T | undefined,
): T[] {
  const own = get(preferNode);
  if (own) return [own];
  const found: T[] = [];
  for (const node of nodes ?? []) {
    const x = get(node);
    if (x) found.push(x);
  }
  return found;
}

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) {
    s = new Set();
    m.set(k, s);
  }
  s.add(v);
}

function removeFrom(m: Map<string, Set<string>>, k: string, v: string): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameRecord(a: object, b: object): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => JSON.stringify(ra[k]) === JSON.stringify(rb[k]));
}

function sameService(i: Instance, s: ServiceSpec): boolean {
  return (
    i.name === s.name &&
    i.address === s.address &&
    i.port === s.port &&
    i.enableTagOverride === s.enableTagOverride &&
    sameList(i.tags, s.tags) &&
    sameRecord(i.meta, s.meta) &&
    sameRecord(i.weights, s.weights) &&
    sameRecord(i.taggedAddresses, s.taggedAddresses)
  );
}

function sameCheck(a: Check, b: Check): boolean {
  return (
    a.name === b.name &&
    a.status === b.status &&
    a.notes === b.notes &&
    a.output === b.output &&
    a.serviceId === b.serviceId &&
    a.serviceName === b.serviceName &&
    sameList(a.serviceTags, b.serviceTags) &&
    a.type === b.type &&
    a.ttlMs === b.ttlMs &&
    JSON.stringify(a.probe) === JSON.stringify(b.probe) &&
    a.deregisterCriticalAfterMs === b.deregisterCriticalAfterMs
  );
}
