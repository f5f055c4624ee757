/**
 * The registry's replicated data, as stored. Field names follow the domain;
 * the Consul JSON shapes are built from these in src/http.
 */
import type { Index } from '../raft/index.js';

export type HealthStatus = 'passing' | 'warning' | 'critical';
export const HEALTH_STATUSES: readonly HealthStatus[] = ['passing', 'warning', 'critical'];

/** Consul's weights: how much traffic an instance takes when passing and when warning. */
export interface Weights {
  readonly passing: number;
  readonly warning: number;
}

export interface CatalogNode {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly datacenter: string;
  readonly taggedAddresses: Readonly<Record<string, string>>;
  readonly meta: Readonly<Record<string, string>>;
  readonly createIndex: Index;
  readonly modifyIndex: Index;
}

export interface Instance {
  readonly node: string;
  readonly id: string;
  readonly name: string;
  readonly tags: readonly string[];
  /** "" means: use the node's address. */
  readonly address: string;
  readonly port: number;
  readonly meta: Readonly<Record<string, string>>;
  readonly weights: Weights;
  readonly enableTagOverride: boolean;
  readonly taggedAddresses: Readonly<Record<string, { readonly address: string; readonly port: number }>>;
  /** Last load the instance reported with its heartbeats (cairn extension); null if never. */
  readonly load: number | null;
  readonly createIndex: Index;
  readonly modifyIndex: Index;
}

/**
 * What the leader probes for an HTTP or TCP check (Consul's agents run these;
 * cairn has no agents on the instances' machines, so the leader does).
 */
export type Probe =
  | {
      readonly kind: 'http';
      readonly url: string;
      readonly method: string;
      readonly headers: Readonly<Record<string, readonly string[]>>;
      readonly body: string;
      readonly tlsSkipVerify: boolean;
      /** Answer a redirect as it is (a 3xx is critical) instead of following it; absent: follow. */
      readonly disableRedirects?: boolean;
      readonly intervalMs: number;
      readonly timeoutMs: number;
      /** Absent in entries from before damping existed: no damping. */
      readonly thresholds?: ProbeThresholds;
    }
  | {
      readonly kind: 'tcp';
      readonly address: string;
      readonly intervalMs: number;
      readonly timeoutMs: number;
      readonly thresholds?: ProbeThresholds;
    };

/** Consul's damping of flapping probes: consecutive results needed before the status moves (0 = at once). */
export interface ProbeThresholds {
  readonly successBeforePassing: number;
  readonly failuresBeforeWarning: number;
  readonly failuresBeforeCritical: number;
}

export interface Check {
  readonly node: string;
  readonly id: string;
  readonly name: string;
  readonly status: HealthStatus;
  readonly notes: string;
  readonly output: string;
  /** "" for a node-level check. */
  readonly serviceId: string;
  readonly serviceName: string;
  readonly serviceTags: readonly string[];
  /** "ttl", "http" or "tcp"; "" for checks registered through the catalog. */
  readonly type: string;
  /** TTL in milliseconds; 0 when the check has none. */
  readonly ttlMs: number;
  /** The probe the leader runs for an HTTP or TCP check; null for the others. */
  readonly probe: Probe | null;
  /** Deregister the service after this long critical; 0 = never. */
  readonly deregisterCriticalAfterMs: number;
  /** Leader clock (ms since epoch) when the status last changed: the reaper measures from it. */
  readonly statusSince: number;
  readonly createIndex: Index;
  readonly modifyIndex: Index;
}

/** A cairn server as every server knows it: how to reach it for Raft and for HTTP. */
export interface Member {
  readonly name: string;
  readonly serverAddress: string;
  readonly httpAddress: string;
  /** Its HTTPS API address, when it serves one (absent, not '', otherwise: images stay as before). */
  readonly httpsAddress?: string;
  readonly datacenter: string;
  readonly status: 'alive' | 'left';
  readonly createIndex: Index;
  readonly modifyIndex: Index;
}

/** The key of a service or check: unique per node, as in Consul. */
export function scopedKey(node: string, id: string): string {
  return `${node}\u0000${id}`;
}
