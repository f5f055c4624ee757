import type { Entry, HardState, Index, Snapshot } from '../types.js';
import { StorageClosedError, type StorageFault, StorageFaultError } from './errors.js';
import type { PersistedState, RaftStorage, ReadyWrite } from './types.js';

interface Image {
  hardState: HardState;
  snapshot: Snapshot | null;
  /** Contiguous log entries; may start before the snapshot until compacted. */
  entries: Entry[];
  meta: Map<string, Uint8Array>;
}

const emptyImage = (): Image => ({
  hardState: { term: 0, vote: null, commit: 0 },
  snapshot: null,
  entries: [],
  meta: new Map(),
});

const copy = (i: Image): Image => ({ ...i, entries: [...i.entries], meta: new Map(i.meta) });

/**
 * A disk that outlives the MemoryStorage on it: `crash()` returns it to its
 * last synced image, as a power cut would. Writes are whole (a batch is never
 * half-kept), and a synced write makes every earlier write durable too.
 */
export class MemoryDisk {
  /** What survives a crash. */
  private durable: Image = emptyImage();
  /** What a running process sees. */
  current: Image = emptyImage();
  /** What verify() reports, for tests: a disk that went away while writes still succeed. */
  fault: StorageFault | null = null;
  /** When set, every write fails with this, as a disk reporting errors would. */
  failWrites: StorageFault | null = null;

  sync(): void {
    this.durable = copy(this.current);
  }

  crash(): void {
    this.current = copy(this.durable);
  }
}

/** RaftStorage in memory, for tests; crashes are modelled by its {@link MemoryDisk}. */
export class MemoryStorage implements RaftStorage {
  readonly location = 'memory';
  private opened = false;

  constructor(readonly disk: MemoryDisk = new MemoryDisk()) {}

  async open(): Promise<void> {
    this.opened = true;
  }

  async load(): Promise<PersistedState> {
    const img = this.image();
    const after = img.snapshot?.meta.index ?? 0;
    return {
      hardState: img.hardState,
      snapshot: img.snapshot,
      entries: img.entries.filter((e) => e.index > after),
    };
  }

  async save(write: ReadyWrite, sync: boolean): Promise<void> {
    const img = this.writable();
    if (write.snapshot) {
      img.snapshot = write.snapshot;
      img.entries = [];
    }
    if (write.entries.length > 0) {
      const from = (write.entries[0] as Entry).index;
      const start = img.entries[0]?.index;
      // Keep what precedes the write; everything from its first index on is replaced.
      img.entries = start === undefined || from < start ? [] : img.entries.slice(0, from - start);
      img.entries.push(...write.entries);
    }
    if (write.hardState) img.hardState = write.hardState;
    if (sync) this.disk.sync();
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    const img = this.writable();
    if (img.snapshot && img.snapshot.meta.index >= snapshot.meta.index) return;
    img.snapshot = snapshot;
    this.disk.sync();
  }

  async compact(before: Index): Promise<void> {
    const img = this.writable();
    img.entries = img.entries.filter((e) => e.index >= before);
  }

  async getMeta(key: string): Promise<Uint8Array | undefined> {
    return this.image().meta.get(key);
  }

  async setMeta(key: string, value: Uint8Array): Promise<void> {
    this.writable().meta.set(key, value);
    this.disk.sync();
  }

  async close(): Promise<void> {
    this.opened = false;
  }

  async verify(): Promise<StorageFault | null> {
    return this.opened ? this.disk.fault : null;
  }

  private writable(): Image {
    const img = this.image();
    if (this.disk.failWrites) throw new StorageFaultError(this.disk.failWrites);
    return img;
  }

  private image(): Image {
    if (!this.opened) throw new StorageClosedError('memory storage is not open');
    return this.disk.current;
  }
}
