import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RaftLog } from '../../../src/raft/core/index.js';
import type { Entry } from '../../../src/raft/types.js';
import { confSnapshot, entry, logOf } from './harness.js';

const conf = { voters: ['a'], learners: [] };

/** A log holding entries with these terms, all persisted. */
function logWith(terms: number[], commit = 0): RaftLog {
  return RaftLog.restore(null, logOf(terms), commit);
}

function sized(index: number, term: number, bytes: number): Entry {
  return { index, term, kind: 'normal', data: new Uint8Array(bytes) };
}

describe('RaftLog basics', () => {
  it('an empty log', () => {
    const l = new RaftLog();
    expect(l.firstIndex()).toBe(1);
    expect(l.lastIndex()).toBe(0);
    expect(l.lastTerm()).toBe(0);
    expect(l.term(0)).toBe(0);
    expect(l.term(1)).toBeUndefined();
    expect(l.matchTerm(0, 0)).toBe(true);
  });

  it('term lookups inside, before and after the log', () => {
    const l = RaftLog.restore(confSnapshot(conf, 3, 2), logOf([2, 3, 3], 4), 0);
    expect(l.firstIndex()).toBe(4);
    expect(l.term(3)).toBe(2); // the snapshot's own index
    expect(l.term(2)).toBeUndefined(); // compacted
    expect(l.term(5)).toBe(3);
    expect(l.term(7)).toBeUndefined();
    expect(l.entry(3)).toBeUndefined();
    expect(l.entry(4)?.term).toBe(2);
    expect(l.matchTerm(6, 3)).toBe(true);
    expect(l.matchTerm(6, 2)).toBe(false);
  });

  it('restore clamps commit into [offset, last] and starts applied at the snapshot', () => {
    const l = RaftLog.restore(confSnapshot(conf, 3, 2), logOf([2, 3], 4), 99);
    expect(l.committed).toBe(5);
    expect(l.applied).toBe(3);
    expect(l.persisted).toBe(5);
    expect(RaftLog.restore(confSnapshot(conf, 3, 2), [], 0).committed).toBe(3);
    // Entries the snapshot covers are skipped; a hole is an error.
    expect(RaftLog.restore(confSnapshot(conf, 2, 1), logOf([1, 1, 1]), 0).lastIndex()).toBe(3);
    expect(() => RaftLog.restore(null, [entry(1, 1), entry(3, 1)], 0)).toThrow(/hole before index 3/);
  });

  it('isUpToDate compares last term first, then index (the election restriction)', () => {
    const l = logWith([1, 2, 2]);
    expect(l.isUpToDate(3, 2)).toBe(true);
    expect(l.isUpToDate(9, 2)).toBe(true);
    expect(l.isUpToDate(2, 2)).toBe(false);
    expect(l.isUpToDate(1, 3)).toBe(true); // a later last term wins even with a shorter log
    expect(l.isUpToDate(100, 1)).toBe(false); // a longer log of an older term loses
  });
});

describe('RaftLog append and conflicts', () => {
  it('append truncates a conflicting suffix and counts the rewrite', () => {
    const l = logWith([1, 1, 1, 1]);
    l.append([entry(3, 2), entry(4, 2), entry(5, 2)]);
    expect([1, 2, 3, 4, 5].map((i) => l.term(i))).toEqual([1, 1, 2, 2, 2]);
    expect(l.rewrites).toBe(1);
    expect(l.persisted).toBe(2);
    expect(l.unstableFrom).toBe(3);
  });

  it('append refuses to overwrite committed entries or to leave a hole', () => {
    const l = logWith([1, 1, 1], 2);
    expect(() => l.append([entry(2, 2)])).toThrow(/overwrite committed/);
    expect(() => l.append([entry(5, 1)])).toThrow(/hole after 3/);
    l.append([]);
    expect(l.lastIndex()).toBe(3);
  });

  it('findConflict: first mismatching or missing index, 0 when all match', () => {
    const l = logWith([1, 2, 3]);
    expect(l.findConflict([])).toBe(0);
    expect(l.findConflict([entry(1, 1), entry(2, 2)])).toBe(0);
    expect(l.findConflict([entry(2, 2), entry(3, 4)])).toBe(3);
    expect(l.findConflict([entry(3, 3), entry(4, 3)])).toBe(4);
  });

  it('maybeAppend: consistency check, then append after the match, then commit', () => {
    const l = logWith([1, 1, 2]);
    expect(l.maybeAppend(3, 1, 3, [entry(4, 2)])).toBe(-1); // wrong term at prev
    expect(l.maybeAppend(4, 2, 3, [])).toBe(-1); // prev beyond our log
    expect(l.lastIndex()).toBe(3);
    // Matching prefix re-sent: nothing rewritten, commit bounded by the last new entry.
    expect(l.maybeAppend(1, 1, 9, [entry(2, 1)])).toBe(2);
    expect(l.committed).toBe(2);
    expect(l.rewrites).toBe(0);
    expect(l.lastIndex()).toBe(3);
    // A conflict at 3 truncates and appends.
    expect(l.maybeAppend(2, 1, 2, [entry(3, 3), entry(4, 3)])).toBe(4);
    expect(l.term(3)).toBe(3);
    expect(l.lastIndex()).toBe(4);
    expect(l.rewrites).toBe(1);
  });

  it('maybeAppend refuses a conflict with a committed entry', () => {
    const l = logWith([1, 1, 1], 3);
    expect(() => l.maybeAppend(1, 1, 3, [entry(2, 2)])).toThrow(/conflicts with committed/);
  });

  it('findConflictByTerm: largest index <= index whose term <= term', () => {
    const l = logWith([1, 1, 3, 3, 5, 5]);
    expect(l.findConflictByTerm(6, 5)).toBe(6);
    expect(l.findConflictByTerm(6, 4)).toBe(4);
    expect(l.findConflictByTerm(6, 2)).toBe(2);
    expect(l.findConflictByTerm(6, 0)).toBe(0);
    expect(l.findConflictByTerm(99, 3)).toBe(4); // clamped to the last index
    const c = RaftLog.restore(confSnapshot(conf, 4, 3), logOf([5, 5], 5), 0);
    expect(c.findConflictByTerm(6, 1)).toBe(4); // stops at the compacted prefix
  });
});

