import type { Entry, HardState, Index, Snapshot } from '../../../src/raft/types.js';

interface DiskState {
  hard: HardState;
  snapshot: Snapshot | null;
  entries: Map<Index, Entry>;
}

type Write = (s: DiskState) => void;

/**
 * A disk that keeps unsynced writes apart and loses them on a crash. Writes
 * reach the platter in order, so a synced write makes everything before it
 * durable too.
 */
export class SimDisk {
  private durable: DiskState = {
    hard: { term: 0, vote: null, commit: 0 },
    snapshot: null,
    entries: new Map(),
  };
  private volatile: Write[] = [];

  write(w: Write, sync: boolean): void {
    this.volatile.push(w);
    if (sync) this.flush();
  }

  private flush(): void {
    for (const w of this.volatile) w(this.durable);
    this.volatile = [];
  }

  saveReady(
    entries: readonly Entry[],
    hard: HardState | null,
    snapshot: Snapshot | null,
    sync: boolean,
  ): void {
    this.write((s) => {
      if (snapshot) {
        s.entries.clear();
        s.snapshot = snapshot;
      }
      if (entries.length > 0) {
        const first = entries[0]!.index;
        for (const i of [...s.entries.keys()]) if (i >= first) s.entries.delete(i);
        for (const e of entries) s.entries.set(e.index, e);
      }
      if (hard) s.hard = hard;
    }, sync);
  }

  saveSnapshot(snap: Snapshot): void {
    this.write((s) => {
      if (!s.snapshot || s.snapshot.meta.index < snap.meta.index) s.snapshot = snap;
    }, true);
  }

  compact(before: Index): void {
    this.write((s) => {
      for (const i of [...s.entries.keys()]) if (i < before) s.entries.delete(i);
    }, false);
  }

  crash(): void {
    this.volatile = [];
  }

  /** What a restarting server reads: the snapshot and the contiguous log after it. */
  load(): { hardState: HardState; snapshot: Snapshot | null; entries: Entry[] } {
    const s = this.durable;
    const from = (s.snapshot?.meta.index ?? 0) + 1;
    const entries: Entry[] = [];
    const max = Math.max(0, ...s.entries.keys());
    for (let i = from; i <= max; i++) {
      const e = s.entries.get(i);
      if (!e) throw new Error(`disk: hole in the log at ${i}`);
      entries.push(e);
    }
    return { hardState: s.hard, snapshot: s.snapshot, entries };
  }
}
