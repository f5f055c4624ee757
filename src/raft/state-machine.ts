import type { Index } from './types.js';

/**
 * What Raft replicates into. `apply` runs on every server, in log order,
 * exactly once per entry between snapshots, and must be deterministic: same
 * commands, same state, on every server.
 */
export interface StateMachine<R> {
  /** Applies one committed command; the result goes back to whoever proposed it. */
  apply(command: Uint8Array, index: Index): R;
  /**
   * Captures the state as of the last applied entry, cheaply (a persistent
   * structure or a copy-on-write pointer), and returns a function that
   * serializes that capture later, while applies go on.
   */
  snapshot(): () => Uint8Array | Promise<Uint8Array>;
  /** Replaces the whole state with a snapshot's. */
  restore(data: Uint8Array): void;
}
