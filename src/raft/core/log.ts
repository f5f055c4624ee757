import { entriesBytes } from '../messages.js';
import type { Entry, Index, Snapshot, Term } from '../types.js';

/**
 * The log as the core sees it: a synchronous in-memory copy of every entry
 * after `offset` (the driver writes the durable copy), plus the bookkeeping
 * of what is persisted, committed and applied.
 *
 * Invariants: offset <= applied <= committed <= lastIndex();
 *             persisted < unstableFrom <= lastIndex() + 1.
 */
export class RaftLog {
  /** Entries offset+1 .. lastIndex(). */
  private entries: Entry[] = [];
  /** Index of the entry just before the first one held (compacted away or the snapshot's). */
  offset: Index = 0;
  offsetTerm: Term = 0;
  /** The newest snapshot, sent to followers that need compacted entries. */
  snapshot: Snapshot | null = null;
  /** A snapshot received from the leader that the driver must still install. */
  pendingSnapshot: Snapshot | null = null;
  committed: Index = 0;
  /** Highest index handed to the driver to apply. */
  applied: Index = 0;
  /** First index not yet handed to the driver to persist. */
  unstableFrom: Index = 1;
  /** Highest index known to be durable on this server (and still in the log). */
  persisted: Index = 0;
  /** Bumped whenever entries are removed from the end or the log is replaced by a snapshot. */
  rewrites = 0;

  /** Builds the log of a server that restarts from durable state. */
  static restore(snapshot: Snapshot | null, entries: readonly Entry[], commit: Index): RaftLog {
    const log = new RaftLog();
    if (snapshot) {
      log.snapshot = snapshot;
      log.offset = snapshot.meta.index;
      log.offsetTerm = snapshot.meta.term;
    }
    for (const e of entries) {
      if (e.index <= log.offset) continue;
      if (e.index !== log.lastIndex() + 1) throw new Error(`log hole before index ${e.index}`);
      log.entries.push(e);
    }
    log.committed = Math.max(log.offset, Math.min(commit, log.lastIndex()));
    log.applied = log.offset;
    log.persisted = log.lastIndex();
    log.unstableFrom = log.lastIndex() + 1;
    return log;
  }

  firstIndex(): Index {
    return this.offset + 1;
  }

  lastIndex(): Index {
    return this.offset + this.entries.length;
  }

  lastTerm(): Term {
    return this.term(this.lastIndex())!;
  }

  /** The term of the entry at `i`, or undefined when it is compacted or beyond the end. */
  term(i: Index): Term | undefined {
    if (i === this.offset) return this.offsetTerm;
    if (i < this.offset || i > this.lastIndex()) return undefined;
    return this.entries[i - this.offset - 1]!.term;
  }

  entry(i: Index): Entry | undefined {
    if (i <= this.offset || i > this.lastIndex()) return undefined;
    return this.entries[i - this.offset - 1];
  }

  matchTerm(i: Index, t: Term): boolean {
    return this.term(i) === t;
  }

