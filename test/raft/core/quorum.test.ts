import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { committedBy, quorumSize, type VoteResult, voteResult } from '../../../src/raft/core/index.js';

describe('quorumSize', () => {
  it('is a strict majority', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(quorumSize)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });

  it('any two quorums intersect', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), (n) => {
        expect(2 * quorumSize(n)).toBeGreaterThan(n);
        expect(2 * (quorumSize(n) - 1)).toBeLessThanOrEqual(n);
      }),
    );
  });
});

describe('committedBy', () => {
  it('is the k-th largest value, k = quorum size', () => {
    const m = new Map([
      ['a', 5],
      ['b', 1],
      ['c', 3],
    ]);
    expect(committedBy(['a', 'b', 'c'], (id) => m.get(id)!)).toBe(3);
    // Four voters need three: the third largest.
    m.set('d', 4);
    expect(committedBy(['a', 'b', 'c', 'd'], (id) => m.get(id)!)).toBe(3);
    expect(committedBy(['a'], () => 7)).toBe(7);
  });

  it('with no voters nothing constrains the result', () => {
    expect(committedBy([], () => 1)).toBe(Number.POSITIVE_INFINITY);
  });

  it('a quorum has reached the result and no larger value is reached by a quorum (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 9 }), (values) => {
        const ids = values.map((_, i) => `n${i}`);
        const c = committedBy(ids, (id) => values[Number(id.slice(1))]!);
        const q = quorumSize(values.length);
        expect(values.filter((v) => v >= c).length).toBeGreaterThanOrEqual(q);
        expect(values.filter((v) => v >= c + 1).length).toBeLessThan(q);
      }),
    );
  });
});

describe('voteResult', () => {
  it('decides the obvious cases', () => {
    const v = (entries: [string, boolean][]) => new Map(entries);
    expect(voteResult(['a'], v([['a', true]]))).toBe('won');
    expect(voteResult(['a', 'b', 'c'], v([['a', true]]))).toBe('pending');
    expect(
      voteResult(
        ['a', 'b', 'c'],
        v([
          ['a', true],
          ['b', true],
        ]),
      ),
    ).toBe('won');
    expect(
      voteResult(
        ['a', 'b', 'c'],
        v([
          ['a', true],
          ['b', false],
          ['c', false],
        ]),
      ),
    ).toBe('lost');
    // Votes from non-voters (learners, removed servers) do not count.
    expect(
      voteResult(
        ['a', 'b', 'c'],
        v([
          ['a', true],
          ['x', true],
          ['y', true],
        ]),
      ),
    ).toBe('pending');
    expect(voteResult([], new Map())).toBe('won');
  });

  // Every assignment of granted / rejected / silent for 1..5 voters, against the definition.
  it('matches the definition for every small configuration', () => {
    for (let n = 1; n <= 5; n++) {
      const ids = Array.from({ length: n }, (_, i) => `n${i}`);
      const q = Math.floor(n / 2) + 1;
      for (let code = 0; code < 3 ** n; code++) {
        const votes = new Map<string, boolean>();
        let granted = 0;
        let rejected = 0;
        let c = code;
        for (const id of ids) {
          const d = c % 3;
          c = Math.floor(c / 3);
          if (d === 1) {
            votes.set(id, true);
            granted++;
          } else if (d === 2) {
            votes.set(id, false);
            rejected++;
          }
        }
        const expected: VoteResult = granted >= q ? 'won' : n - rejected < q ? 'lost' : 'pending';
        expect(voteResult(ids, votes), `n=${n} granted=${granted} rejected=${rejected}`).toBe(expected);
      }
    }
  });
});
