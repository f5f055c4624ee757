import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BalancerState, DEFAULT_MAX_GROUPS, orderCandidates } from '../../src/balance/index.js';
import { cand } from './support.js';

const input = ['a', 'b', 'c'].map((id) => cand(id));
const first = (state: BalancerState, group: string) =>
  orderCandidates(state, 'round_robin', group, input, { random: () => 0 })[0]!.id;

describe('BalancerState', () => {
  it('never holds more than maxGroups groups, and keeps the most recently used', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }),
        (max, lookups) => {
          const state = new BalancerState(max);
          const recent: string[] = [];
          for (const g of lookups) {
            const group = `g${g}`;
            orderCandidates(state, 'weighted', group, input, { random: () => 0 });
            expect(state.size).toBeLessThanOrEqual(max);
            recent.splice(recent.indexOf(group) >>> 0, recent.includes(group) ? 1 : 0);
            recent.push(group);
          }
          const kept = recent.slice(-max);
          expect(state.size).toBe(kept.length);
          // A remembered group's forget() finds it; so exactly the LRU survivors are held.
          for (const g of kept) expect(state.forget(g), g).toBe(true);
          expect(state.size).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('restarts the rotation of an evicted group, not of a recently used one', () => {
    const state = new BalancerState(2);
    expect(first(state, 'x')).toBe('a');
    expect(first(state, 'y')).toBe('a');
    expect(first(state, 'x')).toBe('b');
    expect(first(state, 'z')).toBe('a'); // evicts y, the least recently used
    expect(first(state, 'x')).toBe('c');
    expect(first(state, 'y')).toBe('a');
  });

  it('defaults to 10,000 groups', () => {
    const state = new BalancerState();
    expect(state.maxGroups).toBe(DEFAULT_MAX_GROUPS);
    expect(DEFAULT_MAX_GROUPS).toBe(10_000);
    for (let i = 0; i <= 10_000; i++) first(state, `g${i}`);
    expect(state.size).toBe(10_000);
    expect(state.forget('g0')).toBe(false);
    expect(state.forget('g1')).toBe(true);
  });

  it('forgets instance ids that are no longer present', () => {
    const state = new BalancerState();
    const all = ['a', 'b', 'c', 'd'].map((id) => cand(id, { weight: 1 + id.charCodeAt(0) }));
    for (let i = 0; i < 10; i++) orderCandidates(state, 'weighted', 'g', all, { random: () => 0 });
    const current = state.cursor('g', 'weighted').current;
    expect([...current.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    orderCandidates(state, 'weighted', 'g', all.slice(0, 2), { random: () => 0 });
    expect([...current.keys()].sort()).toEqual(['a', 'b']);
  });

  it('rejects a bound that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new BalancerState(bad), String(bad)).toThrow(RangeError);
    }
  });
});