describe('RaftLog commit and apply', () => {
  it('commitTo never goes back nor past the end', () => {
    const l = logWith([1, 1, 1]);
    l.commitTo(2);
    l.commitTo(1);
    expect(l.committed).toBe(2);
    expect(() => l.commitTo(4)).toThrow(/beyond last index/);
  });

  it('maybeCommit only commits an entry of the given term', () => {
    const l = logWith([1, 1, 2]);
    expect(l.maybeCommit(2, 2)).toBe(false);
    expect(l.committed).toBe(0);
    expect(l.maybeCommit(3, 2)).toBe(true);
    expect(l.committed).toBe(3);
    expect(l.maybeCommit(3, 2)).toBe(false);
  });

  it('nextCommitted hands out entries once, bounded in bytes but at least one', () => {
    const l = RaftLog.restore(null, [sized(1, 1, 10), sized(2, 1, 10), sized(3, 1, 10)], 3);
    expect(l.hasNextCommitted()).toBe(true);
    const a = l.nextCommitted(15);
    expect(a.map((e) => e.index)).toEqual([1]);
    l.appliedTo(1);
    expect(l.nextCommitted(5).map((e) => e.index)).toEqual([2]);
    expect(l.nextCommitted(100).map((e) => e.index)).toEqual([2, 3]);
    l.appliedTo(3);
    expect(l.hasNextCommitted()).toBe(false);
    expect(l.nextCommitted(100)).toEqual([]);
  });

  it('appliedTo stays within [applied, committed]', () => {
    const l = logWith([1, 1, 1], 2);
    expect(() => l.appliedTo(3)).toThrow(/outside/);
    l.appliedTo(2);
    expect(() => l.appliedTo(1)).toThrow(/outside/);
  });

  it('slice honours the byte cap, always returns one entry, and refuses compacted ranges', () => {
    const l = RaftLog.restore(null, [sized(1, 1, 8), sized(2, 1, 8), sized(3, 1, 8)], 0);
    expect(l.slice(1, 4, 16).map((e) => e.index)).toEqual([1, 2]);
    expect(l.slice(1, 4, 1).map((e) => e.index)).toEqual([1]);
    expect(l.slice(2, 99, 1000).map((e) => e.index)).toEqual([2, 3]);
    expect(l.bytesBetween(2, 3)).toBe(16);
    expect(l.bytesBetween(3, 2)).toBe(0);
    const c = RaftLog.restore(confSnapshot(conf, 2, 1), [sized(3, 1, 8)], 0);
    expect(() => c.slice(2, 4, 100)).toThrow(/compacted/);
  });
});

describe('RaftLog persistence bookkeeping', () => {
  it('takeUnstable hands out new entries once; stableTo ignores truncated ones', () => {
    const l = new RaftLog();
    l.append(logOf([1, 1, 1]));
    expect(l.hasUnstable()).toBe(true);
    expect(l.takeUnstable().map((e) => e.index)).toEqual([1, 2, 3]);
    expect(l.hasUnstable()).toBe(false);
    expect(l.takeUnstable()).toEqual([]);
    // Entries 2..3 are replaced before the write of the first batch finished.
    l.append([entry(2, 2)]);
    l.stableTo(3);
    expect(l.persisted).toBe(1);
    expect(l.takeUnstable().map((e) => [e.index, e.term])).toEqual([[2, 2]]);
    l.stableTo(2);
    expect(l.persisted).toBe(2);
  });
});

