import { describe, expect, it } from 'vitest';
import type { Command } from '../../../src/state/commands.js';
import { Topic } from '../../../src/state/topics.js';
import type { HealthStatus } from '../../../src/state/types.js';
import { register, serviceSpec, ttlCheck, turn } from '../support.js';
import {
  dumpKv,
  KvHarness,
  kvSet,
  op,
  sessionCreate,
  sessionEnd,
  sessionSpec,
  text,
  write,
} from './kv-support.js';

const KEYS = ['k1', 'k2', 'k3', 'k4'];
const PREFIXES = ['', 'k'];

/**
 * n1 with service web-1 and checks: node-ok (node, passing), svc-ok (service, passing),
 * node-bad (node, critical); n2 with node check other-ok (passing). Indexes 1..2.
 */
function cluster(): KvHarness {
  const h = new KvHarness();
  h.ok(
    register('n1', serviceSpec('web-1', 'web'), [
      ttlCheck('node-ok', '', { status: 'passing' }),
      ttlCheck('svc-ok', 'web-1', { status: 'passing' }),
      ttlCheck('node-bad', ''),
    ]),
  );
  h.ok(register('n2', null, [ttlCheck('other-ok', '', { status: 'passing' })]));
  return h;
}

function status(node: string, checkId: string, s: HealthStatus): Command {
  return { type: 'checkStatus', at: 5_000, updates: [{ node, checkId, status: s, output: '' }] };
}

describe('sessionCreate', () => {
  it('stores the session with CreateIndex = ModifyIndex = its index and moves the sessions index', async () => {
    const h = cluster();
    let woke = -1;
    h.state.hub.wait([Topic.sessions], (i) => {
      woke = i;
    });
    const spec = sessionSpec('s1', {
      name: 'leader-election',
      lockDelayMs: 15_000,
      behavior: 'delete',
      ttlMs: 30_000,
      nodeChecks: ['node-ok'],
      serviceChecks: [{ id: 'svc-ok' }],
    });
    const idx = h.ok({ type: 'sessionCreate', session: spec, write: write() });
    expect(h.state.sessions.get('s1')).toEqual({ ...spec, createIndex: idx, modifyIndex: idx });
    expect(h.state.sessions.index).toBe(idx);
    expect(h.state.sessions.size).toBe(1);
    await turn();
    expect(woke).toBe(idx);
  });

  it('lists sessions in creation order', () => {
    const h = cluster();
    h.ok(sessionCreate('zz'));
    h.ok(sessionCreate('aa', { node: 'n2' }));
    h.ok(sessionCreate('mm'));
    expect(h.state.sessions.all().map((s) => s.id)).toEqual(['zz', 'aa', 'mm']);
  });

  const refusals: [string, Parameters<typeof sessionSpec>[1], RegExp][] = [
    ['the node is not registered', { node: 'ghost' }, /node "ghost"/],
    ['a node check is missing', { nodeChecks: ['node-ok', 'nope'] }, /nope/],
    ['a node check is critical', { nodeChecks: ['node-bad'] }, /node-bad.*critical/],
    ['a service check is missing', { serviceChecks: [{ id: 'nope' }] }, /nope/],
    ['a service check is critical', { serviceChecks: [{ id: 'node-bad' }] }, /node-bad.*critical/],
    ['the check exists only on another node', { nodeChecks: ['other-ok'] }, /other-ok/],
  ];
  for (const [why, over, message] of refusals) {
    it(`fails (invalid) and changes nothing when ${why}`, () => {
      const h = cluster();
      const before = dumpKv(h.state, KEYS, PREFIXES);
      const r = h.apply(sessionCreate('s1', over));
      expect(r).toMatchObject({ ok: false, kind: 'invalid' });
      if (!r.ok) expect(r.message).toMatch(message);
      expect(h.state.sessions.get('s1')).toBeUndefined();
      expect(dumpKv(h.state, KEYS, PREFIXES)).toEqual(before);
    });
  }

  it('accepts warning checks', () => {
    const h = cluster();
    h.ok(status('n1', 'node-ok', 'warning'));
    h.ok(sessionCreate('s1', { nodeChecks: ['node-ok'] }));
    expect(h.state.sessions.get('s1')).toBeDefined();
  });

  it('refuses an id that already exists, keeping the original', () => {
    const h = cluster();
    const idx = h.ok(sessionCreate('s1', { name: 'first' }));
    const r = h.apply(sessionCreate('s1', { name: 'second', node: 'n2' }));
    expect(r).toMatchObject({ ok: false, kind: 'invalid' });
    expect(h.state.sessions.get('s1')).toMatchObject({ name: 'first', node: 'n1', createIndex: idx });
    expect(h.state.sessions.index).toBe(idx);
  });
});

