import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkKey, cutAt } from './checker/linearizability.js';
import { lockModel, registerModel } from './checker/models.js';
import { cas, history, r, type Spec, w } from './checker/support.js';
import { type Model, search, searchable } from './checker/wgl.js';
import type { Op } from './history.js';

const budget = () => ({ maxSteps: 5_000_000, maxStates: 1_000_000, deadline: performance.now() + 10_000 });
const verdict = (specs: Spec[]) => checkKey('k', 'register', history(specs), { minimizeMs: 2000 }).verdict;

describe('linearizability checker: registers (hand-made histories)', () => {
  it('accepts a sequential history', () => {
    expect(verdict([w('a', [0, 1]), r('a', 5, [2, 3]), w('b', [4, 5]), r('b', 7, [6, 7])])).toBe('ok');
  });

  it('accepts an empty history and a read of a missing key', () => {
    expect(verdict([])).toBe('ok');
    expect(verdict([r(null, 0, [0, 1])])).toBe('ok');
  });

  it('rejects a stale read, and shrinks it to the three operations that matter', () => {
    const ops = history([
      w('a', [0, 1]),
      r('a', 5, [2, 3]),
      w('b', [4, 5]),
      r('b', 7, [5.5, 5.8]),
      r('a', 5, [6, 7]),
      w('c', [8, 9]),
      r('c', 9, [10, 11]),
    ]);
    const res = checkKey('k', 'register', ops, { minimizeMs: 5000 });
    expect(res.verdict).toBe('violation');
    expect(res.minimal?.map((o) => o.id)).toEqual([0, 2, 4]);
    expect(res.search?.deepest?.blockedBy).toBe(4);
  });

  it('accepts reads concurrent with a write seeing the old or the new value, but not flip-flopping', () => {
    expect(
      verdict([w('a', [0, 1]), r('a', 1, [1.5, 2]), w('b', [3, 10]), r('a', 1, [4, 5]), r('b', 2, [6, 7])]),
    ).toBe('ok');
    expect(
      verdict([w('a', [0, 1]), r('a', 1, [1.5, 2]), w('b', [3, 10]), r('b', 2, [4, 5]), r('a', 1, [6, 7])]),
    ).toBe('violation');
  });

  it('treats intervals as closed: operations that touch are concurrent', () => {
    expect(verdict([w('a', [0, 5]), r(null, 0, [5, 6])])).toBe('ok');
    expect(verdict([w('a', [0, 5]), r(null, 0, [5.01, 6])])).toBe('violation');
  });

  it('CAS on ModifyIndex: two CAS from the same index cannot both succeed', () => {
    const base = [w('a', [0, 1]), r('a', 5, [2, 3])];
    expect(verdict([...base, cas(5, 'b', true, [4, 5]), cas(5, 'c', false, [6, 7])])).toBe('ok');
    expect(verdict([...base, cas(5, 'b', true, [4, 5]), cas(5, 'c', true, [6, 7])])).toBe('violation');
    // Concurrent CASes from one index: exactly one may win.
    expect(verdict([...base, cas(5, 'b', true, [4, 8]), cas(5, 'c', false, [4.5, 7])])).toBe('ok');
    expect(verdict([...base, cas(5, 'b', false, [4, 8]), cas(5, 'c', false, [4.5, 7])])).toBe('violation');
  });

  it('CAS with index 0 creates only a missing key', () => {
    expect(verdict([cas(0, 'a', true, [0, 1]), r('a', 3, [2, 3]), cas(0, 'b', false, [4, 5])])).toBe('ok');
    expect(verdict([cas(0, 'a', true, [0, 1]), r('a', 3, [2, 3]), cas(0, 'b', true, [4, 5])])).toBe(
      'violation',
    );
  });

  it('a failed CAS needs a write in between to explain it', () => {
    const base = [w('a', [0, 1]), r('a', 5, [2, 3])];
    expect(verdict([...base, cas(5, 'c', false, [6, 7])])).toBe('violation');
    expect(verdict([...base, w('b', [4, 5]), cas(5, 'c', false, [6, 7])])).toBe('ok');
  });

  it('unknown outcomes may take effect, at any time after their invocation, or never', () => {
    const base = [w('a', [0, 1]), r('a', 5, [2, 3])];
    // May have taken effect: explains the failed CAS.
    expect(verdict([...base, w('b', [4, null]), cas(5, 'c', false, [6, 7])])).toBe('ok');
    // ... but not before it was invoked.
    expect(verdict([...base, cas(5, 'c', false, [6, 7]), w('b', [8, null])])).toBe('violation');
    // May never take effect.
    expect(verdict([...base, w('b', [4, null]), r('a', 5, [6, 7])])).toBe('ok');
    // May take effect long after: seen later, then the old value cannot come back.
    expect(verdict([...base, w('b', [4, null]), r('a', 5, [6, 7]), r('b', 9, [20, 21])])).toBe('ok');
    expect(verdict([...base, w('b', [4, null]), r('b', 9, [20, 21]), r('a', 5, [22, 23])])).toBe('violation');
    // An unknown CAS takes effect only if its index matches.
    expect(verdict([...base, cas(5, 'b', null, [4, null]), r('b', 9, [6, 7])])).toBe('ok');
    expect(
      verdict([
        ...base,
        w('x', [3.5, 3.6]),
        r('x', 6, [3.7, 3.8]),
        cas(5, 'b', null, [4, null]),
        r('b', 9, [6, 7]),
      ]),
    ).toBe('violation');
  });

  it('ModifyIndex must grow in linearization order', () => {
    // Values alone would linearize (a then b), but b's index is below a's.
    expect(verdict([w('a', [0, 1]), r('a', 9, [1.1, 1.2]), w('b', [2, 3]), r('b', 5, [4, 5])])).toBe(
      'violation',
    );
  });

  it('a value read at two indexes (a write applied twice) is an anomaly', () => {
    const res = checkKey('k', 'register', history([w('a', [0, 1]), r('a', 5, [2, 3]), r('a', 6, [4, 5])]));
    expect(res.verdict).toBe('violation');
    expect(res.anomalies[0]).toContain('read at ModifyIndex 5 and 6');
  });

  it('a CAS on an index no read revealed cannot be modelled: unknown, not ok', () => {
    const res = checkKey('k', 'register', history([w('a', [0, 1]), cas(7, 'b', true, [2, 3])]));
    expect(res.verdict).toBe('unknown');
  });

  it('many unknown writes of unread values stay cheap (symmetry)', () => {
    const specs: Spec[] = [w('a', [0, 1]), r('a', 5, [1.5, 2])];
    for (let i = 0; i < 40; i++) specs.push(w(`u${i}`, [3 + i * 0.01, null]));
    for (let i = 0; i < 40; i++)
      specs.push(w(`d${i}`, [5 + i, 5.5 + i]), r(`d${i}`, 100 + i, [5.6 + i, 5.9 + i]));
    specs.push(cas(139, 'z', false, [100, 101]));
    const ops = history(specs);
    const { model } = registerModel(ops);
    const res = search(model, ops, budget());
    expect(res.verdict).toBe('ok');
    expect(res.states).toBeLessThan(5000);
  });

  it('reports unknown, never ok, when the budget runs out', () => {
    const specs: Spec[] = [];
    for (let i = 0; i < 14; i++) specs.push(w(`v${i}`, [0, 100]));
    specs.push(r('v3', 1, [101, 102]), r('v3', 1, [101, 102]));
    const ops = history(specs);
    const { model } = registerModel(ops);
    const res = search(model, ops, {
      maxSteps: 50,
      maxStates: 1_000_000,
      deadline: performance.now() + 10_000,
    });
    expect(res.verdict).toBe('unknown');
  });

  it('cutting a history at T keeps what completed and makes what ran at T unknown', () => {
    const ops = history([w('a', [0, 1]), w('b', [2, 9]), r('a', 5, [3, 4]), w('c', [10, 11])]);
    const cut = cutAt(ops, 5);
    expect(cut.map((o) => [o.id, o.outcome])).toEqual([
      [0, 'ok'],
      [1, 'unknown'],
      [2, 'ok'],
    ]);
  });
});

