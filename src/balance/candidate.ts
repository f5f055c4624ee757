/** One healthy instance as the balancer sees it. */
export interface Candidate {
  /** Stable instance id, unique within a group. */
  readonly id: string;
  /** Effective weight >= 0 (Consul Weights.Passing, or Weights.Warning when the instance is warning). */
  readonly weight: number;
  /** Last reported load (lower is better), null if unknown. */
  readonly load: number | null;
  /** Priority group, lower = preferred (primary 0, backup 1, ...). */
  readonly priority: number;
}

/**
 * Code-unit order rather than `localeCompare`: every server and client must agree on the
 * round-robin ring and on tie-breaks, whatever their locale.
 */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The catalog may list instances in any order; sorting first makes every result independent of it. */
export function sortById<T extends Candidate>(candidates: readonly T[]): T[] {
  return [...candidates].sort((a, b) => compareIds(a.id, b.id));
}

/**
 * A weight that is negative, NaN or infinite would stall smooth weighted round robin (or make its
 * arithmetic NaN) and swamp a weighted hash, so it counts as 0: never picked first while others can be.
 */
export function weightOf(c: Candidate): number {
  return Number.isFinite(c.weight) && c.weight > 0 ? c.weight : 0;
}
