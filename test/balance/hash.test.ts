import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BalancerState, type Candidate, murmur3, orderCandidates } from '../../src/balance/index.js';
import { cand, firstCounts, ids, mulberry32, shuffled } from './support.js';

const state = new BalancerState();
const random = () => 0.5;
const orderFor = (cs: readonly Candidate[], key: string) =>
  orderCandidates(state, 'hash', 'g', cs, { key, random });
const ownerOf = (cs: readonly Candidate[], key: string) => orderFor(cs, key)[0]!.id;
const KEYS = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);

describe('murmur3', () => {
  it('matches the reference vectors', () => {
    const ascii = (s: string) => new TextEncoder().encode(s);
    expect(murmur3(new Uint8Array(0), 0)).toBe(0);
    expect(murmur3(new Uint8Array(0), 1)).toBe(0x514e28b7);
    expect(murmur3(new Uint8Array(0), 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3(new Uint8Array([0, 0, 0, 0]), 0)).toBe(0x2362f9de);
    expect(murmur3(ascii('a'), 0x9747b28c)).toBe(0x7fa09ea6);
    expect(murmur3(ascii('ab'), 0x9747b28c)).toBe(0x74875592);
    expect(murmur3(ascii('abc'), 0x9747b28c)).toBe(0xc84a62dd);
    expect(murmur3(ascii('abcd'), 0x9747b28c)).toBe(0xf0478627);
    expect(murmur3(ascii('aaaa'), 0x9747b28c)).toBe(0x5a97808a);
    expect(murmur3(ascii('Hello, world!'), 0x9747b28c)).toBe(0x24884cba);
    expect(murmur3(ascii('The quick brown fox jumps over the lazy dog'), 0x9747b28c)).toBe(0x2fa826cd);
  });

  it('hashes only the first `length` bytes of a longer buffer', () => {
    const ascii = (s: string) => new TextEncoder().encode(s);
    const buffer = ascii('Hello, world! and then some leftover bytes');
    expect(murmur3(buffer, 0x9747b28c, 13)).toBe(0x24884cba);
    for (let n = 0; n <= 8; n++) expect(murmur3(buffer, 1, n)).toBe(murmur3(buffer.slice(0, n), 1));
  });
});

describe('hash (rendezvous)', () => {
  it('moves only the leaving instance’s keys, each to its runner-up, about 1/N of them', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 2, maxLength: 12 }),
        fc.nat(),
        (names, leaveAt) => {
          const before = names.map((id) => cand(id));
          const leaving = before[leaveAt % before.length]!;
          const after = before.filter((c) => c !== leaving);
          let moved = 0;
          const wrong: string[] = [];
          for (const key of KEYS) {
            const was = ids(orderFor(before, key));
            const now = ids(orderFor(after, key));
            // The rest of the order is kept too, so failover targets do not reshuffle either.
            const expected = was.filter((id) => id !== leaving.id);
            if (now.join('\0') !== expected.join('\0')) wrong.push(`${key}: ${was} -> ${now}`);
            if (was[0] === leaving.id) moved++;
          }
          expect(wrong.slice(0, 5), `${wrong.length} keys reordered beyond the leaver`).toEqual([]);
          expect(moved / KEYS.length).toBeLessThanOrEqual(1 / names.length + 0.02);
        },
      ),
      { numRuns: 6 },
    );
  });

  it('spreads keys evenly over equal instances', () => {
    const input = ['a', 'b', 'c', 'd', 'e'].map((id) => cand(id));
    const counts = new Map<string, number>();
    for (const key of KEYS) counts.set(ownerOf(input, key), (counts.get(ownerOf(input, key)) ?? 0) + 1);
    for (const c of input) expect(Math.abs(counts.get(c.id)! / KEYS.length - 0.2), c.id).toBeLessThan(0.02);
  });

  it('is the same answer for the same key regardless of input order, calls or group', () => {
    const rnd = mulberry32(21);
    const input = ['a', 'b', 'c', 'd'].map((id) => cand(id));
    for (const key of ['', 'x', 'user-42', 'ключ', '🔑']) {
      const expected = ids(orderFor(input, key));
      for (let i = 0; i < 5; i++) {
        const out = orderCandidates(new BalancerState(), 'hash', `g${i}`, shuffled(input, rnd), {
          key,
          random: rnd,
        });
        expect(ids(out), `seed=21 key=${key}`).toEqual(expected);
      }
    }
  });

  it('sends keys in proportion to weight', () => {
    const input = [cand('light', { weight: 1 }), cand('heavy', { weight: 3 })];
    const heavy = KEYS.filter((k) => ownerOf(input, k) === 'heavy').length / KEYS.length;
    expect(heavy).toBeCloseTo(0.75, 1);
    expect(Math.abs(heavy - 0.75)).toBeLessThan(0.02);
  });

  it('never puts a zero-weight instance first unless every weight is zero', () => {
    const mixed = [cand('a', { weight: 0 }), cand('b', { weight: 1 }), cand('c', { weight: 2 })];
    expect(KEYS.slice(0, 2000).some((k) => ownerOf(mixed, k) === 'a')).toBe(false);
    const zeros = ['a', 'b', 'c'].map((id) => cand(id, { weight: 0 }));
    const owners = new Set(KEYS.slice(0, 2000).map((k) => ownerOf(zeros, k)));
    expect([...owners].sort()).toEqual(['a', 'b', 'c']);
  });

  it('treats the empty string as a key, not as a missing one', () => {
    const s = new BalancerState();
    const input = ['a', 'b', 'c'].map((id) => cand(id));
    const seen = new Set(
      Array.from({ length: 6 }, () =>
        ids(orderCandidates(s, 'hash', 'g', input, { key: '', random })).join(''),
      ),
    );
    expect(seen.size).toBe(1);
  });

  it('behaves like round robin when no key is given', () => {
    const s = new BalancerState();
    const input = ['b', 'a', 'c'].map((id) => cand(id));
    const counts = firstCounts(9, () => orderCandidates(s, 'hash', 'g', input, { random }));
    expect([...counts.entries()].sort()).toEqual([
      ['a', 3],
      ['b', 3],
      ['c', 3],
    ]);
  });
});
