import type { Index } from '../raft/index.js';
import { CowMap } from './cow-map.js';
import type { KvEntry, KvVersion, SessionBehavior } from './kv-types.js';
import { LockDelays } from './lock-delay.js';
import { Topic, type Touched } from './topics.js';

export interface KvImage {
  readonly entries: readonly KvEntry[];
  readonly history: readonly (readonly [string, readonly KvVersion[]])[];
  readonly tombstones: readonly (readonly [string, Index])[];
  readonly index: Index;
  /** The highest tombstone index reaped so far (absent in snapshots from before reaping existed). */
  readonly reapedIndex?: Index;
}

/** One KV change, as watches stream it: the entry written, or null for a delete. */
export interface KvChange {
  readonly index: Index;
  readonly key: string;
  readonly entry: KvEntry | null;
}

/** Who made a write and when, recorded in history. */
export interface WriteMeta {
  readonly index: Index;
  readonly at: number;
  readonly author: string;
  /** Versions kept per key. */
  readonly keep: number;
}

/**
 * Key/value entries with per-key history. Keys are also kept in one sorted
 * array (live and deleted ones) so prefix reads and a prefix's index are a
 * binary search and a scan of just that range. A deleted key leaves a
 * tombstone index behind, so a prefix's index never goes back; tombstones
 * (with the deleted key's history) are reaped once old enough, and the
 * highest index reaped then stands in for them.
 */
export class KvStore {
  private entries = new CowMap<string, KvEntry>();
  private history = new CowMap<string, readonly KvVersion[]>();
  private tombstones = new CowMap<string, Index>();
  private sorted: string[] = [];
  private tableIndex: Index = 0;
  private reapedIndex: Index = 0;
  /** Not replicated, as in Consul: see lock-delay.ts. */
  private readonly lockDelays = new LockDelays();
  /** Recent changes in apply order, for watches that resume or need only what changed. */
  private readonly journal: KvChange[] = [];
  /** Every change at or below this index has left the journal (or predates it). */
  private journalFloor: Index = 0;

  /** Value bytes held by the journal; bounded as well as its length, since values may be large. */
  private journalBytes = 0;

  constructor(
    private readonly journalLimit = 50_000,
    private readonly journalMaxBytes = 64 * 1024 * 1024,
  ) {}

  get(key: string): KvEntry | undefined {
    return this.entries.get(key);
  }

