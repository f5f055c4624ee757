import { describe, expect, it } from 'vitest';
import type { TxnOutcome } from '../../../src/state/errors.js';
import type { KvEntry, TxnOp } from '../../../src/state/kv-types.js';
import { TXN_VERBS } from '../../../src/state/kv-types.js';
import { Topic } from '../../../src/state/topics.js';
import { register, turn } from '../support.js';
import { bytes, dumpKv, KvHarness, kvSet, op, sessionCreate, text, write } from './kv-support.js';

const KEYS = ['a', 'a/1', 'a/2', 'a/3', 'b', 'c', 'lock', 'new', 'new2'];
const PREFIXES = ['', 'a', 'a/', 'b', 'c', 'lock', 'new'];

/**
 * node n1, sessions s1 and s2 (1..3), then
 * a/1 = "one" (4), a/2 = "two" flags 2 (5), b = "bee" (6), lock held by s1 (7).
 */
function seeded(): KvHarness {
  const h = new KvHarness();
  h.ok(register('n1', null));
  h.ok(sessionCreate('s1'));
  h.ok(sessionCreate('s2'));
  h.ok(kvSet('a/1', 'one'));
  h.ok(kvSet('a/2', 'two', { flags: 2 }));
  h.ok(kvSet('b', 'bee'));
  h.ok(kvSet('lock', 'held', { acquire: 's1' }));
  return h;
}

const set = (key: string, v: string, over: Partial<TxnOp> = {}) =>
  op('set', key, { value: bytes(v), ...over });

function committed(o: TxnOutcome): readonly KvEntry[] {
  if (!o.committed) throw new Error(`expected a commit, got errors ${JSON.stringify(o.errors)}`);
  return o.results;
}

function rejected(o: TxnOutcome) {
  if (o.committed) throw new Error('expected the txn to be rolled back');
  return o.errors;
}

/** Runs a txn that must fail and asserts it changed nothing at all. */
function expectRollback(h: KvHarness, ops: readonly TxnOp[]) {
  const before = dumpKv(h.state, KEYS, PREFIXES);
  const errors = rejected(h.txn(ops));
  expect(dumpKv(h.state, KEYS, PREFIXES)).toEqual(before);
  return errors;
}

