/** Which limit refused a TCP connection. */
export type SlotRefusal = 'connections' | 'connections_per_source';

/**
 * Counts open TCP connections in total and per source address, and says whether one more may
 * open. Pure bookkeeping; the server acquires on accept and releases on close.
 */
export class ConnectionSlots {
  private total = 0;
  private readonly bySource = new Map<string, number>();

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerSource: number,
  ) {}

  /** Takes a slot for `source`, or names the limit that is full (nothing taken). */
  acquire(source: string): SlotRefusal | null {
    if (this.total >= this.maxTotal) return 'connections';
    const n = this.bySource.get(source) ?? 0;
    if (n >= this.maxPerSource) return 'connections_per_source';
    this.total++;
    this.bySource.set(source, n + 1);
    return null;
  }

  /** Gives back a slot taken by `acquire` for `source`. */
  release(source: string): void {
    const n = this.bySource.get(source);
    if (n === undefined) return;
    this.total--;
    if (n <= 1) this.bySource.delete(source);
    else this.bySource.set(source, n - 1);
  }

  get open(): number {
    return this.total;
  }

  openFrom(source: string): number {
    return this.bySource.get(source) ?? 0;
  }
}