  /** The election restriction: is a log ending at (index, term) at least as up to date as ours? */
  isUpToDate(index: Index, term: Term): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && index >= this.lastIndex());
  }

  /**
   * Entries lo..hi-1, at most `maxBytes` of payload but always at least one
   * entry. Callers make sure lo > offset.
   */
  slice(lo: Index, hi: Index, maxBytes: number): Entry[] {
    if (lo <= this.offset) throw new Error(`slice(${lo}) of compacted log (offset ${this.offset})`);
    const end = Math.min(hi, this.lastIndex() + 1);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < end; i++) {
      const e = this.entries[i - this.offset - 1]!;
      bytes += e.data.byteLength;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  /**
   * The follower's side of an append: if our log matches at (prevIndex,
   * prevTerm), append `ents` (truncating a conflicting suffix) and advance
   * commit. Returns the last index now known to match the leader, or -1.
   */
  maybeAppend(prevIndex: Index, prevTerm: Term, commit: Index, ents: readonly Entry[]): Index {
    if (!this.matchTerm(prevIndex, prevTerm)) return -1;
    const lastNew = prevIndex + ents.length;
    const conflict = this.findConflict(ents);
    if (conflict !== 0) {
      if (conflict <= this.committed) {
        throw new Error(`entry ${conflict} conflicts with committed entry (committed ${this.committed})`);
      }
      this.append(ents.slice(conflict - ents[0]!.index));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /** The first index in `ents` whose term differs from ours or that we lack; 0 if none. */
  findConflict(ents: readonly Entry[]): Index {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term`: where a leader at
   * `term` may next find a match. Used for fast back-off on rejection.
   */
  findConflictByTerm(index: Index, term: Term): Index {
    let i = Math.min(index, this.lastIndex());
    while (i > this.offset) {
      const t = this.term(i)!;
      if (t <= term) break;
      i--;
    }
    return i;
  }

  /** Appends entries that follow index ents[0].index - 1, dropping anything after it. */
  append(ents: readonly Entry[]): void {
    if (ents.length === 0) return;
    const first = ents[0]!.index;
    if (first <= this.committed) throw new Error(`append at ${first} would overwrite committed entries`);
    if (first > this.lastIndex() + 1)
      throw new Error(`append at ${first} leaves a hole after ${this.lastIndex()}`);
    if (first <= this.lastIndex()) {
      this.rewrites++;
      this.entries.length = first - this.offset - 1;
      this.unstableFrom = Math.min(this.unstableFrom, first);
      this.persisted = Math.min(this.persisted, first - 1);
    }
    for (const e of ents) this.entries.push(e);
  }

  commitTo(i: Index): void {
    if (i <= this.committed) return;
    if (i > this.lastIndex()) throw new Error(`commit ${i} beyond last index ${this.lastIndex()}`);
    this.committed = i;
  }

  /** The commit rule: only an entry of the current term is committed by counting replicas. */
  maybeCommit(i: Index, term: Term): boolean {
    if (i > this.committed && this.term(i) === term) {
      this.commitTo(i);
      return true;
    }
    return false;
  }

  /** Hands out the entries to persist and marks them as handed out. */
  takeUnstable(): Entry[] {
    if (this.unstableFrom > this.lastIndex()) return [];
    const out = this.entries.slice(this.unstableFrom - this.offset - 1);
    this.unstableFrom = this.lastIndex() + 1;
    return out;
  }

  hasUnstable(): boolean {
    return this.unstableFrom <= this.lastIndex();
  }

  /**
   * Marks entries up to `index` durable, except those truncated since they
   * were handed out (their replacements are handed out again).
   */
  stableTo(index: Index): void {
    this.persisted = Math.max(this.persisted, Math.min(index, this.unstableFrom - 1));
  }

  /** Committed entries not yet handed out to apply, at most `maxBytes` (at least one). */
  nextCommitted(maxBytes: number): Entry[] {
    if (this.pendingSnapshot) return [];
    const hi = Math.min(this.committed, this.lastIndex());
    if (this.applied >= hi) return [];
    return this.slice(this.applied + 1, hi + 1, maxBytes);
  }

  hasNextCommitted(): boolean {
    return !this.pendingSnapshot && this.applied < this.committed;
  }

  appliedTo(i: Index): void {
    if (i > this.committed || i < this.applied) {
      throw new Error(`applied ${i} outside [${this.applied}, ${this.committed}]`);
    }
    this.applied = i;
  }

  /** Replaces the whole log by a snapshot received from the leader. */
  restoreSnapshot(snap: Snapshot): void {
    this.rewrites++;
    this.entries = [];
    this.offset = snap.meta.index;
    this.offsetTerm = snap.meta.term;
    this.committed = snap.meta.index;
    this.applied = snap.meta.index;
    this.unstableFrom = snap.meta.index + 1;
    this.persisted = snap.meta.index;
    this.snapshot = snap;
    this.pendingSnapshot = snap;
  }

  /**
   * Records a snapshot the local state machine took at `snap.meta.index` and
   * drops entries before `keepFrom` (a tail is kept for slow followers).
   */
  compact(snap: Snapshot, keepFrom: Index): void {
    if (snap.meta.index > this.applied)
      throw new Error(`snapshot ${snap.meta.index} beyond applied ${this.applied}`);
    if (!this.snapshot || snap.meta.index > this.snapshot.meta.index) this.snapshot = snap;
    const newOffset = Math.min(keepFrom - 1, snap.meta.index, this.persisted);
    if (newOffset <= this.offset) return;
    const t = this.term(newOffset)!;
    this.entries = this.entries.slice(newOffset - this.offset);
    this.offset = newOffset;
    this.offsetTerm = t;
  }

  /** Payload bytes of entries lo..hi. */
  bytesBetween(lo: Index, hi: Index): number {
    if (hi < lo) return 0;
    return entriesBytes(this.slice(Math.max(lo, this.offset + 1), hi + 1, Number.POSITIVE_INFINITY));
  }
}
