/**
 * Consul request bodies → validated command parts. Pure: a body in, a spec
 * out, or an HttpError 400 that names the field.
 */
import type {
  CheckSpec,
  HealthStatus,
  NodeSpec,
  Probe,
  ProbeThresholds,
  ServiceSpec,
} from '../state/index.js';
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

/** Consul raises shorter intervals to a second; so does cairn. */
const MIN_PROBE_INTERVAL_MS = 1000;
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The HTTP or TCP probe of an agent check, or null for a check without one.
 * As Consul: an Interval is required, Timeout defaults to 10 s and never
 * exceeds the interval, Method to GET.
 */
function probeSpec(f: Fields, at: (field: string) => string): Probe | null {
  const http = f.str('HTTP');
  const tcp = f.str('TCP');
  if (http === '' && tcp === '') return null;
  if (http !== '' && tcp !== '') throw badRequest(at('TCP'), 'a check probes either HTTP or TCP, not both');
  const interval = f.duration('Interval');
  if (interval <= 0)
    throw badRequest(at('Interval'), `is required for ${http !== '' ? 'HTTP' : 'TCP'} checks`);
  // Whole milliseconds within what timers take (2^31-1 ms, about 24 days).
  const intervalMs = Math.min(Math.max(Math.ceil(interval), MIN_PROBE_INTERVAL_MS), MAX_TIMER_MS);
  const timeoutMs = Math.max(1, Math.min(Math.ceil(f.duration('Timeout') || 10_000), intervalMs));
  const failuresBeforeCritical = f.int('FailuresBeforeCritical', 0, 0, 1000);
  const thresholds: ProbeThresholds = {
    successBeforePassing: f.int('SuccessBeforePassing', 0, 0, 1000),
    // As Consul: without its own setting, warning comes no earlier than critical.
    failuresBeforeWarning: f.int('FailuresBeforeWarning', failuresBeforeCritical, 0, 1000),
    failuresBeforeCritical,
  };
  if (tcp !== '') {
    const port = /^(?:[^\s:[\]]+|\[[0-9a-fA-F:.]+\]):(\d{1,5})$/.exec(tcp)?.[1];
    if (port === undefined || Number(port) < 1 || Number(port) > 65535)
      throw badRequest(at('TCP'), `"${tcp}" is not HOST:PORT (port 1-65535)`);
    return { kind: 'tcp', address: tcp, intervalMs, timeoutMs, thresholds };
  }
  let url: URL;
  try {
    url = new URL(http);
  } catch {
    throw badRequest(at('HTTP'), `"${http}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw badRequest(at('HTTP'), `"${http}" is not an http or https URL`);
  const method = (f.str('Method') || 'GET').toUpperCase();
  if (!/^[A-Z]{1,16}$/.test(method)) throw badRequest(at('Method'), `"${method}" is not an HTTP method`);
  return {
    kind: 'http',
    url: url.toString(),
    method,
    headers: f.strListMap('Header'),
    body: f.str('Body'),
    tlsSkipVerify: f.bool('TLSSkipVerify'),
    disableRedirects: f.bool('DisableRedirects'),
    intervalMs,
    timeoutMs,
    thresholds,
  };
}

/**
 * A check definition. cairn runs TTL checks (heartbeats) and, from the
 * leader, HTTP and TCP checks; checks that would need a process on the
 * instance's machine (script, Docker, OS service) or a protocol cairn does
 * not speak (gRPC, H2 ping, UDP) are refused with a 400 rather than stored
 * and never run. Catalog checks (no TTL) are kept as given, as Consul's
 * catalog does.
 */
export function checkSpec(f: Fields, defaults: CheckDefaults, catalog: boolean): CheckSpec {
  const at = (field: string) => (f.path ? `${f.path}.${field}` : field);
  for (const runner of ['Args', 'Script', 'GRPC', 'DockerContainerID', 'H2PING', 'UDP', 'OSService']) {
    if (f.has(runner) && !catalog) {
      throw badRequest(at(runner), 'cairn runs TTL, HTTP and TCP checks only; use one of those');
    }
  }
  const ttlMs = f.duration('TTL');
  const probe = catalog ? null : probeSpec(f, at);
  if (probe && ttlMs > 0)
    throw badRequest(at('TTL'), `a check is either a TTL or an ${probe.kind.toUpperCase()} check`);
  const checkName = f.str('Name') || defaults.name;
  // As Consul: a check without an id is known by its name.
  const id = f.str('CheckID') || f.str('ID') || defaults.id || checkName;
  if (checkName === '') throw badRequest(at('Name'), 'is required');
  if (id === '') throw badRequest(at('CheckID'), 'is required');
  if (!catalog && ttlMs <= 0 && !probe)
    throw badRequest(
      at('TTL'),
      'is required, or HTTP or TCP with an Interval (cairn runs TTL, HTTP and TCP checks)',
    );
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
    type: ttlMs > 0 ? 'ttl' : (probe?.kind ?? ''),
    ttlMs,
    probe,
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
