import { describe, expect, it } from 'vitest';
import { Topic } from '../../../src/state/topics.js';
import { register, turn } from '../support.js';
import { dumpKv, KvHarness, kvDelete, kvSet, sessionCreate, text, write } from './kv-support.js';

const KEYS = ['a', 'a/b', 'a/b/c', 'a/bc', 'b', 'ab'];
const PREFIXES = ['', 'a', 'a/', 'a/b', 'a/b/', 'b', 'c'];

/** A harness with node n1 and sessions s1, s2 (indexes 1..3). */
function withSessions(): KvHarness {
  const h = new KvHarness();
  h.ok(register('n1', null));
  h.ok(sessionCreate('s1'));
  h.ok(sessionCreate('s2'));
  return h;
}

describe('kvSet / get', () => {
  it('creates an entry with CreateIndex = ModifyIndex = its index, no lock, the flags given', () => {
    const h = new KvHarness();
    expect(h.bool(kvSet('cfg/db', 'postgres://x', { flags: 42 }))).toBe(true);
    expect(h.kv.get('cfg/db')).toEqual({
      key: 'cfg/db',
      value: expect.anything(),
      flags: 42,
      createIndex: 1,
      modifyIndex: 1,
      lockIndex: 0,
      session: null,
    });
    expect(h.value('cfg/db')).toBe('postgres://x');
    expect(h.kv.get('cfg/other')).toBeUndefined();
    expect(h.kv.size).toBe(1);
    expect(h.kv.index).toBe(1);
  });

  it('an update keeps CreateIndex, moves ModifyIndex to the entry index, replaces value and flags', () => {
    const h = new KvHarness();
    h.ok(kvSet('unrelated', 'x'));
    h.ok(kvSet('k', 'v1', { flags: 1 }));
    h.ok(kvSet('unrelated', 'y'));
    h.ok(kvSet('k', 'v2', { flags: 7 }));
    const e = h.kv.get('k');
    expect(e?.createIndex).toBe(2);
    expect(e?.modifyIndex).toBe(4);
    expect(e?.flags).toBe(7);
    expect(text(e?.value)).toBe('v2');
    // Flags are not sticky: a later write with flags 0 clears them.
    h.ok(kvSet('k', 'v3'));
    expect(h.kv.get('k')?.flags).toBe(0);
    expect(h.kv.index).toBe(5);
  });

  it('keeps empty values and large safe-integer flags', () => {
    const h = new KvHarness();
    h.ok(kvSet('empty', '', { flags: Number.MAX_SAFE_INTEGER }));
    expect(h.kv.get('empty')?.value.length).toBe(0);
    expect(h.kv.get('empty')?.flags).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('cas', () => {
  it('cas 0 creates only if absent', () => {
    const h = new KvHarness();
    expect(h.bool(kvSet('k', 'first', { cas: 0 }))).toBe(true);
    const before = dumpKv(h.state, KEYS.concat('k'), PREFIXES);
    expect(h.bool(kvSet('k', 'second', { cas: 0 }))).toBe(false);
    expect(h.value('k')).toBe('first');
    expect(dumpKv(h.state, KEYS.concat('k'), PREFIXES)).toEqual(before);
  });

  it('a mismatched cas answers false and changes nothing (no index moves, no history)', () => {
    const h = new KvHarness();
    h.ok(kvSet('k', 'v1'));
    h.ok(kvSet('k', 'v2')); // ModifyIndex 2
    const before = dumpKv(h.state, ['k'], PREFIXES);
    expect(h.bool(kvSet('k', 'stale', { cas: 1 }))).toBe(false);
    expect(h.bool(kvSet('k', 'future', { cas: 99 }))).toBe(false);
    expect(h.bool(kvSet('missing', 'x', { cas: 2 }))).toBe(false);
    expect(dumpKv(h.state, ['k'], PREFIXES)).toEqual(before);
    expect(h.kv.get('missing')).toBeUndefined();
    // The log position still moved: the entries were consumed.
    expect(h.state.applied).toBe(5);
  });

  it('a matching cas writes and answers true', () => {
    const h = new KvHarness();
    h.ok(kvSet('k', 'v1'));
    expect(h.bool(kvSet('k', 'v2', { cas: 1 }))).toBe(true);
    expect(h.value('k')).toBe('v2');
    expect(h.kv.get('k')?.modifyIndex).toBe(2);
    expect(h.bool(kvSet('k', 'v3', { cas: 2 }))).toBe(true);
    expect(h.kv.get('k')?.createIndex).toBe(1);
    // The old index no longer matches.
    expect(h.bool(kvSet('k', 'v4', { cas: 2 }))).toBe(false);
    expect(h.value('k')).toBe('v3');
  });

  it('a cas against a deleted key behaves as absent', () => {
    const h = new KvHarness();
    h.ok(kvSet('k', 'v1'));
    h.ok(kvDelete('k'));
    expect(h.bool(kvSet('k', 'again', { cas: 1 }))).toBe(false);
    expect(h.bool(kvSet('k', 'again', { cas: 0 }))).toBe(true);
    // Re-created: a new CreateIndex.
    expect(h.kv.get('k')).toMatchObject({ createIndex: 4, modifyIndex: 4, lockIndex: 0 });
  });
});

describe('kvDelete', () => {
  it('deletes one key and answers true; deleting a missing key answers true and moves nothing', () => {
    const h = new KvHarness();
    h.ok(kvSet('k', 'v'));
    h.ok(kvSet('k2', 'v'));
    expect(h.bool(kvDelete('k'))).toBe(true);
    expect(h.kv.get('k')).toBeUndefined();
    expect(h.kv.get('k2')).toBeDefined();
    expect(h.kv.size).toBe(1);
    expect(h.kv.index).toBe(3);
    const before = dumpKv(h.state, ['k', 'k2', 'nope'], PREFIXES);
    expect(h.bool(kvDelete('nope'))).toBe(true);
    expect(h.bool(kvDelete('k'))).toBe(true);
    expect(dumpKv(h.state, ['k', 'k2', 'nope'], PREFIXES)).toEqual(before);
  });

  it('a non-recursive delete does not touch keys under it', () => {
    const h = new KvHarness();
    h.ok(kvSet('a', '1'));
    h.ok(kvSet('a/b', '2'));
    h.ok(kvDelete('a'));
    expect(h.kv.list('').map((e) => e.key)).toEqual(['a/b']);
  });

  it('with cas: only if the ModifyIndex matches', () => {
    const h = new KvHarness();
    h.ok(kvSet('k', 'v1'));
    h.ok(kvSet('k', 'v2'));
    const before = dumpKv(h.state, ['k'], PREFIXES);
    expect(h.bool(kvDelete('k', { cas: 1 }))).toBe(false);
    expect(h.bool(kvDelete('k', { cas: 0 }))).toBe(false);
    expect(dumpKv(h.state, ['k'], PREFIXES)).toEqual(before);
    expect(h.bool(kvDelete('k', { cas: 2 }))).toBe(true);
    expect(h.kv.get('k')).toBeUndefined();
    expect(h.kv.keyIndex('k')).toBe(5);
    // As Consul: once the key is gone, a CAS delete succeeds whatever the index, and changes nothing.
    const gone = dumpKv(h.state, ['k'], PREFIXES);
    expect(h.bool(kvDelete('k', { cas: 2 }))).toBe(true);
    expect(h.bool(kvDelete('never', { cas: 7 }))).toBe(true);
    expect(dumpKv(h.state, ['k'], PREFIXES)).toEqual(gone);
  });

  it('recurse deletes exactly the keys with the prefix, in one index', () => {
    const h = new KvHarness();
    for (const k of KEYS) h.ok(kvSet(k, k));
    h.ok(kvSet('a/', 'dir'));
    const idx = h.ok(kvDelete('a/b', { recurse: true }));
    expect(h.kv.list('').map((e) => e.key)).toEqual(['a', 'a/', 'ab', 'b']);
    for (const k of ['a/b', 'a/b/c', 'a/bc']) {
      expect(h.kv.keyIndex(k)).toBe(idx);
      expect(h.kv.versions(k).at(-1)).toMatchObject({ op: 'delete', index: idx, value: null });
    }
    expect(h.kv.get('a')?.modifyIndex).toBeLessThan(idx);
    h.ok(kvDelete('a/', { recurse: true }));
    expect(h.kv.list('').map((e) => e.key)).toEqual(['a', 'ab', 'b']);
    h.ok(kvDelete('', { recurse: true }));
    expect(h.kv.list('')).toEqual([]);
    expect(h.kv.size).toBe(0);
  });

  it('recurse on a prefix with no keys answers true and moves nothing', () => {
    const h = new KvHarness();
    h.ok(kvSet('a', '1'));
    expect(h.bool(kvDelete('zzz/', { recurse: true }))).toBe(true);
    expect(h.kv.index).toBe(1);
  });
});

describe('acquire / release (locks)', () => {
  it('acquire on a new key: lock held, LockIndex 1, answers true', () => {
    const h = withSessions();
    expect(h.bool(kvSet('lock', 'me', { acquire: 's1' }))).toBe(true);
    expect(h.kv.get('lock')).toMatchObject({ session: 's1', lockIndex: 1, createIndex: 4, modifyIndex: 4 });
  });

  it('acquire of an existing unlocked key increments its LockIndex and keeps CreateIndex', () => {
    const h = withSessions();
    h.ok(kvSet('lock', 'plain'));
    expect(h.bool(kvSet('lock', 'mine', { acquire: 's1' }))).toBe(true);
    expect(h.kv.get('lock')).toMatchObject({ session: 's1', lockIndex: 1, createIndex: 4, modifyIndex: 5 });
    expect(h.value('lock')).toBe('mine');
  });

  it('re-acquire by the holder answers true and keeps the LockIndex (the fencing token)', () => {
    const h = withSessions();
    h.ok(kvSet('lock', 'a', { acquire: 's1' }));
    expect(h.bool(kvSet('lock', 'b', { acquire: 's1', flags: 3 }))).toBe(true);
    expect(h.kv.get('lock')).toMatchObject({ session: 's1', lockIndex: 1, modifyIndex: 5, flags: 3 });
    expect(h.value('lock')).toBe('b');
  });

  it('acquire of a key held by another session answers false and changes nothing', () => {
    const h = withSessions();
    h.ok(kvSet('lock', 'a', { acquire: 's1' }));
    const before = dumpKv(h.state, ['lock'], PREFIXES);
    expect(h.bool(kvSet('lock', 'steal', { acquire: 's2' }))).toBe(false);
    expect(dumpKv(h.state, ['lock'], PREFIXES)).toEqual(before);
  });

  it('release by the holder unlocks, keeps the LockIndex; the next acquire (any session) increments it', () => {
    const h = withSessions();
    h.ok(kvSet('lock', 'a', { acquire: 's1' }));
    expect(h.bool(kvSet('lock', 'released', { release: 's1' }))).toBe(true);
    expect(h.kv.get('lock')).toMatchObject({ session: null, lockIndex: 1, modifyIndex: 5 });
    expect(h.value('lock')).toBe('released');
    expect(h.bool(kvSet('lock', 'b', { acquire: 's2' }))).toBe(true);
    expect(h.kv.get('lock')).toMatchObject({ session: 's2', lockIndex: 2 });
    h.ok(kvSet('lock', 'b', { release: 's2' }));
    expect(h.bool(kvSet('lock', 'c', { acquire: 's2' }))).toBe(true);
    expect(h.kv.get('lock')).toMatchObject({ session: 's2', lockIndex: 3 });
  });

  it('release by a non-holder (or of an unlocked or missing key) answers false and changes nothing', () => {
    const h = withSessions();
    h.ok(kvSet('lock', 'a', { acquire: 's1' }));
    h.ok(kvSet('free', 'x'));
    const before = dumpKv(h.state, ['lock', 'free', 'missing'], PREFIXES);
    expect(h.bool(kvSet('lock', 'x', { release: 's2' }))).toBe(false);
    expect(h.bool(kvSet('free', 'x', { release: 's1' }))).toBe(false);
    expect(h.bool(kvSet('missing', 'x', { release: 's1' }))).toBe(false);
    expect(dumpKv(h.state, ['lock', 'free', 'missing'], PREFIXES)).toEqual(before);
  });

  it('a plain set on a locked key updates the value and keeps the lock and LockIndex', () => {
    const h = withSessions();
    h.ok(kvSet('lock', 'a', { acquire: 's1' }));
    expect(h.bool(kvSet('lock', 'overwritten', { flags: 9 }))).toBe(true);
    expect(h.kv.get('lock')).toMatchObject({ session: 's1', lockIndex: 1, modifyIndex: 5, flags: 9 });
    expect(h.value('lock')).toBe('overwritten');
    // A cas set also keeps it.
    expect(h.bool(kvSet('lock', 'cas', { cas: 5 }))).toBe(true);
    expect(h.kv.get('lock')).toMatchObject({ session: 's1', lockIndex: 1 });
  });

  it('acquire combined with cas: the cas is checked first', () => {
    const h = withSessions();
    h.ok(kvSet('lock', 'a')); // 4
    expect(h.bool(kvSet('lock', 'b', { acquire: 's1', cas: 3 }))).toBe(false);
    expect(h.kv.get('lock')?.session).toBeNull();
    expect(h.bool(kvSet('lock', 'b', { acquire: 's1', cas: 4 }))).toBe(true);
    expect(h.kv.get('lock')?.session).toBe('s1');
  });

  it('acquire or release with an unknown session fails with kind invalid and changes nothing', () => {
    const h = withSessions();
    h.ok(kvSet('lock', 'a', { acquire: 's1' }));
    const before = dumpKv(h.state, ['lock', 'new'], PREFIXES);
    expect(h.apply(kvSet('new', 'x', { acquire: 'ghost' }))).toMatchObject({ ok: false, kind: 'invalid' });
    expect(h.apply(kvSet('lock', 'x', { release: 'ghost' }))).toMatchObject({ ok: false, kind: 'invalid' });
    const r = h.apply(kvSet('lock', 'x', { acquire: 'ghost' }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain('ghost');
    expect(dumpKv(h.state, ['lock', 'new'], PREFIXES)).toEqual(before);
  });

  it('deleting a locked key removes it; re-creating it starts a fresh LockIndex', () => {
    const h = withSessions();
    h.ok(kvSet('lock', 'a', { acquire: 's1' }));
    h.ok(kvDelete('lock'));
    expect(h.kv.get('lock')).toBeUndefined();
    h.ok(kvSet('lock', 'b', { acquire: 's2' }));
    expect(h.kv.get('lock')).toMatchObject({ session: 's2', lockIndex: 1 });
  });
});

describe('history', () => {
  it('records each write with op, value, flags, session, at, author and index, oldest first', () => {
    const h = withSessions();
    h.ok(kvSet('k', 'v1', { flags: 1, write: write({ at: 100, author: 'alice' }) })); // 4
    h.ok(kvSet('k', 'v2', { acquire: 's1', write: write({ at: 200, author: 'bob' }) })); // 5
    h.ok(kvDelete('k', { write: write({ at: 300, author: 'carol' }) })); // 6
    h.ok(kvSet('k', 'v3', { flags: 5, write: write({ at: 400, author: '' }) })); // 7
    const vs = h.kv.versions('k').map((v) => ({ ...v, value: text(v.value) }));
    expect(vs).toEqual([
      { index: 4, op: 'set', value: 'v1', flags: 1, session: null, at: 100, author: 'alice' },
      { index: 5, op: 'set', value: 'v2', flags: 0, session: 's1', at: 200, author: 'bob' },
      { index: 6, op: 'delete', value: null, flags: 0, session: null, at: 300, author: 'carol' },
      { index: 7, op: 'set', value: 'v3', flags: 5, session: null, at: 400, author: '' },
    ]);
    expect(h.kv.versions('never')).toEqual([]);
  });

  it('keeps the last `keep` versions of each key (the keep of each write applies)', () => {
    const h = new KvHarness();
    for (let i = 1; i <= 8; i++) h.ok(kvSet('k', `v${i}`, { write: write({ keep: 3 }) }));
    expect(h.kv.versions('k').map((v) => text(v.value))).toEqual(['v6', 'v7', 'v8']);
    expect(h.kv.versions('k').map((v) => v.index)).toEqual([6, 7, 8]);
    // A larger keep lets history grow again; a smaller one trims it.
    h.ok(kvSet('k', 'v9', { write: write({ keep: 5 }) }));
    h.ok(kvSet('k', 'v10', { write: write({ keep: 5 }) }));
    expect(h.kv.versions('k').map((v) => text(v.value))).toEqual(['v6', 'v7', 'v8', 'v9', 'v10']);
    h.ok(kvDelete('k', { write: write({ keep: 2 }) }));
    expect(h.kv.versions('k').map((v) => [v.op, text(v.value)])).toEqual([
      ['set', 'v10'],
      ['delete', null],
    ]);
    h.ok(kvSet('k', 'solo', { write: write({ keep: 1 }) }));
    expect(h.kv.versions('k').map((v) => text(v.value))).toEqual(['solo']);
  });

  it('keep is clamped to at least 1: keep 0 still records the write', () => {
    const h = new KvHarness();
    h.ok(kvSet('k', 'a', { write: write({ keep: 0 }) }));
    h.ok(kvSet('k', 'b', { write: write({ keep: 0 }) }));
    expect(h.kv.versions('k').map((v) => text(v.value))).toEqual(['b']);
  });

  it('history survives a delete and belongs to each key separately', () => {
    const h = new KvHarness();
    h.ok(kvSet('x', '1'));
    h.ok(kvSet('y', '1'));
    h.ok(kvSet('x', '2'));
    h.ok(kvDelete('x'));
    expect(h.kv.versions('x').map((v) => v.op)).toEqual(['set', 'set', 'delete']);
    expect(h.kv.versions('y').map((v) => v.index)).toEqual([2]);
  });

  it('failed writes (cas false, lock held, unknown session) leave no version', () => {
    const h = withSessions();
    h.ok(kvSet('k', 'v', { acquire: 's1' }));
    h.apply(kvSet('k', 'x', { cas: 1 }));
    h.apply(kvSet('k', 'x', { acquire: 's2' }));
    h.apply(kvSet('k', 'x', { release: 's2' }));
    h.apply(kvSet('k', 'x', { acquire: 'ghost' }));
    h.apply(kvDelete('k', { cas: 1 }));
    expect(h.kv.versions('k')).toHaveLength(1);
  });
});

describe('indexes', () => {
  it('prefixIndex is the last index under the prefix, deletes included, and never goes back', () => {
    const h = new KvHarness();
    h.ok(kvSet('a/1', 'x')); // 1
    h.ok(kvSet('a/2', 'x')); // 2
    h.ok(kvSet('b', 'x')); // 3
    expect(h.kv.prefixIndex('a/')).toBe(2);
    expect(h.kv.prefixIndex('')).toBe(3);
    h.ok(kvDelete('a/2')); // 4
    expect(h.kv.prefixIndex('a/')).toBe(4);
    h.ok(kvDelete('a/1')); // 5: nothing left under a/
    expect(h.kv.prefixIndex('a/')).toBe(5);
    h.ok(kvSet('b', 'y')); // 6
    expect(h.kv.prefixIndex('a/')).toBe(5);
    expect(h.kv.prefixIndex('b')).toBe(6);
    expect(h.kv.prefixIndex('')).toBe(6);
    // A prefix with no key ever answers the table index.
    expect(h.kv.prefixIndex('zzz')).toBe(6);
  });

  it('keyIndex is the ModifyIndex of a live key, the delete index of a deleted one, else the table index', () => {
    const h = new KvHarness();
    h.ok(kvSet('k', 'x')); // 1
    h.ok(kvSet('other', 'x')); // 2
    expect(h.kv.keyIndex('k')).toBe(1);
    h.ok(kvDelete('k')); // 3
    h.ok(kvSet('other', 'y')); // 4
    expect(h.kv.keyIndex('k')).toBe(3);
    expect(h.kv.keyIndex('never')).toBe(4);
    h.ok(kvSet('k', 'back')); // 5
    expect(h.kv.keyIndex('k')).toBe(5);
  });

  it('the table index moves only on writes that change something', () => {
    const h = new KvHarness();
    expect(h.kv.index).toBe(0);
    h.ok(kvSet('k', 'x'));
    h.apply(kvSet('k', 'y', { cas: 0 }));
    h.ok(kvDelete('nothing'));
    h.ok(kvDelete('zz', { recurse: true }));
    expect(h.kv.index).toBe(1);
    h.ok(kvDelete('k'));
    expect(h.kv.index).toBe(5);
  });
});

describe('list', () => {
  it('lists the live keys with the prefix, sorted, and nothing else', () => {
    const h = new KvHarness();
    for (const k of ['b', 'a/b/c', 'ab', 'a/bc', 'a', 'a/b', 'a0', 'a/']) h.ok(kvSet(k, k));
    expect(h.kv.list('').map((e) => e.key)).toEqual(['a', 'a/', 'a/b', 'a/b/c', 'a/bc', 'a0', 'ab', 'b']);
    expect(h.kv.list('a/').map((e) => e.key)).toEqual(['a/', 'a/b', 'a/b/c', 'a/bc']);
    expect(h.kv.list('a/b').map((e) => e.key)).toEqual(['a/b', 'a/b/c', 'a/bc']);
    expect(h.kv.list('a/b/').map((e) => e.key)).toEqual(['a/b/c']);
    expect(h.kv.list('a/b/c').map((e) => e.key)).toEqual(['a/b/c']);
    expect(h.kv.list('a/b/c/')).toEqual([]);
    expect(h.kv.list('c')).toEqual([]);
    h.ok(kvDelete('a/b'));
    expect(h.kv.list('a/b').map((e) => e.key)).toEqual(['a/b/c', 'a/bc']);
    h.ok(kvSet('a/b', 'again'));
    expect(h.kv.list('a/b').map((e) => e.key)).toEqual(['a/b', 'a/b/c', 'a/bc']);
    // The entries listed are the stored ones.
    expect(h.kv.list('a/b')[0]).toBe(h.kv.get('a/b'));
  });

  it('keeps order for keys inserted in any order, including non-ASCII keys', () => {
    const h = new KvHarness();
    const keys = ['z', 'é', 'a', 'Z', 'm/2', 'm/10', 'm/1', '~', ' '];
    for (const k of keys) h.ok(kvSet(k, k));
    const expected = [...keys].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    expect(h.kv.list('').map((e) => e.key)).toEqual(expected);
    expect(h.kv.list('m/').map((e) => e.key)).toEqual(['m/1', 'm/10', 'm/2']);
  });
});

describe('topics', () => {
  /** Registers one waiter per topic; returns the set of topics that woke after one apply. */
  async function woken(h: KvHarness, topics: readonly string[], act: () => void): Promise<Set<string>> {
    const out = new Map<string, number>();
    const cancels = topics.map((t) => h.state.hub.wait([t], (i) => out.set(t, i)));
    act();
    await turn();
    await turn();
    for (const c of cancels) c();
    return new Set(out.keys());
  }

  const ALL = [
    Topic.kvKey('a/b/c'),
    Topic.kvKey('a/b'),
    Topic.kvKey('b'),
    ...['', 'a', 'a/', 'a/b', 'a/b/', 'a/b/c', 'a/b/c/', 'b', 'x'].map(Topic.kvPrefix),
    Topic.sessions,
    Topic.nodes,
  ];

  it('a set touches the key and every prefix of it, and nothing else', async () => {
    const h = new KvHarness();
    const got = await woken(h, ALL, () => h.ok(kvSet('a/b/c', 'v')));
    expect([...got].sort()).toEqual(
      [Topic.kvKey('a/b/c'), ...['', 'a', 'a/', 'a/b', 'a/b/', 'a/b/c'].map(Topic.kvPrefix)].sort(),
    );
  });

  it('waiters are woken with the index of the entry', async () => {
    const h = new KvHarness();
    h.ok(kvSet('other', 'x'));
    let at = -1;
    h.state.hub.wait([Topic.kvKey('k')], (i) => {
      at = i;
    });
    h.ok(kvSet('k', 'x'));
    await turn();
    expect(at).toBe(2);
  });

  it('a delete and a recursive delete touch each deleted key and its prefixes', async () => {
    const h = new KvHarness();
    h.ok(kvSet('a/b/c', 'v'));
    h.ok(kvSet('b', 'v'));
    const got = await woken(h, ALL, () => h.ok(kvDelete('a/', { recurse: true })));
    expect([...got].sort()).toEqual(
      [Topic.kvKey('a/b/c'), ...['', 'a', 'a/', 'a/b', 'a/b/', 'a/b/c'].map(Topic.kvPrefix)].sort(),
    );
    const got2 = await woken(h, ALL, () => h.ok(kvDelete('b')));
    expect([...got2].sort()).toEqual([Topic.kvKey('b'), Topic.kvPrefix(''), Topic.kvPrefix('b')].sort());
  });

  it('a write that changes nothing wakes nobody', async () => {
    const h = new KvHarness();
    h.ok(kvSet('a/b/c', 'v'));
    const got = await woken(h, ALL, () => {
      h.apply(kvSet('a/b/c', 'x', { cas: 0 }));
      h.apply(kvDelete('a/b/c', { cas: 99 }));
      h.apply(kvDelete('x'));
      h.apply(kvSet('a/b/c', 'x', { acquire: 'ghost' }));
    });
    expect([...got]).toEqual([]);
  });
});
