import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dumpKv, KvHarness, kvDelete, kvSet } from './kv-support.js';

const reap = (upTo: number) => ({ type: 'kvReap', upTo }) as const;
const PREFIXES = ['', 'a', 'a/', 'a/b', 'b', 'c', 'z'];

describe('KV tombstone reaping', () => {
  it('forgets deleted keys at or below the index, with their history, and keeps the rest', () => {
    const h = new KvHarness();
    h.ok(kvSet('a/1', 'x')); // 1
    h.ok(kvSet('a/2', 'y')); // 2
    h.ok(kvSet('b', 'z')); // 3
    h.ok(kvDelete('a/1')); // 4
    h.ok(kvDelete('b')); // 5
    h.ok(kvSet('a/3', 'w')); // 6
    h.ok(kvDelete('a/3')); // 7
    expect(h.kv.tombstoneCount).toBe(3);
    expect(h.kv.oldestTombstone()).toBe(4);

    h.ok(reap(5)); // 8
    expect(h.kv.tombstoneCount).toBe(1);
    expect(h.kv.oldestTombstone()).toBe(7);
    expect(h.kv.versions('a/1')).toEqual([]);
    expect(h.kv.versions('b')).toEqual([]);
    expect(h.kv.versions('a/3').map((v) => v.op)).toEqual(['set', 'delete']);
    expect(h.kv.versions('a/2').map((v) => v.op)).toEqual(['set']);
    // Live keys and listings are untouched; a reap is not a KV write.
    expect(h.kv.list('').map((e) => e.key)).toEqual(['a/2']);
    expect(h.kv.index).toBe(7);
    // A reaped key reads as never written: its index is the table's (never lower than before).
    expect(h.kv.keyIndex('a/1')).toBe(7);
    expect(h.kv.keyIndex('a/3')).toBe(7);
  });

  it('a key deleted and written again is live, not reaped, and keeps its history', () => {
    const h = new KvHarness();
    h.ok(kvSet('k', 'v1'));
    h.ok(kvDelete('k'));
    h.ok(kvSet('k', 'v2'));
    h.ok(reap(3));
    expect(h.value('k')).toBe('v2');
    expect(h.kv.versions('k').map((v) => v.op)).toEqual(['set', 'delete', 'set']);
    expect(h.kv.tombstoneCount).toBe(0);
  });

  it('no index a reader has seen ever goes back, whatever is reaped (seeded random runs)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              op: fc.constant('set' as const),
              key: fc.constantFrom('a/1', 'a/2', 'a/b/1', 'b', 'c'),
            }),
            fc.record({
              op: fc.constant('del' as const),
              key: fc.constantFrom('a/1', 'a/2', 'a/b/1', 'b', 'c'),
            }),
            fc.record({ op: fc.constant('reap' as const), back: fc.nat(6) }),
          ),
          { maxLength: 60 },
        ),
        (steps) => {
          const h = new KvHarness();
          const seen = new Map<string, number>();
          const check = () => {
            for (const p of PREFIXES) {
              const i = h.kv.prefixIndex(p);
              expect(i, `prefix ${p}`).toBeGreaterThanOrEqual(seen.get(`p:${p}`) ?? 0);
              seen.set(`p:${p}`, i);
            }
            for (const k of ['a/1', 'a/2', 'a/b/1', 'b', 'c', 'never']) {
              const i = h.kv.keyIndex(k);
              expect(i, `key ${k}`).toBeGreaterThanOrEqual(seen.get(`k:${k}`) ?? 0);
              seen.set(`k:${k}`, i);
            }
          };
          for (const s of steps) {
            if (s.op === 'set') h.ok(kvSet(s.key, 'v'));
            else if (s.op === 'del') h.ok(kvDelete(s.key));
            else h.ok(reap(Math.max(0, h.index - s.back)));
            check();
          }
          // Reaping everything leaves exactly the live keys, listed as before.
          const live = h.kv.list('').map((e) => e.key);
          h.ok(reap(h.index));
          expect(h.kv.tombstoneCount).toBe(0);
          expect(h.kv.list('').map((e) => e.key)).toEqual(live);
          for (const p of PREFIXES) expect(h.kv.list(p).every((e) => e.key.startsWith(p))).toBe(true);
          check();
        },
      ),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('a snapshot carries what was reaped, so a restored server answers the same indexes', async () => {
    const h = new KvHarness();
    h.ok(kvSet('a/1', 'x'));
    h.ok(kvSet('a/2', 'y'));
    h.ok(kvDelete('a/2'));
    h.ok(reap(3));
    const r = new KvHarness();
    r.state.restore(await h.state.snapshot()());
    expect(dumpKv(r.state, ['a/1', 'a/2'], PREFIXES)).toEqual(dumpKv(h.state, ['a/1', 'a/2'], PREFIXES));
    expect(r.kv.prefixIndex('a/')).toBe(3);
  });
});
