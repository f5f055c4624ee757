import type { AbstractSublevel } from 'abstract-level';
import { Level } from 'level';
import type { Entry, HardState, Index, Snapshot } from '../types.js';
import { DataDirGuard } from './dir-guard.js';
import { StorageClosedError, StorageCorruptError, type StorageFault, StorageFaultError } from './errors.js';
import {
  decodeHardState,
  decodeRun,
  decodeSnapshotRecord,
  encodeHardState,
  encodeRun,
  encodeSnapshotRecord,
  indexKey,
  type RunBounds,
  runBounds,
  runKey,
  type SnapshotRecord,
} from './records.js';
import type { PersistedState, RaftStorage, ReadyWrite } from './types.js';

type Bytes = Uint8Array;
type Db = Level<Bytes, Bytes>;
type Sub = AbstractSublevel<Db, string | Buffer | Uint8Array, Bytes, Bytes>;

const CHUNK_BYTES = 1024 * 1024;
const HARD_STATE_KEY = new TextEncoder().encode('hard');
const EMPTY_HARD_STATE: HardState = { term: 0, vote: null, commit: 0 };
const encoder = new TextEncoder();

/**
 * Raft's durable state in one LevelDB database, in sublevels: `log` (runs of
 * consecutive entries, one record per write, keyed by their first and last
 * index as 8-byte big-endian numbers), `state` (hard state), `snap` (snapshot
 * chunks of 1 MiB, keyed by index + chunk number), `snapmeta` (one record per
 * complete snapshot, written in the same batch as its chunks, so a snapshot
 * without its record was never acknowledged and is ignored) and `meta`.
 */
export class LevelStorage implements RaftStorage {
  private readonly db: Db;
  private readonly log: Sub;
  private readonly state: Sub;
  private readonly snap: Sub;
  private readonly snapmeta: Sub;
  private readonly meta: Sub;
  private opened = false;
  /** Set at open: tells whether the directory is still the one LevelDB opened. */
  private guard: DataDirGuard | null = null;
  /** Bounds of the stored runs in index order, so writes never scan the database. */
  private runs: RunBounds[] = [];
  /** Every run ending before this index has been deleted by a compaction. */
  private compactedBefore: Index = 0;
  /** The stored snapshot records, oldest first: older ones go once a newer one is written. */
  private snapshots: SnapshotRecord[] = [];

  constructor(readonly dir: string) {
    this.db = new Level<Bytes, Bytes>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    const sub = (name: string) =>
      this.db.sublevel<Bytes, Bytes>(name, { keyEncoding: 'view', valueEncoding: 'view' });
    this.log = sub('log');
    this.state = sub('state');
    this.snap = sub('snap');
    this.snapmeta = sub('snapmeta');
    this.meta = sub('meta');
  }

  get location(): string {
    return this.dir;
  }

  async open(): Promise<void> {
    await this.db.open();
    try {
      this.guard = await DataDirGuard.record(this.dir);
    } catch (e) {
      // No marker, no way to tell later that the directory went away: refuse to start.
      await this.db.close();
      throw e;
    }
    this.opened = true;
    this.runs = (await this.log.keys().all()).map(runBounds);
    this.compactedBefore = 0;
    this.snapshots = [];
    for await (const [, value] of this.snapmeta.iterator()) this.snapshots.push(decodeSnapshotRecord(value));
  }

  async load(): Promise<PersistedState> {
    this.check();
    const hsBytes = await this.state.get(HARD_STATE_KEY);
    const hardState = hsBytes ? decodeHardState(hsBytes) : EMPTY_HARD_STATE;
    const record = this.snapshots[this.snapshots.length - 1] ?? null;
    const snapshot = record ? await this.readSnapshot(record) : null;
    const after = snapshot ? snapshot.meta.index : 0;
    const entries: Entry[] = [];
    for await (const [key, value] of this.log.iterator()) {
      const bounds = runBounds(key);
      if (bounds.last <= after) continue; // compacted lazily: a snapshot covers it
      for (const e of decodeRun(bounds, value)) {
        if (e.index <= after) continue;
        const expected = (entries[entries.length - 1]?.index ?? after) + 1;
        if (e.index !== expected && (entries.length > 0 || snapshot !== null)) {
          throw new StorageCorruptError(`log gap: expected entry ${expected}, found ${e.index}`);
        }
        entries.push(e);
      }
    }
    if (snapshot === null && entries.length > 0 && entries[0]?.index !== 1) {
      throw new StorageCorruptError(`log starts at ${entries[0]?.index} with no snapshot before it`);
    }
    return { hardState, snapshot, entries };
  }

