import { arr, type Json, obj, optNum, optStr, str, strList, strMap } from '../wire.js';

export type HealthStatus = 'passing' | 'warning' | 'critical';

/** One instance of a resolved service, as the client balances over it. */
export interface Endpoint {
  /** `<node>/<serviceId>`: unique across the cluster (the id watch events use). */
  readonly id: string;
  readonly node: string;
  readonly serviceId: string;
  readonly service: string;
  /** Service.Address, or the node's address when the service has none. */
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly weights: { readonly passing: number; readonly warning: number };
  /** The worst of its checks. */
  readonly status: HealthStatus;
}

/** An endpoint from one entry of /v1/health/service (or a `kind: "service"` watch event). */
export function endpointFromEntry(v: unknown): Endpoint {
  const e = obj(v, 'health entry');
  const node = obj(e.Node, 'health entry.Node');
  const svc = obj(e.Service, 'health entry.Service');
  const nodeName = str(node, 'Node', 'Node');
  const serviceId = str(svc, 'ID', 'Service');
  const weights = typeof svc.Weights === 'object' && svc.Weights !== null ? (svc.Weights as Json) : {};
  const address = optStr(svc, 'Address') || optStr(node, 'Address');
  return {
    id: `${nodeName}/${serviceId}`,
    node: nodeName,
    serviceId,
    service: str(svc, 'Service', 'Service'),
    address,
    port: optNum(svc, 'Port', 0),
    tags: strList(svc.Tags),
    meta: strMap(svc.Meta),
    weights: { passing: optNum(weights, 'Passing', 1), warning: optNum(weights, 'Warning', 1) },
    status: aggregateStatus(Array.isArray(e.Checks) ? e.Checks : []),
  };
}

/** As Consul: any critical check makes the instance critical, else any warning makes it warning. */
export function aggregateStatus(checks: readonly unknown[]): HealthStatus {
  let status: HealthStatus = 'passing';
  for (const c of checks) {
    const s = typeof c === 'object' && c !== null ? (c as Json).Status : undefined;
    if (s === 'critical') return 'critical';
    if (s === 'warning') status = 'warning';
  }
  return status;
}

export function endpointsFromList(v: unknown): Endpoint[] {
  return arr(v, 'health list').map(endpointFromEntry);
}

/** `host:port`, with IPv6 hosts bracketed. */
export function hostPort(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}
