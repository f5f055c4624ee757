import { describe, expect, it } from 'vitest';
import { type Command, LockDelays, lockDelayRefusal, type TxnOp } from '../../src/state/index.js';

const write = { at: 0, author: 'test', keep: 5 };
const acquire = (key: string, session: string | null): Command => ({
  type: 'kvSet',
  key,
  value: new Uint8Array(),
  flags: 0,
  cas: null,
  acquire: session,
  release: null,
  write,
});
const op = (verb: TxnOp['verb'], key: string): TxnOp => ({
  verb,
  key,
  value: null,
  flags: 0,
  index: 0,
  session: 's1',
});
const txn = (...ops: TxnOp[]): Command => ({ type: 'txn', ops, write });

describe('LockDelays', () => {
  it('holds a released key for the delay, measured from the release, then forgets it', () => {
    const d = new LockDelays();
    d.start('a', 1_000, 500);
    expect(d.delayed('a', 1_000)).toBe(true);
    expect(d.delayed('a', 1_499)).toBe(true);
    expect(d.delayed('a', 1_500), 'the delay ends at release + delay').toBe(false);
    // Forgotten once over: a clock stepped back does not bring it back.
    expect(d.delayed('a', 1_200)).toBe(false);
    expect(d.delayed('b', 1_000), 'another key is not delayed').toBe(false);
  });

  it('a session without a lock-delay delays nothing; a later release restarts the delay', () => {
    const d = new LockDelays();
    d.start('a', 1_000, 0);
    expect(d.delayed('a', 1_000)).toBe(false);
    d.start('a', 1_000, 100);
    d.start('a', 1_050, 100);
    expect(d.delayed('a', 1_120)).toBe(true);
    d.clear();
    expect(d.delayed('a', 1_120)).toBe(false);
  });
});

describe('lockDelayRefusal', () => {
  const delayed = (key: string) => key === 'locked';

  it('refuses an acquire of a delayed key with false, and lets any other write through', () => {
    expect(lockDelayRefusal(acquire('locked', 's1'), delayed)).toEqual({ ok: true, value: false });
    expect(lockDelayRefusal(acquire('free', 's1'), delayed)).toBeNull();
    expect(lockDelayRefusal(acquire('locked', null), delayed), 'a plain set is no acquire').toBeNull();
    expect(
      lockDelayRefusal({ type: 'kvDelete', key: 'locked', recurse: false, cas: null, write }, delayed),
    ).toBeNull();
  });

  it('rolls back a transaction at its first lock op on a delayed key, naming the op', () => {
    expect(
      lockDelayRefusal(txn(op('set', 'locked'), op('lock', 'free'), op('lock', 'locked')), delayed),
    ).toEqual({
      ok: true,
      value: { committed: false, errors: [{ opIndex: 2, what: 'lock is in its lock-delay' }] },
    });
    expect(
      lockDelayRefusal(txn(op('set', 'locked'), op('unlock', 'locked'), op('lock', 'free')), delayed),
    ).toBeNull();
  });
});
