import type { Entry, HardState, Index, Snapshot } from '../types.js';
import { StorageClosedError } from './errors.js';
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

  sync(): void {
    this.durable = copy(this.current);
  }

  crash(): void {
    this.current = copy(this.durable);
  }
}

/** RaftStorage in memory, for tests; crashes are modelled by its {@link MemoryDisk}. */
export class MemoryStorage implements RaftStorage {
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
    const img = this.image();
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
    const img = this.image();
    if (img.snapshot && img.snapshot.meta.index >= snapshot.meta.index) return;
    img.snapshot = snapshot;
    this.disk.sync();
  }

  async compact(before: Index): Promise<void> {
    const img = this.image();
    img.entries = img.entries.filter((e) => e.index >= before);
  }

  async getMeta(key: string): Promise<Uint8Array | undefined> {
    return this.image().meta.get(key);
  }

  async setMeta(key: string, value: Uint8Array): Promise<void> {
    this.image().meta.set(key, value);
    this.disk.sync();
  }

  async close(): Promise<void> {
    this.opened = false;
  }

  private image(): Image {
    if (!this.opened) throw new StorageClosedError('memory storage is not open');
    return this.disk.current;
  }
}
