import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BalancerState, type Candidate, orderCandidates } from '../../src/balance/index.js';
import { cand, candidatesArb, firstCounts, ids, mulberry32, seedArb } from './support.js';

describe('priority', () => {
  it('never returns a less preferred group while a more preferred one has a candidate', () => {
    fc.assert(
      fc.property(candidatesArb(1, 12), seedArb, (input, seed) => {
        const random = mulberry32(seed);
        const state = new BalancerState();
        const min = Math.min(...input.map((c) => c.priority));
        const out = orderCandidates(state, 'priority', 'g', input, { random });
        expect(
          out.every((c) => c.priority === min),
          `seed=${seed}`,
        ).toBe(true);
        expect(ids(out).sort(), `seed=${seed}`).toEqual(ids(input.filter((c) => c.priority === min)).sort());
      }),
      { numRuns: 300 },
    );
  });

  it('fails over to backups when no primary is healthy, and back when one returns', () => {
    const state = new BalancerState();
    const p1 = cand('p1', { priority: 0 });
    const b1 = cand('b1', { priority: 1 });
    const b2 = cand('b2', { priority: 1 });
    const d1 = cand('d1', { priority: 2 });
    const order = (cs: Candidate[]) => ids(orderCandidates(state, 'priority', 'g', cs, { random: () => 0 }));
    expect(order([d1, b2, p1, b1])).toEqual(['p1']);
    expect(order([d1, b2, b1]).sort()).toEqual(['b1', 'b2']);
    expect(order([d1])).toEqual(['d1']);
    expect(order([d1, p1])).toEqual(['p1']);
  });

  it('balances within the group by weight, like weighted', () => {
    const state = new BalancerState();
    const input = [
      cand('a', { weight: 3 }),
      cand('b', { weight: 1 }),
      cand('backup', { weight: 100, priority: 1 }),
    ];
    const counts = firstCounts(400, () =>
      orderCandidates(state, 'priority', 'g', input, { random: () => 0 }),
    );
    expect(counts.get('a')).toBe(300);
    expect(counts.get('b')).toBe(100);
    expect(counts.has('backup')).toBe(false);
  });

  it('treats a NaN priority as the least preferred', () => {
    const input = [cand('nan', { priority: Number.NaN }), cand('backup', { priority: 5 })];
    expect(ids(orderCandidates(new BalancerState(), 'priority', 'g', input, { random: () => 0 }))).toEqual([
      'backup',
    ]);
    const onlyNan = [cand('x', { priority: Number.NaN })];
    expect(ids(orderCandidates(new BalancerState(), 'priority', 'g', onlyNan, { random: () => 0 }))).toEqual([
      'x',
    ]);
  });
});