describe('sessionEnd', () => {
  /** cluster + sessions s1 (given options) and s2; s1 holds k1, k2; s2 holds k3; k4 is free. */
  function holding(over: Parameters<typeof sessionSpec>[1] = {}): KvHarness {
    const h = cluster();
    h.ok(sessionCreate('s1', over));
    h.ok(sessionCreate('s2'));
    h.ok(kvSet('k1', 'one', { acquire: 's1', flags: 1 }));
    h.ok(kvSet('k2', 'two', { acquire: 's1' }));
    h.ok(kvSet('k3', 'three', { acquire: 's2' }));
    h.ok(kvSet('k4', 'four'));
    return h;
  }

  it('behavior release: unlocks the keys it held (value, flags, LockIndex kept) and nothing else', () => {
    const h = holding({ behavior: 'release' });
    const k3 = h.kv.get('k3');
    const k4 = h.kv.get('k4');
    const idx = h.ok(sessionEnd(['s1'], write({ at: 123, author: 'destroyer' })));
    expect(h.state.sessions.get('s1')).toBeUndefined();
    expect(h.state.sessions.get('s2')).toBeDefined();
    expect(h.state.sessions.index).toBe(idx);
    expect(h.kv.get('k1')).toMatchObject({
      session: null,
      lockIndex: 1,
      flags: 1,
      createIndex: 5,
      modifyIndex: idx,
    });
    expect(h.kv.get('k2')).toMatchObject({ session: null, lockIndex: 1, createIndex: 6, modifyIndex: idx });
    expect(h.value('k1')).toBe('one');
    expect(h.value('k2')).toBe('two');
    expect(h.kv.get('k3')).toBe(k3);
    expect(h.kv.get('k4')).toBe(k4);
    expect(h.kv.index).toBe(idx);
    expect(h.kv.versions('k1').map((v) => [v.op, text(v.value), v.session, v.index, v.at, v.author])).toEqual(
      [
        ['set', 'one', 's1', 5, 1_700_000_000_000, 'tester'],
        ['set', 'one', null, idx, 123, 'destroyer'],
      ],
    );
    // The ended session can no longer lock anything; another session can take k1 (LockIndex 2).
    expect(h.apply(kvSet('k1', 'x', { acquire: 's1' }))).toMatchObject({ ok: false, kind: 'invalid' });
    expect(h.bool(kvSet('k1', 'x', { acquire: 's2' }))).toBe(true);
    expect(h.kv.get('k1')).toMatchObject({ session: 's2', lockIndex: 2 });
  });

  it('behavior delete: deletes the keys it held (tombstoned at the end index) and nothing else', () => {
    const h = holding({ behavior: 'delete' });
    const idx = h.ok(sessionEnd(['s1']));
    expect(h.kv.list('').map((e) => e.key)).toEqual(['k3', 'k4']);
    expect(h.kv.keyIndex('k1')).toBe(idx);
    expect(h.kv.prefixIndex('k')).toBe(idx);
    expect(h.kv.versions('k2').at(-1)).toMatchObject({ op: 'delete', value: null, index: idx });
    expect(h.kv.get('k3')?.session).toBe('s2');
  });

  it('wakes the sessions topic and the released keys (with their prefixes)', async () => {
    const h = holding();
    const woke = new Set<string>();
    for (const t of [
      Topic.sessions,
      Topic.kvKey('k1'),
      Topic.kvKey('k3'),
      Topic.kvKey('k4'),
      Topic.kvPrefix('k'),
    ])
      h.state.hub.wait([t], () => woke.add(t));
    h.ok(sessionEnd(['s1']));
    await turn();
    expect([...woke].sort()).toEqual([Topic.sessions, Topic.kvKey('k1'), Topic.kvPrefix('k')].sort());
  });

  it('sets a lock-delay on each released key, from the injected clock at apply time', () => {
    const h = holding({ lockDelayMs: 15_000 });
    h.now = 90_000;
    h.ok(sessionEnd(['s1'], write({ at: 1 })));
    // Measured from the server clock (90 000), not from the command's `at`.
    expect(h.kv.lockDelayed('k1', 104_999)).toBe(true);
    expect(h.kv.lockDelayed('k2', 90_000)).toBe(true);
    expect(h.kv.lockDelayed('k3', 90_000)).toBe(false);
    expect(h.kv.lockDelayed('k4', 90_000)).toBe(false);
    expect(h.kv.lockDelayed('k1', 105_000)).toBe(false);
    // Once over, it stays over.
    expect(h.kv.lockDelayed('k1', 104_000)).toBe(false);
  });

  it('sets a lock-delay for behavior delete too', () => {
    const h = holding({ lockDelayMs: 1_000, behavior: 'delete' });
    h.ok(sessionEnd(['s1']));
    expect(h.kv.lockDelayed('k1', h.now + 999)).toBe(true);
    expect(h.kv.lockDelayed('k1', h.now + 1_000)).toBe(false);
  });

  it('sets no lock-delay when lockDelayMs is 0', () => {
    const h = holding({ lockDelayMs: 0 });
    h.ok(sessionEnd(['s1']));
    expect(h.kv.lockDelayed('k1', h.now)).toBe(false);
  });

  it('ends several sessions in one entry; unknown ids are ignored', () => {
    const h = holding();
    const idx = h.ok(sessionEnd(['ghost', 's1', 's2']));
    expect(h.state.sessions.size).toBe(0);
    expect(h.kv.list('').every((e) => e.session === null)).toBe(true);
    expect(h.kv.get('k3')?.modifyIndex).toBe(idx);
  });

  it('ending an unknown session is ok and changes nothing', () => {
    const h = holding();
    const before = dumpKv(h.state, KEYS, PREFIXES);
    expect(h.apply(sessionEnd(['ghost']))).toEqual({ ok: true });
    expect(h.apply(sessionEnd([]))).toEqual({ ok: true });
    expect(dumpKv(h.state, KEYS, PREFIXES)).toEqual(before);
  });

  it('a session holding nothing ends without touching KV', () => {
    const h = cluster();
    h.ok(kvSet('k4', 'x'));
    h.ok(sessionCreate('idle'));
    const kvIndex = h.kv.index;
    const idx = h.ok(sessionEnd(['idle']));
    expect(h.kv.index).toBe(kvIndex);
    expect(h.state.sessions.index).toBe(idx);
  });

  it('a txn lock by an ended session fails', () => {
    const h = holding();
    h.ok(sessionEnd(['s1']));
    const r = h.txn([op('lock', 'k4', { session: 's1' })]);
    expect(r.committed).toBe(false);
  });
});

