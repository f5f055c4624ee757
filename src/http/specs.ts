/**
 * Consul request bodies → validated command parts. Pure: a body in, a spec
 * out, or an HttpError 400 that names the field.
 */
import type { CheckSpec, HealthStatus, NodeSpec, ServiceSpec } from '../state/index.js';
import { HEALTH_STATUSES } from '../state/index.js';
import { badRequest } from './errors.js';
import type { Fields } from './fields.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._\-:/@]{0,127}$/;

export function name(value: string, field: string): string {
  if (value === '') throw badRequest(field, 'is required');
  if (!NAME.test(value)) {
    throw badRequest(field, `"${value}" is not valid (letters, digits and . _ - : / @; at most 128)`);
  }
  return value;
}

export function status(value: string, field: string): HealthStatus {
  if (!(HEALTH_STATUSES as readonly string[]).includes(value)) {
    throw badRequest(field, `"${value}" is not one of passing, warning, critical`);
  }
  return value as HealthStatus;
}

export function serviceSpec(f: Fields): ServiceSpec {
  const svcName = name(f.str('Name') || f.str('Service'), `${f.path ? `${f.path}.` : ''}Name`);
  const id = f.str('ID') || svcName;
  name(id, `${f.path ? `${f.path}.` : ''}ID`);
  const w = f.obj('Weights');
  const weights = w
    ? { passing: w.int('Passing', 1, 0, 65535), warning: w.int('Warning', 1, 0, 65535) }
    : { passing: 1, warning: 1 };
  const tagged: Record<string, { address: string; port: number }> = {};
  const ta = f.obj('TaggedAddresses');
  if (ta) {
    for (const k of ta.keys()) {
      const entry = ta.obj(k);
      if (k === '__proto__') continue;
      if (entry) tagged[k] = { address: entry.str('Address'), port: entry.int('Port', 0, 0, 65535) };
    }
  }
  return {
    id,
    name: svcName,
    tags: f.strList('Tags'),
    address: f.str('Address'),
    port: f.int('Port', 0, 0, 65535),
    meta: f.strMap('Meta'),
    weights,
    enableTagOverride: f.bool('EnableTagOverride'),
    taggedAddresses: tagged,
  };
}

export interface CheckDefaults {
  readonly id: string;
  readonly name: string;
  readonly serviceId: string;
}

/**
 * A check definition. cairn runs TTL checks (heartbeats); checks that the
 * agent itself would have to run (HTTP, TCP, script, gRPC) are refused with a
 * 400 rather than stored and never run. Catalog checks (no TTL) are kept as
 * given, as Consul's catalog does.
 */
export function checkSpec(f: Fields, defaults: CheckDefaults, catalog: boolean): CheckSpec {
  const at = (field: string) => (f.path ? `${f.path}.${field}` : field);
  for (const runner of [
    'HTTP',
    'TCP',
    'Args',
    'Script',
    'GRPC',
    'DockerContainerID',
    'H2PING',
    'UDP',
    'OSService',
  ]) {
    if (f.has(runner) && !catalog) {
      throw badRequest(at(runner), 'cairn does not run probes; use a TTL check and heartbeat it');
    }
  }
  const ttlMs = f.duration('TTL');
  const checkName = f.str('Name') || defaults.name;
  // As Consul: a check without an id is known by its name.
  const id = f.str('CheckID') || f.str('ID') || defaults.id || checkName;
  if (checkName === '') throw badRequest(at('Name'), 'is required');
  if (id === '') throw badRequest(at('CheckID'), 'is required');
  if (!catalog && ttlMs <= 0) throw badRequest(at('TTL'), 'is required (cairn runs TTL checks)');
  if (ttlMs > 0 && ttlMs < 100) throw badRequest(at('TTL'), 'must be at least 100ms');
  const rawStatus = f.str('Status');
  const deregister = f.duration('DeregisterCriticalServiceAfter');
  return {
    id,
    name: checkName,
    status: rawStatus === '' ? (catalog ? 'critical' : null) : status(rawStatus, at('Status')),
    notes: f.str('Notes'),
    output: f.str('Output'),
    serviceId: f.str('ServiceID') || defaults.serviceId,
    type: ttlMs > 0 ? 'ttl' : '',
    ttlMs,
    deregisterCriticalAfterMs: deregister > 0 ? Math.max(deregister, 1000) : 0,
  };
}

/** The checks of an agent service registration (`Check` and `Checks`). */
export function serviceChecks(f: Fields, svc: ServiceSpec): CheckSpec[] {
  const defs: Fields[] = [];
  const one = f.obj('Check');
  if (one) defs.push(one);
  defs.push(...f.list('Checks'));
  const multiple = defs.length > 1;
  return defs.map((d, i) =>
    checkSpec(
      d,
      {
        id: multiple ? `service:${svc.id}:${i + 1}` : `service:${svc.id}`,
        name: `Service '${svc.name}' check`,
        serviceId: svc.id,
      },
      false,
    ),
  );
}

export function nodeSpec(f: Fields, datacenter: string): NodeSpec {
  const nodeName = name(f.str('Node'), 'Node');
  const address = f.str('Address');
  if (address === '') throw badRequest('Address', 'is required');
  return {
    name: nodeName,
    id: f.str('ID'),
    address,
    datacenter: f.str('Datacenter') || datacenter,
    taggedAddresses: f.strMap('TaggedAddresses'),
    meta: f.strMap('NodeMeta'),
  };
}
