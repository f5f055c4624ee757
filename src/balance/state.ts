import type { StrategyName } from './strategies.js';

/** What one stateful strategy remembers about one group. */
export class Cursor {
  /** Where the next rotation starts, as an index into the candidates sorted by id. */
  rotation = 0;
  /** Smooth weighted round robin's running "current weight" per instance id. */
  readonly current = new Map<string, number>();
}

export const DEFAULT_MAX_GROUPS = 10_000;

/**
 * Per-group memory of the stateful strategies (round-robin position, smooth-weighted current
 * weights). Bounded: forgets groups beyond `maxGroups` (LRU) and ids no longer present.
 *
 * Groups are named by callers from request data (service name + tag, ...), so without the bound a
 * stream of distinct lookups would grow this without limit. Forgetting a group only costs its
 * rotation restarting, which is harmless.
 */
export class BalancerState {
  readonly maxGroups: number;
  // A Map iterates in insertion order, so re-inserting a group on each use keeps the least
  // recently used one first: eviction is O(1) with no extra bookkeeping.
  readonly #groups = new Map<string, Map<StrategyName, Cursor>>();

  constructor(maxGroups: number = DEFAULT_MAX_GROUPS) {
    if (!Number.isSafeInteger(maxGroups) || maxGroups < 1) {
      throw new RangeError(`maxGroups must be a positive integer, got ${maxGroups}`);
    }
    this.maxGroups = maxGroups;
  }

  /** How many groups are remembered. */
  get size(): number {
    return this.#groups.size;
  }

  /** Drops a group's memory (e.g. when its service is deregistered); true if there was any. */
  forget(group: string): boolean {
    return this.#groups.delete(group);
  }

  /**
   * @internal The memory `strategy` keeps for `group`, created on first use. Strategies keep
   * separate cursors so that mixing them on one group cannot skew either one's rotation.
   */
  cursor(group: string, strategy: StrategyName): Cursor {
    let cursors = this.#groups.get(group);
    if (cursors) this.#groups.delete(group);
    else cursors = new Map();
    this.#groups.set(group, cursors);
    if (this.#groups.size > this.maxGroups) {
      for (const oldest of this.#groups.keys()) {
        this.#groups.delete(oldest);
        break;
      }
    }
    let cursor = cursors.get(strategy);
    if (!cursor) {
      cursor = new Cursor();
      cursors.set(strategy, cursor);
    }
    return cursor;
  }
}
