/** Consul's JSON shapes, built from the replicated records (consul-api.md §2). */
import type { CatalogNode, Check, Instance, Member, Probe } from '../state/index.js';
import { formatDuration } from '../state/index.js';

export function nodeJson(n: CatalogNode) {
  return {
    ID: n.id,
    Node: n.name,
    Address: n.address,
    Datacenter: n.datacenter,
    TaggedAddresses: n.taggedAddresses,
    Meta: n.meta,
    CreateIndex: n.createIndex,
    ModifyIndex: n.modifyIndex,
  };
}

function taggedAddresses(i: Instance) {
  const entries = Object.entries(i.taggedAddresses);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map(([k, v]) => [k, { Address: v.address, Port: v.port }]));
}

/** NodeService: `Service` in health results and the values of a catalog node's Services. */
export function nodeServiceJson(i: Instance) {
  return {
    ID: i.id,
    Service: i.name,
    Tags: i.tags,
    Address: i.address,
    TaggedAddresses: taggedAddresses(i),
    Meta: i.meta,
    ...(i.port !== 0 ? { Port: i.port } : {}),
    Weights: { Passing: i.weights.passing, Warning: i.weights.warning },
    EnableTagOverride: i.enableTagOverride,
    Proxy: {},
    Connect: {},
    PeerName: '',
    CreateIndex: i.createIndex,
    ModifyIndex: i.modifyIndex,
  };
}

/** ServiceNode: the items of /v1/catalog/service/:name. */
export function serviceNodeJson(i: Instance, n: CatalogNode | undefined, datacenter: string) {
  return {
    ID: n?.id ?? '',
    Node: i.node,
    Address: n?.address ?? '',
    Datacenter: n?.datacenter ?? datacenter,
    TaggedAddresses: n?.taggedAddresses ?? null,
    NodeMeta: n?.meta ?? {},
    ServiceKind: '',
    ServiceID: i.id,
    ServiceName: i.name,
    ServiceTags: i.tags,
    ServiceAddress: i.address,
    ServiceTaggedAddresses: taggedAddresses(i),
    ServiceWeights: { Passing: i.weights.passing, Warning: i.weights.warning },
    ServiceMeta: i.meta,
    ServicePort: i.port,
    ServiceSocketPath: '',
    ServiceEnableTagOverride: i.enableTagOverride,
    ServiceProxy: {},
    ServiceConnect: {},
    ServiceLocality: null,
    CreateIndex: i.createIndex,
    ModifyIndex: i.modifyIndex,
  };
}

/** AgentService: values of /v1/agent/services. */
export function agentServiceJson(i: Instance, datacenter: string) {
  return {
    ID: i.id,
    Service: i.name,
    Tags: i.tags,
    Meta: i.meta,
    Port: i.port,
    Address: i.address,
    TaggedAddresses: taggedAddresses(i),
    Weights: { Passing: i.weights.passing, Warning: i.weights.warning },
    EnableTagOverride: i.enableTagOverride,
    Datacenter: datacenter,
    CreateIndex: i.createIndex,
    ModifyIndex: i.modifyIndex,
    ...(i.load !== null ? { Load: i.load } : {}),
  };
}

function probeDefinition(p: Probe) {
  const timing = { Interval: formatDuration(p.intervalMs), Timeout: formatDuration(p.timeoutMs) };
  if (p.kind === 'tcp') return { TCP: p.address, ...timing };
  return {
    HTTP: p.url,
    Method: p.method,
    Header: p.headers,
    Body: p.body,
    TLSSkipVerify: p.tlsSkipVerify,
    DisableRedirects: p.disableRedirects ?? false,
    ...timing,
  };
}

export function checkJson(c: Check) {
  return {
    Node: c.node,
    CheckID: c.id,
    Name: c.name,
    Status: c.status,
    Notes: c.notes,
    Output: c.output,
    ServiceID: c.serviceId,
    ServiceName: c.serviceName,
    ServiceTags: c.serviceTags,
    Type: c.type,
    Interval: c.probe ? formatDuration(c.probe.intervalMs) : '',
    Timeout: c.probe ? formatDuration(c.probe.timeoutMs) : '',
    ExposedPort: 0,
    Definition:
      c.ttlMs > 0 || c.deregisterCriticalAfterMs > 0 || c.probe
        ? {
            ...(c.ttlMs > 0 ? { TTL: formatDuration(c.ttlMs) } : {}),
            ...(c.probe ? probeDefinition(c.probe) : {}),
            ...(c.deregisterCriticalAfterMs > 0
              ? { DeregisterCriticalServiceAfter: formatDuration(c.deregisterCriticalAfterMs) }
              : {}),
          }
        : {},
    CreateIndex: c.createIndex,
    ModifyIndex: c.modifyIndex,
  };
}

const MEMBER_STATUS: Readonly<Record<Member['status'], number>> = { alive: 1, left: 3 };

export function memberJson(m: Member) {
  const [addr, port] = splitHostPort(m.serverAddress);
  return {
    Name: m.name,
    Addr: addr,
    Port: port,
    Tags: {
      role: 'consul',
      dc: m.datacenter,
      port: String(port),
      id: m.name,
      http: m.httpAddress,
      // Only a server with an HTTPS API has it: clients given https addresses follow this one.
      ...(m.httpsAddress !== undefined ? { https: m.httpsAddress } : {}),
      vsn: '2',
    },
    Status: MEMBER_STATUS[m.status],
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

export function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

/** The worst status among checks (moved to src/state/health.ts, shared with DNS). */
export { aggregateStatus } from '../state/index.js';