describe('txn: success of each verb', () => {
  it('set creates or updates; results carry the entry without its value', () => {
    const h = seeded();
    const res = committed(h.txn([set('new', 'n', { flags: 4 }), set('a/1', 'uno')]));
    const idx = h.index;
    expect(res).toHaveLength(2);
    expect(res[0]).toMatchObject({ key: 'new', flags: 4, createIndex: idx, modifyIndex: idx, lockIndex: 0 });
    expect(res[0]?.value.length).toBe(0);
    expect(res[1]).toMatchObject({ key: 'a/1', createIndex: 4, modifyIndex: idx });
    expect(h.value('new')).toBe('n');
    expect(h.value('a/1')).toBe('uno');
    expect(h.kv.index).toBe(idx);
  });

  it('set with a null value stores an empty value; set on a locked key keeps the lock', () => {
    const h = seeded();
    committed(h.txn([op('set', 'new'), set('lock', 'changed')]));
    expect(h.kv.get('new')?.value.length).toBe(0);
    expect(h.kv.get('lock')).toMatchObject({ session: 's1', lockIndex: 1 });
    expect(h.value('lock')).toBe('changed');
  });

  it('cas with the current index, and cas 0 on an absent key, succeed', () => {
    const h = seeded();
    const res = committed(
      h.txn([set('a/1', 'x', { verb: 'cas', index: 4 }), set('new', 'y', { verb: 'cas' })]),
    );
    expect(res.map((e) => e.key)).toEqual(['a/1', 'new']);
    expect(h.value('a/1')).toBe('x');
    expect(h.value('new')).toBe('y');
  });

  it('lock acquires (LockIndex +1), re-lock by the holder keeps the LockIndex, unlock releases', () => {
    const h = seeded();
    const r1 = committed(h.txn([set('a/1', 'locked', { verb: 'lock', session: 's2' })]));
    expect(r1[0]).toMatchObject({ key: 'a/1', session: 's2', lockIndex: 1 });
    committed(h.txn([set('a/1', 'again', { verb: 'lock', session: 's2' })]));
    expect(h.kv.get('a/1')).toMatchObject({ session: 's2', lockIndex: 1 });
    const r3 = committed(h.txn([set('a/1', 'free', { verb: 'unlock', session: 's2' })]));
    expect(r3[0]).toMatchObject({ session: null, lockIndex: 1 });
    expect(h.value('a/1')).toBe('free');
    committed(h.txn([set('a/1', 'mine', { verb: 'lock', session: 's1' })]));
    expect(h.kv.get('a/1')).toMatchObject({ session: 's1', lockIndex: 2 });
    // lock of a new key
    committed(h.txn([set('new', 'l', { verb: 'lock', session: 's1' })]));
    expect(h.kv.get('new')).toMatchObject({ session: 's1', lockIndex: 1, createIndex: h.index });
  });

  it('get returns the entry with its value; get-tree returns the prefix in key order', () => {
    const h = seeded();
    const res = committed(h.txn([op('get', 'a/2'), op('get-tree', 'a/'), op('get-tree', 'zzz')]));
    expect(res.map((e) => [e.key, text(e.value), e.flags])).toEqual([
      ['a/2', 'two', 2],
      ['a/1', 'one', 0],
      ['a/2', 'two', 2],
    ]);
    expect(res[0]).toEqual(h.kv.get('a/2'));
  });

  it('check-index, check-session and check-not-exists pass and return what they checked', () => {
    const h = seeded();
    const res = committed(
      h.txn([
        op('check-index', 'a/1', { index: 4 }),
        op('check-session', 'lock', { session: 's1' }),
        op('check-not-exists', 'new'),
      ]),
    );
    expect(res.map((e) => e.key)).toEqual(['a/1', 'lock']);
    expect(res[0]?.modifyIndex).toBe(4);
    expect(res[1]?.session).toBe('s1');
  });

  it('a read-only txn commits but moves no index and wakes nobody', async () => {
    const h = seeded();
    const before = dumpKv(h.state, KEYS, PREFIXES);
    let woke = false;
    h.state.hub.wait([Topic.kvPrefix(''), Topic.kvKey('a/1')], () => {
      woke = true;
    });
    committed(h.txn([op('get', 'a/1'), op('get-tree', ''), op('check-index', 'b', { index: 6 })]));
    await turn();
    expect(woke).toBe(false);
    expect(dumpKv(h.state, KEYS, PREFIXES)).toEqual(before);
  });

  it('delete removes a key (a missing one is fine); delete-tree removes exactly the prefix', () => {
    const h = seeded();
    h.ok(kvSet('a', 'root'));
    const res = committed(h.txn([op('delete', 'b'), op('delete', 'missing'), op('delete-tree', 'a/')]));
    expect(res).toEqual([]);
    expect(h.kv.list('').map((e) => e.key)).toEqual(['a', 'lock']);
    for (const k of ['b', 'a/1', 'a/2']) {
      expect(h.kv.keyIndex(k)).toBe(h.index);
      expect(h.kv.versions(k).at(-1)).toMatchObject({ op: 'delete', index: h.index });
    }
  });

  it('delete-cas with the current index deletes', () => {
    const h = seeded();
    committed(h.txn([op('delete-cas', 'b', { index: 6 })]));
    expect(h.kv.get('b')).toBeUndefined();
  });

  it('delete-cas of a missing key succeeds whatever the index (as Consul)', () => {
    const h = seeded();
    committed(h.txn([op('delete-cas', 'new', { index: 4 }), set('c', 'c')]));
    expect(h.kv.get('new')).toBeUndefined();
    expect(h.value('c')).toBe('c');
  });

  it('records one history version per key with the txn write info, and touches every changed key', async () => {
    const h = seeded();
    const topics = [Topic.kvKey('b'), Topic.kvKey('new'), Topic.kvKey('a/1'), Topic.kvPrefix('a/')];
    const woke = new Set<string>();
    for (const t of topics) h.state.hub.wait([t], () => woke.add(t));
    committed(
      h.txn([set('new', 'x'), set('new', 'y'), op('delete', 'b')], write({ at: 777, author: 'txn-author' })),
    );
    await turn();
    expect([...woke].sort()).toEqual([Topic.kvKey('b'), Topic.kvKey('new')].sort());
    expect(h.kv.versions('new').map((v) => [v.op, text(v.value), v.at, v.author, v.index])).toEqual([
      ['set', 'y', 777, 'txn-author', h.index],
    ]);
    expect(h.kv.versions('b').map((v) => [v.op, v.at, v.author])).toEqual([
      ['set', 1_700_000_000_000, 'tester'],
      ['delete', 777, 'txn-author'],
    ]);
  });
});

