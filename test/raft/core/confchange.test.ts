import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyConfChange,
  confChangeError,
  decodeConfChange,
  encodeConfChange,
} from '../../../src/raft/core/index.js';
import { type ConfChange, type ConfState, EMPTY_CONF } from '../../../src/raft/types.js';

const conf = (voters: string[], learners: string[] = []): ConfState => ({ voters, learners });

describe('confChangeError', () => {
  it('bootstrap: only on an empty configuration, with distinct voters', () => {
    expect(confChangeError(EMPTY_CONF, { type: 'bootstrap', voters: ['a', 'b'] })).toBeNull();
    expect(confChangeError(conf(['a']), { type: 'bootstrap', voters: ['a'] })).toMatch(
      /already bootstrapped/,
    );
    expect(confChangeError(conf([], ['l']), { type: 'bootstrap', voters: ['a'] })).toMatch(
      /already bootstrapped/,
    );
    expect(confChangeError(EMPTY_CONF, { type: 'bootstrap', voters: [] })).toMatch(/at least one voter/);
    expect(confChangeError(EMPTY_CONF, { type: 'bootstrap', voters: ['a', 'a'] })).toMatch(/distinct/);
  });

  it('addLearner: refuses an existing voter or learner', () => {
    const c = conf(['a'], ['l']);
    expect(confChangeError(c, { type: 'addLearner', node: 'x' })).toBeNull();
    expect(confChangeError(c, { type: 'addLearner', node: 'a' })).toBe('a is already a voter');
    expect(confChangeError(c, { type: 'addLearner', node: 'l' })).toBe('l is already a learner');
  });

  it('promote: only a learner', () => {
    const c = conf(['a'], ['l']);
    expect(confChangeError(c, { type: 'promote', node: 'l' })).toBeNull();
    expect(confChangeError(c, { type: 'promote', node: 'a' })).toBe('a is already a voter');
    expect(confChangeError(c, { type: 'promote', node: 'x' })).toBe('x is not a learner');
  });

  it('remove: a member, but never the last voter', () => {
    expect(confChangeError(conf(['a', 'b']), { type: 'remove', node: 'b' })).toBeNull();
    expect(confChangeError(conf(['a'], ['l']), { type: 'remove', node: 'l' })).toBeNull();
    expect(confChangeError(conf(['a'], ['l']), { type: 'remove', node: 'a' })).toBe(
      'cannot remove the last voter',
    );
    expect(confChangeError(conf(['a']), { type: 'remove', node: 'x' })).toBe('x is not a member');
  });
});

describe('applyConfChange', () => {
  it('applies each kind of change', () => {
    expect(applyConfChange(EMPTY_CONF, { type: 'bootstrap', voters: ['a', 'b'] })).toEqual(conf(['a', 'b']));
    expect(applyConfChange(conf(['a']), { type: 'addLearner', node: 'l' })).toEqual(conf(['a'], ['l']));
    expect(applyConfChange(conf(['a'], ['l']), { type: 'promote', node: 'l' })).toEqual(conf(['a', 'l']));
    expect(applyConfChange(conf(['a', 'b'], ['l']), { type: 'remove', node: 'a' })).toEqual(
      conf(['b'], ['l']),
    );
    expect(applyConfChange(conf(['a'], ['l']), { type: 'remove', node: 'l' })).toEqual(conf(['a']));
  });

  it('does not mutate its input', () => {
    const c = conf(['a'], ['l']);
    applyConfChange(c, { type: 'promote', node: 'l' });
    expect(c).toEqual(conf(['a'], ['l']));
  });

  // Any sequence of valid changes keeps the configuration well-formed: at least
  // one voter, no duplicates, nobody both voter and learner.
  it('valid changes preserve the configuration invariants (property)', () => {
    const node = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    const change: fc.Arbitrary<ConfChange> = fc.oneof(
      node.map((n) => ({ type: 'addLearner', node: n }) as const),
      node.map((n) => ({ type: 'promote', node: n }) as const),
      node.map((n) => ({ type: 'remove', node: n }) as const),
    );
    fc.assert(
      fc.property(fc.array(change, { maxLength: 40 }), (changes) => {
        let c: ConfState = applyConfChange(EMPTY_CONF, { type: 'bootstrap', voters: ['a'] });
        for (const ch of changes) {
          const err = confChangeError(c, ch);
          if (err !== null) continue;
          c = applyConfChange(c, ch);
          expect(c.voters.length).toBeGreaterThan(0);
          expect(new Set(c.voters).size).toBe(c.voters.length);
          expect(new Set(c.learners).size).toBe(c.learners.length);
          expect(c.voters.filter((v) => c.learners.includes(v))).toEqual([]);
        }
      }),
    );
  });
});

describe('conf change encoding', () => {
  it('round-trips every kind', () => {
    const all: ConfChange[] = [
      { type: 'bootstrap', voters: ['a', 'b'] },
      { type: 'addLearner', node: 'x' },
      { type: 'promote', node: 'x' },
      { type: 'remove', node: 'x' },
    ];
    for (const c of all) expect(decodeConfChange(encodeConfChange(c))).toEqual(c);
  });

  it('rejects malformed entries', () => {
    const bad = [
      '{"type":"nuke","node":"a"}',
      '{"type":"promote"}',
      '{"type":"bootstrap","voters":[1]}',
      'null',
    ];
    for (const b of bad) expect(() => decodeConfChange(new TextEncoder().encode(b))).toThrow(/malformed/);
  });
});