  async save(write: ReadyWrite, sync: boolean): Promise<void> {
    this.check();
    const batch = this.db.batch();
    let runs = this.runs;
    let snapshots = this.snapshots;
    if (write.snapshot) {
      // An installed snapshot replaces the whole log.
      for (const r of runs) batch.del(runKey(r), { sublevel: this.log });
      runs = [];
      snapshots = this.putSnapshot(batch, write.snapshot);
    }
    const entries = write.entries;
    if (entries.length > 0) {
      const from = (entries[0] as Entry).index;
      const to = (entries[entries.length - 1] as Entry).index;
      runs = [...runs];
      // Everything stored from `from` on is replaced: whole runs go, a straddling one is cut.
      while (runs.length > 0 && (runs[runs.length - 1] as RunBounds).last >= from) {
        const r = runs.pop() as RunBounds;
        batch.del(runKey(r), { sublevel: this.log });
        if (r.first < from) {
          const stored = await this.log.get(runKey(r));
          if (!stored) throw new StorageCorruptError(`log run ${r.first}..${r.last} vanished`);
          const kept: RunBounds = { first: r.first, last: from - 1 };
          batch.put(runKey(kept), encodeRun(decodeRun(r, stored).slice(0, from - r.first)), {
            sublevel: this.log,
          });
          runs.push(kept);
        }
      }
      const added: RunBounds = { first: from, last: to };
      batch.put(runKey(added), encodeRun(entries), { sublevel: this.log });
      runs.push(added);
    }
    if (write.hardState)
      batch.put(HARD_STATE_KEY, encodeHardState(write.hardState), { sublevel: this.state });
    // LevelDB writes into the files it holds open even after they were deleted: a write that
    // lands while the directory is being deleted must fail here, not be acknowledged. The fstat
    // runs beside the write, so it costs no latency.
    const [, fault] = await Promise.all([batch.write({ sync }), this.guard?.markerLinked() ?? null]);
    if (fault) throw new StorageFaultError(fault);
    // A compaction may have finished while this write was in flight (the driver runs them concurrently).
    this.runs = runs.filter((r) => r.last >= this.compactedBefore);
    if (write.snapshot) this.snapshots = snapshots;
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.check();
    const newest = this.snapshots[this.snapshots.length - 1];
    if (newest && newest.meta.index >= snapshot.meta.index) return;
    const batch = this.db.batch();
    const snapshots = this.putSnapshot(batch, snapshot);
    await batch.write({ sync: true });
    this.snapshots = snapshots;
  }

  async compact(before: Index): Promise<void> {
    this.check();
    // Runs wholly before `before` go; one that straddles it stays until a later compaction.
    const gone = this.runs.filter((r) => r.last < before);
    if (gone.length === 0) return;
    const batch = this.db.batch();
    for (const r of gone) batch.del(runKey(r), { sublevel: this.log });
    // Not synced: losing a compaction in a crash only leaves entries a snapshot already covers.
    await batch.write();
    this.compactedBefore = Math.max(this.compactedBefore, before);
    this.runs = this.runs.filter((r) => r.last >= before);
  }

  async getMeta(key: string): Promise<Uint8Array | undefined> {
    this.check();
    return (await this.meta.get(encoder.encode(key))) ?? undefined;
  }

  async setMeta(key: string, value: Uint8Array): Promise<void> {
    this.check();
    await this.db.batch().put(encoder.encode(key), value, { sublevel: this.meta }).write({ sync: true });
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    this.opened = false;
    const guard = this.guard;
    this.guard = null;
    try {
      await this.db.close();
    } finally {
      await guard?.close();
    }
  }

  async verify(): Promise<StorageFault | null> {
    return this.opened && this.guard ? this.guard.check() : null;
  }

  /** Adds a snapshot's chunks and record to `batch` and drops the older snapshots; returns the new list. */
  private putSnapshot(batch: ReturnType<Db['batch']>, snapshot: Snapshot): SnapshotRecord[] {
    const { data, meta } = snapshot;
    const chunks = Math.max(1, Math.ceil(data.byteLength / CHUNK_BYTES));
    for (let c = 0; c < chunks; c++) {
      batch.put(chunkKey(meta.index, c), data.subarray(c * CHUNK_BYTES, (c + 1) * CHUNK_BYTES), {
        sublevel: this.snap,
      });
    }
    const record: SnapshotRecord = { meta, chunks, bytes: data.byteLength };
    batch.put(indexKey(meta.index), encodeSnapshotRecord(record), { sublevel: this.snapmeta });
    for (const old of this.snapshots) {
      if (old.meta.index === meta.index) continue;
      for (let c = 0; c < old.chunks; c++) batch.del(chunkKey(old.meta.index, c), { sublevel: this.snap });
      batch.del(indexKey(old.meta.index), { sublevel: this.snapmeta });
    }
    return [record];
  }

  private async readSnapshot(record: SnapshotRecord): Promise<Snapshot> {
    const data = new Uint8Array(record.bytes);
    let offset = 0;
    for (let c = 0; c < record.chunks; c++) {
      const chunk = await this.snap.get(chunkKey(record.meta.index, c));
      if (!chunk) throw new StorageCorruptError(`snapshot ${record.meta.index}: chunk ${c} is missing`);
      if (offset + chunk.byteLength > record.bytes) {
        throw new StorageCorruptError(`snapshot ${record.meta.index}: chunks exceed ${record.bytes} bytes`);
      }
      data.set(chunk, offset);
      offset += chunk.byteLength;
    }
    if (offset !== record.bytes) {
      throw new StorageCorruptError(
        `snapshot ${record.meta.index}: ${offset} of ${record.bytes} bytes present`,
      );
    }
    return { meta: record.meta, data };
  }

  private check(): void {
    if (!this.opened) throw new StorageClosedError(`storage at ${this.dir} is not open`);
  }
}

function chunkKey(index: Index, chunk: number): Uint8Array {
  const k = new Uint8Array(12);
  const view = new DataView(k.buffer);
  view.setBigUint64(0, BigInt(index));
  view.setUint32(8, chunk);
  return k;
}
