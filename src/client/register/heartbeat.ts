import { clamp01 } from '../backoff.js';
import { goDuration } from '../duration.js';
import { encodePath } from '../http/transport.js';

/**
 * When the next heartbeat is due: every ttl/3, minus up to a quarter of that at random, so that
 * instances started together do not heartbeat together and a beat is never later than ttl/3.
 */
export function heartbeatDelay(ttlMs: number, random: () => number): number {
  const interval = ttlMs / 3;
  return interval * (1 - 0.25 * clamp01(random()));
}

/** The check's path: `pass` without a load, `update` (with a JSON body) when reporting one. */
export function heartbeatRequest(
  serviceId: string,
  load: number | null,
): { readonly path: string; readonly body?: { Status: 'passing'; Load: number } } {
  const check = `service:${encodePath(serviceId)}`;
  if (load === null) return { path: `/v1/agent/check/pass/${check}` };
  return { path: `/v1/agent/check/update/${check}`, body: { Status: 'passing', Load: load } };
}

export interface RegistrationSpec {
  readonly name: string;
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly weights: { readonly passing: number; readonly warning: number };
  readonly ttlMs: number;
  readonly deregisterCriticalAfterMs: number | null;
}

/** The body of PUT /v1/agent/service/register. Registered passing: the service registers once it is ready. */
export function registerBody(s: RegistrationSpec): Record<string, unknown> {
  return {
    Name: s.name,
    ID: s.id,
    Address: s.address,
    Port: s.port,
    Tags: [...s.tags],
    Meta: { ...s.meta },
    Weights: { Passing: s.weights.passing, Warning: s.weights.warning },
    Check: {
      CheckID: `service:${s.id}`,
      Name: `${s.name} TTL`,
      TTL: goDuration(s.ttlMs),
      Status: 'passing',
      ...(s.deregisterCriticalAfterMs !== null
        ? { DeregisterCriticalServiceAfter: goDuration(s.deregisterCriticalAfterMs) }
        : {}),
    },
  };
}