describe('RaftLog snapshots and compaction', () => {
  it('restoreSnapshot replaces the log; the log restarts after it', () => {
    const l = logWith([1, 1, 1], 1);
    const snap = confSnapshot(conf, 10, 4, 'state');
    l.restoreSnapshot(snap);
    expect(l.firstIndex()).toBe(11);
    expect(l.lastIndex()).toBe(10);
    expect(l.lastTerm()).toBe(4);
    expect(l.committed).toBe(10);
    expect(l.applied).toBe(10);
    expect(l.pendingSnapshot).toBe(snap);
    // Applying waits for the snapshot to be installed.
    expect(l.nextCommitted(100)).toEqual([]);
    l.append([entry(11, 4)]);
    expect(l.lastIndex()).toBe(11);
    expect(l.term(10)).toBe(4);
  });

  it('compact drops the prefix up to min(keepFrom - 1, snapshot, persisted)', () => {
    const l = logWith([1, 1, 2, 2, 2, 3], 6);
    l.appliedTo(5);
    const snap = confSnapshot(conf, 5, 2);
    l.compact(snap, 3);
    expect(l.firstIndex()).toBe(3);
    expect(l.offsetTerm).toBe(1);
    expect(l.snapshot).toBe(snap);
    expect(l.term(3)).toBe(2);
    // A smaller keepFrom later compacts further, never past the snapshot.
    l.compact(snap, 100);
    expect(l.firstIndex()).toBe(6);
    expect(l.offsetTerm).toBe(2);
    expect(l.lastIndex()).toBe(6);
    // An older snapshot neither replaces the newer one nor un-compacts.
    l.compact(confSnapshot(conf, 2, 1), 1);
    expect(l.snapshot).toBe(snap);
    expect(l.firstIndex()).toBe(6);
  });

  it('compact refuses a snapshot beyond applied and keeps unpersisted entries', () => {
    const l = logWith([1, 1], 2);
    expect(() => l.compact(confSnapshot(conf, 2, 1), 3)).toThrow(/beyond applied/);
    l.appliedTo(2);
    l.append([entry(3, 1)]); // not yet durable
    l.commitTo(3);
    l.appliedTo(3);
    l.compact(confSnapshot(conf, 3, 1), 4);
    expect(l.firstIndex()).toBe(3);
  });
});

/**
 * A model of the follower side of replication: a plain array of terms.
 * Random appends (some matching, some not, some conflicting) must leave
 * the log exactly as the model says, and never lose a committed entry.
 */
describe('RaftLog vs an array model (property)', () => {
  it('maybeAppend behaves like the textbook AppendEntries receiver', () => {
    const op = fc.record({
      prev: fc.nat(12),
      prevTermDelta: fc.integer({ min: -1, max: 1 }),
      terms: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 5 }),
      commit: fc.nat(15),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const log = new RaftLog();
        let model: number[] = []; // model[i] = term of index i + 1
        let committed = 0;
        for (const o of ops) {
          const modelTerm = (i: number) => (i === 0 ? 0 : model[i - 1]);
          const mt = modelTerm(o.prev);
          const prevTerm = (mt ?? 1) + (o.prevTermDelta === 0 ? 0 : o.prevTermDelta);
          // Terms never decrease along a log: build entries with terms >= prevTerm.
          let t = Math.max(prevTerm, 1);
          const ents = o.terms.map((d, i) => {
            t = Math.max(t, d);
            return entry(o.prev + 1 + i, t);
          });
          const matches = mt !== undefined && mt === prevTerm;
          let conflictsCommitted = false;
          if (matches) {
            for (const e of ents) {
              if (model[e.index - 1] !== e.term) {
                conflictsCommitted = e.index <= committed;
                break;
              }
            }
          }
          if (conflictsCommitted) {
            expect(() => log.maybeAppend(o.prev, prevTerm, o.commit, ents)).toThrow(/committed/);
            return; // the leader would never send this; stop the run here
          }
          const got = log.maybeAppend(o.prev, prevTerm, o.commit, ents);
          if (!matches) {
            expect(got).toBe(-1);
          } else {
            const firstConflict = ents.findIndex((e) => model[e.index - 1] !== e.term);
            if (firstConflict >= 0) {
              const at = ents[firstConflict]!.index;
              model = model.slice(0, at - 1).concat(ents.slice(firstConflict).map((e) => e.term));
            }
            const lastNew = o.prev + ents.length;
            expect(got).toBe(lastNew);
            committed = Math.max(committed, Math.min(o.commit, lastNew));
          }
          expect(log.lastIndex()).toBe(model.length);
          for (let i = 1; i <= model.length; i++) expect(log.term(i)).toBe(model[i - 1]);
          expect(log.committed).toBe(committed);
        }
      }),
    );
  });
});
