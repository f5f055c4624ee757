import { ClientSlots } from './client-slots.js';
import {
  CLIENT_LIMIT_DEFAULTS,
  type ClientLimitOptions,
  REFUSAL_REASONS,
  type RefusalReason,
} from './options.js';

/**
 * The per-client caps of one HTTP app: what each address holds now, and a count of every
 * refusal by reason (read by the metrics at each scrape).
 */
export class ClientLimits {
  readonly options: ClientLimitOptions;
  readonly blocking: ClientSlots;
  readonly watchConnections: ClientSlots;
  readonly watchSubscriptions: ClientSlots;
  // Every reason from the start, so the metric shows each (at 0) before its first refusal.
  private readonly refusals = new Map<RefusalReason, number>(REFUSAL_REASONS.map((r) => [r, 0]));

  constructor(options: Partial<ClientLimitOptions> = {}) {
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.options = { ...CLIENT_LIMIT_DEFAULTS, ...given };
    this.blocking = new ClientSlots(this.options.maxBlockingPerClient);
    this.watchConnections = new ClientSlots(this.options.maxWatchConnectionsPerClient);
    this.watchSubscriptions = new ClientSlots(this.options.maxWatchSubscriptionsPerClient);
  }

  refused(reason: RefusalReason): void {
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
  }

  /** Refusals so far, by reason (every reason, 0 when none). */
  refusedCounts(): ReadonlyMap<RefusalReason, number> {
    return this.refusals;
  }
}