describe('linearizability checker: locks', () => {
  const acq = (
    session: string,
    value: string,
    ok: boolean | null,
    at: readonly [number, number | null],
  ): Spec => ({
    f: 'acquire',
    input: { session, value },
    output: ok ?? undefined,
    at,
  });
  const rel = (
    session: string,
    value: string,
    ok: boolean | null,
    at: readonly [number, number | null],
  ): Spec => ({
    f: 'release',
    input: { session, value },
    output: ok ?? undefined,
    at,
  });
  const read = (
    session: string | null,
    lockIndex: number,
    value: string,
    at: readonly [number, number],
  ): Spec => ({
    f: 'read',
    output: { session, lockIndex, value },
    at,
  });
  const v = (specs: Spec[]) => checkKey('lock', 'lock', history(specs), { minimizeMs: 2000 }).verdict;

  it('accepts a lock passed from one session to another, LockIndex counting holders', () => {
    expect(
      v([
        acq('S1', 'a', true, [0, 1]),
        acq('S2', 'b', false, [2, 3]),
        acq('S1', 'c', true, [3.5, 3.8]),
        read('S1', 1, 'c', [3.9, 3.95]),
        rel('S1', 'd', true, [4, 5]),
        acq('S2', 'e', true, [6, 7]),
        read('S2', 2, 'e', [8, 9]),
      ]),
    ).toBe('ok');
  });

  it('rejects two holders at once', () => {
    expect(v([acq('S1', 'a', true, [0, 1]), acq('S2', 'b', true, [2, 3])])).toBe('violation');
  });

  it('rejects a fencing token that did not grow for a new holder', () => {
    expect(
      v([
        acq('S1', 'a', true, [0, 1]),
        rel('S1', 'b', true, [2, 3]),
        acq('S2', 'c', true, [4, 5]),
        read('S2', 1, 'c', [6, 7]),
      ]),
    ).toBe('violation');
  });

  it('rejects a release by a session that does not hold the lock', () => {
    expect(v([acq('S1', 'a', true, [0, 1]), rel('S2', 'b', true, [2, 3])])).toBe('violation');
  });

  it('an unknown release may explain a later acquire', () => {
    expect(
      v([acq('S1', 'a', true, [0, 1]), rel('S1', 'b', null, [2, null]), acq('S2', 'c', true, [4, 5])]),
    ).toBe('ok');
  });

  it('the lock model reads a missing key as null', () => {
    const { model } = lockModel([]);
    const op = history([{ f: 'read', output: null, at: [0, 1] }])[0] as Op;
    expect(model.step(model.init(), op)).not.toBeNull();
  });
});