  get index(): Index {
    return this.tableIndex;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Live entries whose key starts with `prefix`, in key order. */
  list(prefix: string): KvEntry[] {
    const out: KvEntry[] = [];
    for (let i = this.lowerBound(prefix); i < this.sorted.length; i++) {
      const k = this.sorted[i] as string;
      if (!k.startsWith(prefix)) break;
      const e = this.entries.get(k);
      if (e) out.push(e);
    }
    return out;
  }

  /** The last index that touched any key under `prefix`, deletes included (the table index if none). */
  prefixIndex(prefix: string): Index {
    let max = 0;
    for (let i = this.lowerBound(prefix); i < this.sorted.length; i++) {
      const k = this.sorted[i] as string;
      if (!k.startsWith(prefix)) break;
      max = Math.max(max, this.entries.get(k)?.modifyIndex ?? 0, this.tombstones.get(k) ?? 0);
    }
    // A reaped tombstone may have been this prefix's latest change: never answer below it.
    return max === 0 ? this.tableIndex : Math.max(max, this.reapedIndex);
  }

  /** The index of a single key: its ModifyIndex, its tombstone, or the table index. */
  keyIndex(key: string): Index {
    return this.entries.get(key)?.modifyIndex ?? this.tombstones.get(key) ?? this.tableIndex;
  }

  /**
   * The changes after `since`, in order, whose key matches (`prefix` true:
   * starts with `key`; false: equals it). null when the journal no longer
   * reaches back that far: the caller needs a fresh snapshot.
   */
  changesSince(since: Index, key: string, prefix: boolean): KvChange[] | null {
    if (since < this.journalFloor) return null;
    let lo = 0;
    let hi = this.journal.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.journal[mid] as KvChange).index <= since) lo = mid + 1;
      else hi = mid;
    }
    const out: KvChange[] = [];
    for (let i = lo; i < this.journal.length; i++) {
      const c = this.journal[i] as KvChange;
      if (prefix ? c.key.startsWith(key) : c.key === key) out.push(c);
    }
    return out;
  }

  /** Deleted keys still remembered (with their history). */
  get tombstoneCount(): number {
    return this.tombstones.size;
  }

  /** The lowest tombstone index, or null when there is none. */
  oldestTombstone(): Index | null {
    let min: Index | null = null;
    for (const [, index] of this.tombstones.entries()) if (min === null || index < min) min = index;
    return min;
  }

  versions(key: string): readonly KvVersion[] {
    return this.history.get(key) ?? [];
  }

  // ---- writes (callers have validated everything) --------------------------------------

  put(entry: KvEntry, meta: WriteMeta, touched: Touched): void {
    const isNew = !this.entries.has(entry.key) && !this.tombstones.has(entry.key);
    this.entries.set(entry.key, entry);
    this.tombstones.delete(entry.key);
    if (isNew) this.insertSorted(entry.key);
    this.record(
      entry.key,
      {
        index: meta.index,
        op: 'set',
        value: entry.value,
        flags: entry.flags,
        session: entry.session,
        at: meta.at,
        author: meta.author,
      },
      meta.keep,
    );
    this.touch(entry.key, meta.index, touched);
    this.log({ index: meta.index, key: entry.key, entry });
  }

  remove(key: string, meta: WriteMeta, touched: Touched): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.tombstones.set(key, meta.index);
    this.record(
      key,
      {
        index: meta.index,
        op: 'delete',
        value: null,
        flags: old.flags,
        session: null,
        at: meta.at,
        author: meta.author,
      },
      meta.keep,
    );
    this.touch(key, meta.index, touched);
    this.log({ index: meta.index, key, entry: null });
  }

  /**
   * Forgets deleted keys whose delete is at or below `upTo`, with their
   * history, so key churn does not grow memory for ever. Returns how many.
   */
  reapTombstones(upTo: Index): number {
    let reaped = 0;
    for (const [key, index] of [...this.tombstones.entries()]) {
      if (index > upTo) continue;
      this.tombstones.delete(key);
      this.history.delete(key);
      this.reapedIndex = Math.max(this.reapedIndex, index);
      reaped++;
    }
    if (reaped > 0) this.sorted = this.sorted.filter((k) => this.entries.has(k) || this.tombstones.has(k));
    return reaped;
  }

  private log(c: KvChange): void {
    this.journal.push(c);
    this.journalBytes += c.entry?.value.byteLength ?? 0;
    if (this.journal.length <= this.journalLimit && this.journalBytes <= this.journalMaxBytes) return;
    // Drop at least the oldest tenth at once, so trimming is not a shift per write.
    let n = Math.max(1, Math.ceil(this.journal.length / 10));
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += this.journal[i]?.entry?.value.byteLength ?? 0;
    while (n < this.journal.length && this.journalBytes - bytes > this.journalMaxBytes) {
      bytes += this.journal[n]?.entry?.value.byteLength ?? 0;
      n++;
    }
    const drop = this.journal.splice(0, n);
    this.journalBytes -= bytes;
    this.journalFloor = (drop[drop.length - 1] as KvChange).index;
  }

  /**
   * A session ended: its locks are released (or their keys deleted), and
   * each key gets a lock-delay measured on this server's clock from `now`.
   */
  releaseSession(
    id: string,
    behavior: SessionBehavior,
    lockDelayMs: number,
    now: number,
    meta: WriteMeta,
    touched: Touched,
  ): void {
    const held = [...this.entries.values()].filter((e) => e.session === id);
    for (const e of held) {
      if (behavior === 'delete') this.remove(e.key, meta, touched);
      else this.put({ ...e, session: null, modifyIndex: meta.index }, meta, touched);
      this.lockDelays.start(e.key, now, lockDelayMs);
    }
  }

  /** Whether an acquire of `key` must wait for a lock-delay (checked on the leader before proposing). */
  lockDelayed(key: string, now: number): boolean {
    return this.lockDelays.delayed(key, now);
  }

  // ---- snapshot -----------------------------------------------------------------------

  image(): () => KvImage {
    const entries = this.entries.freeze();
    const history = this.history.freeze();
    const tombstones = this.tombstones.freeze();
    const index = this.tableIndex;
    const reapedIndex = this.reapedIndex;
    return () => ({
      entries: [...entries.values()],
      history: [...history],
      tombstones: [...tombstones],
      index,
      reapedIndex,
    });
  }

  restore(img: KvImage): void {
    this.entries = new CowMap(img.entries.map((e) => [e.key, e] as const));
    this.history = new CowMap(img.history);
    this.tombstones = new CowMap(img.tombstones);
    this.tableIndex = img.index;
    this.reapedIndex = img.reapedIndex ?? 0;
    this.sorted = [
      ...new Set(
        [...this.entries.entries()].map(([k]) => k).concat([...this.tombstones.entries()].map(([k]) => k)),
      ),
    ].sort(cmp);
    this.lockDelays.clear();
    // Whatever happened before this snapshot is not in the journal.
    this.journal.length = 0;
    this.journalBytes = 0;
    this.journalFloor = img.index;
  }

  private record(key: string, v: KvVersion, keep: number): void {
    const old = this.history.get(key) ?? [];
    const next = old.length >= keep ? [...old.slice(old.length - keep + 1), v] : [...old, v];
    this.history.set(key, next);
  }

  private touch(key: string, index: Index, touched: Touched): void {
    this.tableIndex = index;
    touched.add(Topic.kvKey(key));
    // Every prefix of the key, so a watch on any prefix (not only at '/') wakes.
    for (let n = 0; n <= key.length; n++) touched.add(Topic.kvPrefix(key.slice(0, n)));
  }

  private lowerBound(prefix: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.sorted[mid] as string) < prefix) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insertSorted(key: string): void {
    const at = this.lowerBound(key);
    if (this.sorted[at] !== key) this.sorted.splice(at, 0, key);
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
