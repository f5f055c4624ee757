import { describe, expect, it } from 'vitest';
import { applyErrorCode } from '../../src/state/index.js';
import { kvDelete, kvSet, op, txn, write } from './kv/kv-support.js';
import { Harness, register, serviceSpec } from './support.js';

const capped = write({ maxKeys: 3 });

describe('the KV key limit carried by a write (--kv-max-keys)', () => {
  it('refuses a write that would store more keys than its limit, and nothing changes', () => {
    const h = new Harness();
    for (const k of ['a', 'b', 'c']) h.ok(kvSet(k, 'v', { write: capped }));
    const r = h.apply(kvSet('d', 'v', { write: capped }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(applyErrorCode(r)).toBe('STATE_QUOTA_EXCEEDED');
    expect(r.message).toBe(
      'KV key limit reached: 3 keys stored, this write adds 1, at most 3 allowed (kv_max_keys); delete keys first',
    );
    expect(h.state.kv.get('d')).toBeUndefined();
    expect(h.state.kv.size).toBe(3);
  });

  it('updates of stored keys and deletes pass at the limit; a delete makes room', () => {
    const h = new Harness();
    for (const k of ['a', 'b', 'c']) h.ok(kvSet(k, 'v', { write: capped }));
    h.ok(kvSet('a', 'v2', { write: capped }));
    h.ok(kvDelete('b', { write: capped }));
    h.ok(kvSet('d', 'v', { write: capped }));
    expect(h.state.kv.size).toBe(3);
  });

  it('a transaction is counted whole: its deletes make room for its sets, and an over-limit one applies nothing', () => {
    const h = new Harness();
    for (const k of ['a', 'b']) h.ok(kvSet(k, 'v', { write: capped }));
    expect(h.apply(txn([op('set', 'x'), op('set', 'y')], capped)).ok).toBe(false);
    expect(h.state.kv.get('x')).toBeUndefined();
    h.ok(txn([op('delete', 'a'), op('set', 'x'), op('set', 'y')], capped));
    expect(h.state.kv.size).toBe(3);
  });

  it('no limit (absent or 0) and a lower limit than what is stored already', () => {
    const h = new Harness();
    for (let i = 0; i < 10; i++) h.ok(kvSet(`k${i}`, 'v', { write: write({ maxKeys: 0 }) }));
    h.ok(kvSet('k10', 'v'));
    expect(h.state.kv.size).toBe(11);
    // Over a limit set later: existing keys may still be changed and deleted, not added to.
    h.ok(kvSet('k0', 'v2', { write: capped }));
    h.ok(kvDelete('k1', { write: capped }));
    expect(h.apply(kvSet('new', 'v', { write: capped })).ok).toBe(false);
  });

  it('every server applying the same commands refuses the same ones, whatever its own setting', () => {
    const cmds = ['a', 'b', 'c', 'd', 'e'].map((k, i) =>
      kvSet(k, 'v', { write: write({ maxKeys: 2 + (i % 2) }) }),
    );
    const outcomes = [new Harness(), new Harness()].map((h) => cmds.map((c) => h.apply(c).ok));
    expect(outcomes[0]).toEqual(outcomes[1]);
    // c finds 2 keys under its own limit of 2; d, with 3, still fits.
    expect(outcomes[0]).toEqual([true, true, false, true, false]);
  });
});

describe('the service instance limit carried by a registration (--catalog-max-instances)', () => {
  it('refuses a new instance past the limit; re-registering an existing one passes', () => {
    const h = new Harness();
    h.ok(register('n1', serviceSpec('web-1', 'web'), [], { maxInstances: 2 }));
    h.ok(register('n1', serviceSpec('web-2', 'web'), [], { maxInstances: 2 }));
    const r = h.apply(register('n2', serviceSpec('web-3', 'web'), [], { maxInstances: 2 }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(applyErrorCode(r)).toBe('STATE_QUOTA_EXCEEDED');
    expect(r.message).toMatch(/^Service instance limit reached: 2 instances registered, at most 2 allowed/);
    // Nothing of the refused registration is applied, not even its node.
    expect(h.catalog.node('n2')).toBeUndefined();
    h.ok(register('n1', serviceSpec('web-2', 'web', { port: 9090 }), [], { maxInstances: 2 }));
    h.ok(register('n3', null, [], { maxInstances: 2 }));
    h.ok(register('n1', serviceSpec('web-3', 'web')));
    expect(h.catalog.counts.instances).toBe(3);
  });
});
