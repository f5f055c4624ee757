import { describe, expect, it } from 'vitest';
import { checkHealth, protectedUntil } from './checker/health.js';
import { checkSet } from './checker/sets.js';
import { history, type Spec } from './checker/support.js';

const add = (e: string, at: readonly [number, number | null], outcome?: 'fail'): Spec => ({
  f: 'add',
  key: 'g0',
  input: e,
  output: true,
  at,
  ...(outcome ? { outcome } : {}),
});
const list = (els: string[], at: readonly [number, number]): Spec => ({
  f: 'read-set',
  key: 'g0',
  output: els,
  at,
});
const final = (els: string[]) => [{ server: 'n1', elements: els.map((e) => ['g0', e] as [string, string]) }];

describe('set checker', () => {
  it('accepts adds seen by later reads and at the end, and unknown adds either way', () => {
    const ops = history([
      add('a', [0, 1]),
      add('b', [2, null]),
      list(['a'], [1.5, 2]),
      list(['a', 'b'], [3, 4]),
    ]);
    expect(checkSet(ops, final(['a', 'b'])).problems).toEqual([]);
    expect(checkSet(ops.slice(0, 3), final(['a'])).problems).toEqual([]);
  });

  it('finds a lost acknowledged add, a stale read, an element that disappears, and phantoms', () => {
    const ops = history([
      add('a', [0, 1]),
      add('b', [0, 1]),
      list(['b'], [2, 3]),
      list(['a', 'b', 'zz'], [4, 5]),
      list(['a'], [6, 7]),
      add('c', [8, 9], 'fail'),
    ]);
    const p = checkSet(ops, final(['b', 'c'])).problems.join('\n');
    expect(p).toContain('lost: acknowledged add #0 a missing on n1');
    expect(p).toContain('lost: read #2 on s1 lacks a');
    expect(p).toContain('lost: read #4 on s1 lacks b');
    expect(p).toContain('disappeared: read #4 on s1 lacks zz, seen by read #3');
    expect(p).toContain('phantom: read #3 returned zz, which no client added');
    expect(p).toContain('whose add was refused');
  });
});

describe('health checker', () => {
  const beat = (id: string, at: readonly [number, number | null]): Spec => ({
    f: 'beat',
    key: id,
    at,
    output: true,
  });
  const reg = (id: string, at: readonly [number, number]): Spec => ({
    f: 'register',
    key: id,
    at,
    output: true,
  });
  const seen = (status: string, modifyIndex: number, at: readonly [number, number]): Spec => ({
    f: 'checks',
    key: 'svc',
    at,
    output: [{ id: 'i1', status, modifyIndex }],
  });

  it('protects an instance while each heartbeat is acknowledged within a TTL of the previous one', () => {
    const ops = history([
      reg('i1', [0, 10]),
      beat('i1', [900, 950]),
      beat('i1', [1800, 1900]),
      beat('i1', [5000, 5100]),
    ]);
    // TTL 2000, margin 100: 1900 < 900 + 1900, but 5100 > 1800 + 1900.
    expect(protectedUntil(ops, 2000, 100).get('i1')).toBe(1800 + 1900);
  });

  it('reports a protected instance seen critical, or with a changed ModifyIndex, but not one whose heartbeats stopped', () => {
    const base = [reg('i1', [0, 10]), beat('i1', [900, 950]), beat('i1', [1800, 1900])];
    const baseline = new Map([['i1', 7]]);
    expect(checkHealth(history([...base, seen('passing', 7, [1000, 1010])]), baseline, 2000, 100).ok).toBe(
      true,
    );
    const critical = checkHealth(history([...base, seen('critical', 9, [1000, 1010])]), baseline, 2000, 100);
    expect(critical.problems[0]).toContain('i1 reported critical');
    const flipped = checkHealth(history([...base, seen('passing', 11, [1500, 1600])]), baseline, 2000, 100);
    expect(flipped.problems[0]).toContain('i1 reported passing (check ModifyIndex 11, was 7)');
    // After the heartbeats stopped for longer than the TTL, critical is right.
    expect(checkHealth(history([...base, seen('critical', 9, [4000, 4010])]), baseline, 2000, 100).ok).toBe(
      true,
    );
  });
});
