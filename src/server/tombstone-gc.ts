import type { Logger } from 'pino';
import type { Command, RegistryState } from '../state/index.js';

/**
 * Which applied index was current how long ago: samples of (monotonic time,
 * applied index), so "every delete older than the TTL" can be named by an
 * index that every server agrees on. Pure; the leader feeds it.
 */
export class IndexAges {
  private readonly samples: { at: number; index: number }[] = [];

  /** Notes that `index` was applied at `at` (monotonic ms); `at` never goes back. */
  sample(at: number, index: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && last.index === index) return;
    this.samples.push({ at, index });
  }

  /**
   * The highest sampled index applied at least `ageMs` before `now`, or null
   * if none is that old yet. Samples older than it are dropped: later calls
   * only ask about later times.
   */
  olderThan(now: number, ageMs: number): number | null {
    let found = -1;
    for (let i = 0; i < this.samples.length; i++) {
      if ((this.samples[i] as { at: number }).at <= now - ageMs) found = i;
      else break;
    }
    if (found < 0) return null;
    const index = (this.samples[found] as { index: number }).index;
    this.samples.splice(0, found);
    return index;
  }

  clear(): void {
    this.samples.length = 0;
  }

  get size(): number {
    return this.samples.length;
  }
}

export interface TombstoneGcOptions {
  /** How long a deleted key's tombstone and history are kept (Consul's tombstone_ttl). */
  readonly ttlMs: number;
  /** How often the leader samples the applied index and looks for tombstones to reap. */
  readonly intervalMs: number;
}

/**
 * The leader's tombstone collector: every interval it notes the applied
 * index, and once some tombstones are older than the TTL it proposes one
 * `kvReap` for them. A new leader starts sampling afresh, so it reaps at
 * most one TTL late and never early.
 */
export class TombstoneGc {
  private readonly ages = new IndexAges();
  private timer: NodeJS.Timeout | null = null;
  private reaping = false;

  constructor(
    private readonly state: RegistryState,
    private readonly applied: () => number,
    private readonly apply: (cmd: Command) => Promise<unknown>,
    private readonly log: Logger,
    private readonly opts: TombstoneGcOptions,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  start(): void {
    if (this.timer) return;
    this.ages.clear();
    this.ages.sample(this.clock(), this.applied());
    this.timer = setInterval(() => this.round(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.ages.clear();
  }

  private round(): void {
    const now = this.clock();
    this.ages.sample(now, this.applied());
    if (this.reaping) return;
    const upTo = this.ages.olderThan(now, this.opts.ttlMs);
    const oldest = this.state.kv.oldestTombstone();
    if (upTo === null || oldest === null || oldest > upTo) return;
    this.reaping = true;
    this.apply({ type: 'kvReap', upTo })
      .then(() => this.log.info({ upTo }, 'reaped KV tombstones older than the tombstone TTL'))
      .catch((err: unknown) => this.log.warn({ err }, 'reaping KV tombstones failed'))
      .finally(() => {
        this.reaping = false;
      });
  }
}