describe('session invalidation by the catalog', () => {
  /** cluster + sA (node-ok), sB (svc-ok), sC (no checks), sD on n2 (other-ok), each holding one key. */
  function linked(behavior: 'release' | 'delete' = 'release'): KvHarness {
    const h = cluster();
    h.ok(sessionCreate('sA', { nodeChecks: ['node-ok'], behavior, lockDelayMs: 5_000 }));
    h.ok(sessionCreate('sB', { serviceChecks: [{ id: 'svc-ok' }], behavior }));
    h.ok(sessionCreate('sC', { behavior }));
    h.ok(sessionCreate('sD', { node: 'n2', nodeChecks: ['other-ok'], behavior }));
    h.ok(kvSet('a', 'A', { acquire: 'sA' }));
    h.ok(kvSet('b', 'B', { acquire: 'sB' }));
    h.ok(kvSet('c', 'C', { acquire: 'sC' }));
    h.ok(kvSet('d', 'D', { acquire: 'sD' }));
    return h;
  }
  const ids = (h: KvHarness) => h.state.sessions.all().map((s) => s.id);

  it('a linked node check going critical ends the session and releases its keys, at that index', () => {
    const h = linked();
    const idx = h.ok(status('n1', 'node-ok', 'critical'));
    expect(ids(h)).toEqual(['sB', 'sC', 'sD']);
    expect(h.kv.get('a')).toMatchObject({ session: null, lockIndex: 1, modifyIndex: idx });
    expect(h.state.sessions.index).toBe(idx);
    expect(h.kv.versions('a').at(-1)).toMatchObject({ op: 'set', session: null, index: idx });
    expect(h.kv.get('b')?.session).toBe('sB');
    // The lock-delay is set from the server clock.
    expect(h.kv.lockDelayed('a', h.now + 4_999)).toBe(true);
    expect(h.kv.lockDelayed('a', h.now + 5_000)).toBe(false);
  });

  it('a linked service check going critical ends the session', () => {
    const h = linked();
    h.ok(status('n1', 'svc-ok', 'critical'));
    expect(ids(h)).toEqual(['sA', 'sC', 'sD']);
    expect(h.kv.get('b')?.session).toBeNull();
  });

  it('warning, passing, or another check going critical leaves sessions alone', () => {
    const h = linked();
    const before = dumpKv(h.state, ['a', 'b', 'c', 'd'], ['']);
    h.ok(status('n1', 'node-ok', 'warning'));
    h.ok(status('n1', 'svc-ok', 'warning'));
    h.ok(status('n1', 'node-ok', 'passing'));
    h.ok(status('n1', 'node-bad', 'critical'));
    h.ok(status('n1', 'node-bad', 'passing'));
    h.ok(status('n1', 'node-bad', 'critical'));
    expect(dumpKv(h.state, ['a', 'b', 'c', 'd'], [''])).toEqual(before);
  });

  it('with behavior delete, the keys go', () => {
    const h = linked('delete');
    const idx = h.ok(status('n1', 'node-ok', 'critical'));
    expect(h.kv.get('a')).toBeUndefined();
    expect(h.kv.keyIndex('a')).toBe(idx);
    expect(h.kv.list('').map((e) => e.key)).toEqual(['b', 'c', 'd']);
  });

  it('deregistering a linked check ends the session', () => {
    const h = linked();
    h.ok({ type: 'deregisterCheck', node: 'n1', checkId: 'node-ok' });
    expect(ids(h)).toEqual(['sB', 'sC', 'sD']);
  });

  it('deregistering the service (and so its checks) ends the session linked to its check', () => {
    const h = linked();
    h.ok({ type: 'deregisterService', node: 'n1', serviceId: 'web-1' });
    expect(ids(h)).toEqual(['sA', 'sC', 'sD']);
    expect(h.kv.get('b')?.session).toBeNull();
  });

  it('reaping the service ends the session linked to its check', () => {
    const h = linked();
    h.ok({ type: 'reap', services: [{ node: 'n1', serviceId: 'web-1' }] });
    expect(ids(h)).toEqual(['sA', 'sC', 'sD']);
  });

  it('re-registering a linked check as critical ends the session', () => {
    const h = linked();
    h.ok(register('n1', null, [ttlCheck('node-ok', '', { status: 'critical' })]));
    expect(ids(h)).toEqual(['sB', 'sC', 'sD']);
  });

  it('deregistering the node ends every session on it (checks or not), and only those', () => {
    const h = linked('delete');
    const idx = h.ok({ type: 'deregisterNode', node: 'n1' });
    expect(ids(h)).toEqual(['sD']);
    expect(h.kv.list('').map((e) => e.key)).toEqual(['d']);
    for (const k of ['a', 'b', 'c']) expect(h.kv.keyIndex(k)).toBe(idx);
    expect(h.state.sessions.index).toBe(idx);
  });

  it('records the invalidation in history with a recognisable author', () => {
    const h = linked();
    h.ok(status('n1', 'node-ok', 'critical'));
    expect(h.kv.versions('a').at(-1)?.author).toMatch(/session invalidated/);
  });

  it('invalidation does not trim history kept under a larger configured keep', () => {
    const h = linked();
    for (let i = 0; i < 30; i++) h.ok(kvSet('a', `v${i}`, { write: write({ keep: 50 }) }));
    expect(h.kv.versions('a')).toHaveLength(31);
    const idx = h.ok(status('n1', 'node-ok', 'critical'));
    const vs = h.kv.versions('a');
    expect(vs).toHaveLength(32);
    expect(vs.at(-1)).toMatchObject({ index: idx, session: null });
    expect(text(vs[0]?.value)).toBe('A');
  });

  it('a failed catalog command (unknown node) ends nothing', () => {
    const h = linked();
    const r = h.apply({ type: 'deregisterNode', node: 'ghost' });
    expect(r.ok).toBe(false);
    expect(ids(h)).toEqual(['sA', 'sB', 'sC', 'sD']);
  });

  it('wakes the sessions topic and the released keys', async () => {
    const h = linked();
    const woke = new Set<string>();
    for (const t of [Topic.sessions, Topic.kvKey('a'), Topic.kvKey('b')])
      h.state.hub.wait([t], () => woke.add(t));
    h.ok(status('n1', 'node-ok', 'critical'));
    await turn();
    expect([...woke].sort()).toEqual([Topic.sessions, Topic.kvKey('a')].sort());
  });
});