// ---- against a brute-force search ------------------------------------------------------

/** Every order that respects real time, each unknown operation included or not. */
function bruteForce<S>(model: Model<S>, ops: readonly Op[]): boolean {
  const all = searchable(model, ops);
  const done = new Array<boolean>(all.length).fill(false);
  const go = (state: S, left: number): boolean => {
    if (left === 0) return true;
    // The earliest completion among remaining completed operations bounds what may go next.
    let bound = Infinity;
    for (let i = 0; i < all.length; i++)
      if (!done[i] && all[i]!.outcome === 'ok') bound = Math.min(bound, all[i]!.complete as number);
    for (let i = 0; i < all.length; i++) {
      const op = all[i]!;
      if (done[i] || op.invoke > bound) continue;
      const next = model.step(state, op);
      if (next === null) continue;
      done[i] = true;
      const ok = go(next, left - (op.outcome === 'ok' ? 1 : 0));
      done[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return go(model.init(), all.filter((o) => o.outcome === 'ok').length);
}

const arbRegisterHistory = fc
  .array(
    fc.record({
      kind: fc.constantFrom('w', 'w', 'r', 'r', 'r', 'cas'),
      value: fc.integer({ min: 0, max: 3 }),
      start: fc.integer({ min: 0, max: 20 }),
      len: fc.integer({ min: 0, max: 8 }),
      unknown: fc.boolean(),
      flag: fc.boolean(),
    }),
    { maxLength: 8 },
  )
  .map((raw) => {
    // Values: v<i> is written at most once (the generator makes them unique per op);
    // reads return one of the written values at its fixed index, or null.
    const specs: Spec[] = [];
    raw.forEach((x, i) => {
      const at: [number, number | null] = [x.start, x.unknown && x.kind !== 'r' ? null : x.start + x.len];
      if (x.kind === 'w') specs.push(w(`v${i}`, at));
      else if (x.kind === 'r') {
        const writer = raw.findIndex((y, j) => y.kind !== 'r' && j % 4 === x.value);
        specs.push(writer < 0 || x.flag ? r(null, 0, at) : r(`v${writer}`, 10 + writer, at));
      } else {
        const expect = raw.findIndex((y, j) => y.kind !== 'r' && j % 4 === x.value);
        specs.push(cas(expect < 0 ? 0 : 10 + expect, `v${i}`, at[1] === null ? null : x.flag, at));
      }
    });
    return specs;
  });

describe('linearizability checker: against a brute-force search', () => {
  it('agrees with trying every order on small random register histories', () => {
    fc.assert(
      fc.property(arbRegisterHistory, (specs) => {
        const ops = history(specs);
        let built: ReturnType<typeof registerModel>;
        try {
          built = registerModel(ops);
        } catch {
          return; // a CAS on an index no read revealed: not modelled
        }
        if (built.anomalies.length > 0) return;
        const wgl = search(built.model, ops, budget());
        expect(wgl.verdict).not.toBe('unknown');
        expect(wgl.verdict === 'ok', JSON.stringify(specs)).toBe(bruteForce(built.model, ops));
      }),
      { numRuns: 1500, seed: 7 },
    );
  });

  it('accepts every history recorded from a real atomic register (with overlapping intervals)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            kind: fc.constantFrom('w', 'r', 'r', 'cas', 'cas'),
            pre: fc.double({ min: 0, max: 5, noNaN: true }),
            post: fc.double({ min: 0, max: 5, noNaN: true }),
            unknown: fc.constantFrom(false, false, false, true),
            applied: fc.boolean(),
            stale: fc.boolean(),
          }),
          { maxLength: 60 },
        ),
        (steps) => {
          // The register takes effect at t = 10 * i; each op's interval surrounds its moment.
          let value: string | null = null;
          let index = 0;
          let nextIndex = 100;
          const reads: { value: string | null; index: number }[] = [{ value: null, index: 0 }];
          const specs: Spec[] = [];
          steps.forEach((s, i) => {
            const t = 10 * (i + 1);
            const lost = s.unknown && s.kind !== 'r';
            const at: [number, number | null] = [t - s.pre, lost ? null : t + s.post];
            const mine = `v${i}`;
            if (s.kind === 'r') {
              specs.push(r(value, index, at));
              reads.push({ value, index });
            } else if (s.kind === 'w') {
              if (!lost || s.applied) {
                value = mine;
                index = nextIndex++;
              }
              specs.push(w(mine, at));
            } else {
              // A client CASes with an index it read earlier (maybe stale).
              const from = s.stale ? reads[0]! : reads[reads.length - 1]!;
              const match = from.index === index;
              if (match && (!lost || s.applied)) {
                value = mine;
                index = nextIndex++;
              }
              specs.push(cas(from.index, mine, lost ? null : match, at));
            }
          });
          const ops = history(specs);
          const built = registerModel(ops);
          expect(built.anomalies).toEqual([]);
          expect(search(built.model, ops, budget()).verdict).toBe('ok');
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });
});
