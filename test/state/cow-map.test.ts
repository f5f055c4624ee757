import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CowMap } from '../../src/state/cow-map.js';

describe('CowMap', () => {
  it('behaves as a Map', () => {
    const m = new CowMap<string, number>([['a', 1]]);
    expect(m.get('a')).toBe(1);
    expect(m.has('b')).toBe(false);
    m.set('b', 2);
    expect(m.size).toBe(2);
    expect(m.delete('a')).toBe(true);
    expect(m.delete('a')).toBe(false);
    expect([...m.entries()]).toEqual([['b', 2]]);
    expect([...m.values()]).toEqual([2]);
  });

  it('a frozen view never changes, whatever is written afterwards; later freezes see the writes', () => {
    const m = new CowMap<string, number>([
      ['a', 1],
      ['b', 2],
    ]);
    const v1 = m.freeze();
    m.set('a', 10);
    m.delete('b');
    m.set('c', 3);
    expect([...v1]).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    const v2 = m.freeze();
    const v3 = m.freeze();
    m.set('d', 4);
    expect([...v2]).toEqual([
      ['a', 10],
      ['c', 3],
    ]);
    expect(v3).toBe(v2);
    expect([...v1]).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(m.get('d')).toBe(4);
    // Deleting a missing key after a freeze needs no copy, and changes nothing either way.
    const v4 = m.freeze();
    expect(m.delete('zz')).toBe(false);
    expect(m.freeze()).toBe(v4);
  });

  it('property: every frozen view equals a plain Map copy taken at the same moment', () => {
    type Op = { kind: 'set'; k: number; v: number } | { kind: 'del'; k: number } | { kind: 'freeze' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), k: fc.nat(5), v: fc.nat(100) }),
      fc.record({ kind: fc.constant('del' as const), k: fc.nat(5) }),
      fc.constant({ kind: 'freeze' as const }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const m = new CowMap<number, number>();
        const model = new Map<number, number>();
        const views: [ReadonlyMap<number, number>, Map<number, number>][] = [];
        for (const op of ops) {
          if (op.kind === 'set') {
            m.set(op.k, op.v);
            model.set(op.k, op.v);
          } else if (op.kind === 'del') {
            expect(m.delete(op.k)).toBe(model.delete(op.k));
          } else views.push([m.freeze(), new Map(model)]);
          expect(m.size).toBe(model.size);
        }
        for (const [view, copy] of views) expect([...view]).toEqual([...copy]);
        expect([...m.entries()]).toEqual([...model]);
      }),
      { numRuns: 300 },
    );
  });
});