describe('txn: ops see the effects of earlier ops', () => {
  it('a set then a get, check-index at the txn index, and a cas on the new index', () => {
    const h = seeded();
    const idx = h.index + 1;
    const res = committed(
      h.txn([
        set('new', 'v1'),
        op('get', 'new'),
        op('check-index', 'new', { index: idx }),
        set('new', 'v2', { verb: 'cas', index: idx }),
        op('get', 'new'),
      ]),
    );
    expect(text(res[1]?.value)).toBe('v1');
    expect(text(res[4]?.value)).toBe('v2');
    expect(h.value('new')).toBe('v2');
    expect(h.kv.get('new')).toMatchObject({ createIndex: idx, modifyIndex: idx });
  });

  it('a delete then check-not-exists and a cas 0 re-create (with a new CreateIndex)', () => {
    const h = seeded();
    committed(
      h.txn([op('delete', 'a/1'), op('check-not-exists', 'a/1'), set('a/1', 'reborn', { verb: 'cas' })]),
    );
    expect(h.kv.get('a/1')).toMatchObject({ createIndex: h.index, modifyIndex: h.index });
    expect(h.kv.versions('a/1').map((v) => v.op)).toEqual(['set', 'set']);
  });

  it('get-tree sees keys set and deleted earlier in the txn', () => {
    const h = seeded();
    const res = committed(h.txn([set('a/3', 'three'), op('delete', 'a/1'), op('get-tree', 'a/')]));
    expect(res.slice(1).map((e) => [e.key, text(e.value)])).toEqual([
      ['a/2', 'two'],
      ['a/3', 'three'],
    ]);
  });

  it('a lock then check-session, and an unlock then a lock by another session', () => {
    const h = seeded();
    committed(
      h.txn([
        set('lock', 'x', { verb: 'unlock', session: 's1' }),
        set('lock', 'y', { verb: 'lock', session: 's2' }),
        op('check-session', 'lock', { session: 's2' }),
      ]),
    );
    expect(h.kv.get('lock')).toMatchObject({ session: 's2', lockIndex: 2 });
  });

  it('set then delete of a new key leaves nothing behind, not even a tombstone or a version', () => {
    const h = seeded();
    const before = h.kv.keyIndex('new');
    committed(h.txn([set('new', 'x'), op('delete', 'new'), set('c', 'c')]));
    expect(h.kv.get('new')).toBeUndefined();
    expect(h.kv.versions('new')).toEqual([]);
    expect(h.kv.list('new')).toEqual([]);
    expect(before).toBeLessThan(h.index);
  });

  it('a later op fails because of an earlier op: the whole txn rolls back', () => {
    const h = seeded();
    const errors = expectRollback(h, [op('delete', 'b'), op('get', 'b')]);
    expect(errors).toEqual([{ opIndex: 1, what: expect.stringContaining('"b"') }]);
    expect(h.value('b')).toBe('bee');
  });
});

