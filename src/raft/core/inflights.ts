import type { Index } from '../types.js';

/**
 * The append messages sent to one follower and not yet acknowledged, in send
 * order. It bounds how much a leader pipelines to a follower, in count and
 * in bytes, so a slow follower cannot make the leader buffer without end.
 */
export class Inflights {
  private readonly lastIndexes: Index[] = [];
  private readonly sizes: number[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    readonly maxCount: number,
    readonly maxBytes: number,
  ) {}

  get count(): number {
    return this.lastIndexes.length - this.head;
  }

  get inflightBytes(): number {
    return this.bytes;
  }

  /** Records one message whose last entry is `lastIndex`. Indexes must increase. */
  add(lastIndex: Index, size: number): void {
    const n = this.lastIndexes.length;
    if (n > this.head && this.lastIndexes[n - 1]! >= lastIndex) {
      throw new Error(`inflights: index ${lastIndex} not above ${this.lastIndexes[n - 1]}`);
    }
    this.lastIndexes.push(lastIndex);
    this.sizes.push(size);
    this.bytes += size;
  }

  /** Forgets every message whose last entry is at or below `index` (acknowledged). */
  freeLE(index: Index): void {
    while (this.head < this.lastIndexes.length && this.lastIndexes[this.head]! <= index) {
      this.bytes -= this.sizes[this.head]!;
      this.head++;
    }
    // Compact now and then so the arrays do not grow with the total sent.
    if (this.head > 64 && this.head * 2 > this.lastIndexes.length) {
      this.lastIndexes.splice(0, this.head);
      this.sizes.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Forgets the oldest message: a heartbeat answer suggests it was lost, so let one more through. */
  freeFirstOne(): void {
    if (this.count > 0) this.freeLE(this.lastIndexes[this.head]!);
  }

  full(): boolean {
    return this.count >= this.maxCount || (this.maxBytes > 0 && this.bytes >= this.maxBytes);
  }

  reset(): void {
    this.lastIndexes.length = 0;
    this.sizes.length = 0;
    this.head = 0;
    this.bytes = 0;
  }
}
