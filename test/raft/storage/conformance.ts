import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RaftStorage } from '../../../src/raft/storage/index.js';
import type { Entry, HardState, Snapshot } from '../../../src/raft/types.js';

/** Opens a fresh storage; `reopen` gives a new instance over the same durable state. */
export interface StorageFactory {
  create(): Promise<{ storage: RaftStorage; reopen: () => RaftStorage; cleanup: () => Promise<void> }>;
}

export const entry = (index: number, term: number, kind: Entry['kind'] = 'normal'): Entry => ({
  index,
  term,
  kind,
  data: new TextEncoder().encode(`${index}@${term}`),
});

const range = (from: number, to: number, term: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term));

const snapshot = (index: number, term: number, bytes = 16, fill = 7): Snapshot => ({
  meta: { index, term, conf: { voters: ['a', 'b', 'c'], learners: ['d'] } },
  data: new Uint8Array(bytes).fill(fill),
});

const hs = (term: number, vote: string | null, commit: number): HardState => ({ term, vote, commit });

const brief = (es: readonly Entry[]) =>
  es.map((e) => `${e.index}@${e.term}:${new TextDecoder().decode(e.data)}`);

/** The behaviour every RaftStorage must have; run against each implementation. */
export function describeStorageConformance(name: string, factory: StorageFactory): void {
  describe(`${name}: RaftStorage conformance`, () => {
    async function withStorage(f: (s: RaftStorage, reopen: () => Promise<RaftStorage>) => Promise<void>) {
      const { storage, reopen, cleanup } = await factory.create();
      let current = storage;
      await current.open();
      try {
        await f(current, async () => {
          await current.close();
          current = reopen();
          await current.open();
          return current;
        });
      } finally {
        await current.close();
        await cleanup();
      }
    }

    it('an empty store loads as empty', () =>
      withStorage(async (s) => {
        const st = await s.load();
        expect(st).toEqual({ hardState: hs(0, null, 0), snapshot: null, entries: [] });
      }));

    it('keeps entries and hard state across a reopen', () =>
      withStorage(async (s, reopen) => {
        await s.save({ entries: range(1, 5, 1), hardState: hs(1, 'a', 3), snapshot: null }, true);
        await s.save({ entries: [entry(6, 2, 'noop')], hardState: hs(2, null, 5), snapshot: null }, true);
        const st = await (await reopen()).load();
        expect(st.hardState).toEqual(hs(2, null, 5));
        expect(brief(st.entries)).toEqual(brief([...range(1, 5, 1), entry(6, 2, 'noop')]));
        expect(st.entries[5]?.kind).toBe('noop');
      }));

    it('a write starting inside the log replaces everything from there, even a longer tail', () =>
      withStorage(async (s, reopen) => {
        await s.save({ entries: range(1, 10, 1), hardState: null, snapshot: null }, true);
        await s.save({ entries: range(4, 5, 2), hardState: null, snapshot: null }, true);
        expect(brief((await s.load()).entries)).toEqual(brief([...range(1, 3, 1), ...range(4, 5, 2)]));
        await s.save({ entries: range(6, 7, 3), hardState: null, snapshot: null }, true);
        const st = await (await reopen()).load();
        expect(brief(st.entries)).toEqual(brief([...range(1, 3, 1), ...range(4, 5, 2), ...range(6, 7, 3)]));
      }));

    it('an installed snapshot replaces the whole log', () =>
      withStorage(async (s, reopen) => {
        await s.save({ entries: range(1, 10, 1), hardState: hs(1, 'a', 10), snapshot: null }, true);
        await s.save({ entries: [], hardState: hs(3, null, 20), snapshot: snapshot(20, 3) }, true);
        await s.save({ entries: range(21, 22, 3), hardState: null, snapshot: null }, true);
        const st = await (await reopen()).load();
        expect(st.snapshot?.meta).toEqual(snapshot(20, 3).meta);
        expect(brief(st.entries)).toEqual(brief(range(21, 22, 3)));
        expect(st.hardState).toEqual(hs(3, null, 20));
      }));

    it('a local snapshot keeps the log; compaction then drops the covered prefix', () =>
      withStorage(async (s, reopen) => {
        await s.save({ entries: range(1, 30, 1), hardState: hs(1, 'a', 30), snapshot: null }, true);
        await s.saveSnapshot(snapshot(20, 1));
        expect(brief((await s.load()).entries)).toEqual(brief(range(21, 30, 1)));
        await s.compact(15);
        const r = await reopen();
        const st = await r.load();
        expect(st.snapshot?.meta.index).toBe(20);
        expect(brief(st.entries)).toEqual(brief(range(21, 30, 1)));
        // An older snapshot than the stored one is ignored; a newer one replaces it.
        await r.saveSnapshot(snapshot(10, 1, 4, 1));
        expect((await r.load()).snapshot?.meta.index).toBe(20);
        await r.saveSnapshot(snapshot(25, 1, 4, 2));
        const after = await r.load();
        expect(after.snapshot?.meta.index).toBe(25);
        expect([...(after.snapshot?.data ?? [])]).toEqual([2, 2, 2, 2]);
        expect(brief(after.entries)).toEqual(brief(range(26, 30, 1)));
      }));

    it('a multi-megabyte snapshot comes back byte for byte', () =>
      withStorage(async (s, reopen) => {
        const data = new Uint8Array(5 * 1024 * 1024 + 123);
        let x = 12345;
        for (let i = 0; i < data.length; i++) {
          x = (x * 1103515245 + 12345) >>> 0;
          data[i] = x >>> 24;
        }
        const snap: Snapshot = { meta: snapshot(100, 4).meta, data };
        await s.save({ entries: [], hardState: hs(4, 'b', 100), snapshot: snap }, true);
        const st = await (await reopen()).load();
        expect(st.snapshot?.data.byteLength).toBe(data.byteLength);
        expect(Buffer.compare(Buffer.from(st.snapshot?.data ?? []), Buffer.from(data))).toBe(0);
      }));

    it('meta values: missing, set, overwritten, kept across reopen', () =>
      withStorage(async (s, reopen) => {
        expect(await s.getMeta('peers')).toBeUndefined();
        await s.setMeta('peers', new Uint8Array([1, 2]));
        await s.setMeta('peers', new Uint8Array([3]));
        await s.setMeta('cluster', new Uint8Array([9]));
        const r = await reopen();
        expect([...((await r.getMeta('peers')) ?? [])]).toEqual([3]);
        expect([...((await r.getMeta('cluster')) ?? [])]).toEqual([9]);
      }));

    it('random write sequences load like a plain model of the log', async () => {
      type Op =
        | { kind: 'append'; back: number; count: number; termBump: number }
        | { kind: 'install'; ahead: number }
        | { kind: 'local'; back: number }
        | { kind: 'compact'; back: number }
        | { kind: 'reopen' };
      const op: fc.Arbitrary<Op> = fc.oneof(
        {
          weight: 6,
          arbitrary: fc.record({
            kind: fc.constant('append' as const),
            back: fc.nat(6),
            count: fc.integer({ min: 1, max: 8 }),
            termBump: fc.nat(1),
          }),
        },
        {
          weight: 1,
          arbitrary: fc.record({
            kind: fc.constant('install' as const),
            ahead: fc.integer({ min: 1, max: 10 }),
          }),
        },
        { weight: 1, arbitrary: fc.record({ kind: fc.constant('local' as const), back: fc.nat(5) }) },
        { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), back: fc.nat(5) }) },
        { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const) }) },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
          await withStorage(async (first, reopen) => {
            let s = first;
            // The model: the newest snapshot index/term and the entries after it.
            let snap: { index: number; term: number } | null = null;
            let log: Entry[] = [];
            let term = 1;
            let savedTerm = 0;
            const last = () => log[log.length - 1]?.index ?? snap?.index ?? 0;
            const base = () => snap?.index ?? 0;
            for (const o of ops) {
              if (o.kind === 'append') {
                term += o.termBump;
                const from = Math.max(base() + 1, last() - o.back + 1);
                const es = range(from, from + o.count - 1, term);
                await s.save({ entries: es, hardState: hs(term, null, 0), snapshot: null }, true);
                savedTerm = term;
                log = [...log.filter((e) => e.index < from), ...es];
              } else if (o.kind === 'install') {
                const index = last() + o.ahead;
                term += 1;
                await s.save(
                  { entries: [], hardState: hs(term, null, index), snapshot: snapshot(index, term) },
                  true,
                );
                snap = { index, term };
                savedTerm = term;
                log = [];
              } else if (o.kind === 'local') {
                const index = last() - o.back;
                const e = log.find((x) => x.index === index);
                if (!e) continue;
                await s.saveSnapshot(snapshot(e.index, e.term));
                snap = { index: e.index, term: e.term };
                log = log.filter((x) => x.index > e.index);
              } else if (o.kind === 'compact') {
                await s.compact(Math.max(1, base() - o.back + 1));
              } else {
                s = await reopen();
              }
              const st = await s.load();
              expect(
                st.snapshot ? { index: st.snapshot.meta.index, term: st.snapshot.meta.term } : null,
              ).toEqual(snap);
              expect(brief(st.entries)).toEqual(brief(log));
              expect(st.hardState.term).toBe(savedTerm);
            }
          });
        }),
        { seed: 20261124, numRuns: 40 },
      );
    });
  });
}