describe('txn: failure of each verb rolls everything back', () => {
  const cases: [string, TxnOp][] = [
    ['cas with a stale index', set('a/1', 'x', { verb: 'cas', index: 3 })],
    ['cas 0 on an existing key', set('a/1', 'x', { verb: 'cas', index: 0 })],
    ['cas on a missing key', set('new', 'x', { verb: 'cas', index: 4 })],
    ['lock held by another session', set('lock', 'x', { verb: 'lock', session: 's2' })],
    ['lock with an unknown session', set('new', 'x', { verb: 'lock', session: 'ghost' })],
    ['unlock by a non-holder', set('lock', 'x', { verb: 'unlock', session: 's2' })],
    ['unlock of an unlocked key', set('a/1', 'x', { verb: 'unlock', session: 's1' })],
    ['unlock of a missing key', set('new', 'x', { verb: 'unlock', session: 's1' })],
    ['get of a missing key', op('get', 'new')],
    ['check-index mismatch', op('check-index', 'a/1', { index: 5 })],
    ['check-index of a missing key', op('check-index', 'new', { index: 0 })],
    ['check-session mismatch', op('check-session', 'lock', { session: 's2' })],
    ['check-session on an unlocked key', op('check-session', 'a/1', { session: 's1' })],
    ['check-session on a missing key', op('check-session', 'new', { session: 's1' })],
    ['check-not-exists on an existing key', op('check-not-exists', 'b')],
    ['delete-cas with a stale index', op('delete-cas', 'a/1', { index: 3 })],
  ];

  for (const [name, failing] of cases) {
    it(`${name}: committed false, one error at its opIndex, nothing changed`, () => {
      const h = seeded();
      const applied = h.state.applied;
      // Writes of every kind around the failing op (after it, so it still fails), none of which may survive.
      const errors = expectRollback(h, [
        set('c', 'c'),
        failing,
        op('delete', 'b'),
        op('delete-tree', 'a/'),
        set('lock', 'overwrite', { verb: 'unlock', session: 's1' }),
        set('new2', 'z'),
      ]);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.opIndex).toBe(1);
      expect(typeof errors[0]?.what).toBe('string');
      expect(errors[0]?.what.length).toBeGreaterThan(0);
      expect(h.kv.get('c')).toBeUndefined();
      expect(h.kv.get('new2')).toBeUndefined();
      expect(h.state.applied).toBe(applied + 1);
    });
  }

  it('reports every failing op, each with its own opIndex and message', () => {
    const h = seeded();
    const errors = expectRollback(h, [
      op('get', 'nope'),
      set('x', 'x'),
      op('check-not-exists', 'b'),
      set('lock', 'x', { verb: 'lock', session: 's2' }),
    ]);
    expect(errors.map((e) => e.opIndex)).toEqual([0, 2, 3]);
    expect(errors[0]?.what).toContain('nope');
    expect(errors[1]?.what).toContain('"b"');
    expect(errors[2]?.what).toContain('lock');
  });

  it('a rolled-back txn wakes nobody', async () => {
    const h = seeded();
    let woke = false;
    h.state.hub.wait([Topic.kvPrefix(''), Topic.kvKey('c')], () => {
      woke = true;
    });
    rejected(h.txn([set('c', 'c'), op('get', 'nope')]));
    await turn();
    expect(woke).toBe(false);
  });

  it('the messages name the problem', () => {
    const h = seeded();
    const what = (o: TxnOp) => rejected(h.txn([o]))[0]?.what ?? '';
    expect(what(set('a/1', 'x', { verb: 'cas', index: 3 }))).toMatch(/stale/);
    expect(what(set('lock', 'x', { verb: 'lock', session: 's2' }))).toMatch(/already held/);
    expect(what(set('new', 'x', { verb: 'lock', session: 'ghost' }))).toMatch(/invalid session "ghost"/);
    expect(what(op('check-index', 'a/1', { index: 5 }))).toMatch(/4 != 5/);
    expect(what(op('check-not-exists', 'b'))).toMatch(/exists/);
  });
});

describe('txn: misc', () => {
  it('an empty txn commits with no results and changes nothing', () => {
    const h = seeded();
    const before = dumpKv(h.state, KEYS, PREFIXES);
    expect(h.txn([])).toEqual({ committed: true, results: [] });
    expect(dumpKv(h.state, KEYS, PREFIXES)).toEqual(before);
  });

  it('covers every verb in TXN_VERBS', () => {
    // Guard: if a verb is added, this suite must grow.
    expect([...TXN_VERBS].sort()).toEqual(
      [
        'cas',
        'check-index',
        'check-not-exists',
        'check-session',
        'delete',
        'delete-cas',
        'delete-tree',
        'get',
        'get-tree',
        'lock',
        'set',
        'unlock',
      ].sort(),
    );
  });
});
