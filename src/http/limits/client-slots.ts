/**
 * What each client address holds at once (blocking queries, watch sockets, subscriptions),
 * up to a cap per address. No I/O: callers take a slot when they start holding something
 * and call its release when they stop.
 */
export class ClientSlots {
  private readonly held = new Map<string, number>();
  private total = 0;

  /** `max` slots per address; 0 means no cap (slots are still counted). */
  constructor(readonly max: number) {
    if (!(Number.isSafeInteger(max) && max >= 0)) {
      throw new RangeError(`a per-client cap must be a non-negative integer, got ${max}`);
    }
  }

  /**
   * Takes a slot for `client`, or returns null when it already holds `max`. The release
   * may be called more than once (a request can end by answer and by disconnect).
   */
  take(client: string): (() => void) | null {
    const n = this.held.get(client) ?? 0;
    if (this.max > 0 && n >= this.max) return null;
    this.held.set(client, n + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.held.get(client) ?? 1) - 1;
      // Addresses that hold nothing are forgotten, so the map never outgrows what is held now.
      if (left <= 0) this.held.delete(client);
      else this.held.set(client, left);
    };
  }

  /** Slots `client` holds now. */
  of(client: string): number {
    return this.held.get(client) ?? 0;
  }

  /** Slots held by every client together. */
  get size(): number {
    return this.total;
  }

  /** Addresses holding at least one slot. */
  get clients(): number {
    return this.held.size;
  }
}
