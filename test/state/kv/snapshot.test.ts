import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { type Command, encodeCommand } from '../../../src/state/commands.js';
import { RegistryState } from '../../../src/state/machine.js';
import { register, serviceSpec, ttlCheck } from '../support.js';
import {
  bytes,
  dumpKv,
  KvHarness,
  kvDelete,
  kvSet,
  op,
  sessionCreate,
  sessionEnd,
  write,
} from './kv-support.js';

const KEYS = ['cfg/a', 'cfg/b', 'cfg/c', 'cfg/sub/x', 'gone', 'lock/1', 'lock/2', 'new', 'z'];
const PREFIXES = ['', 'cfg/', 'cfg/sub/', 'gone', 'lock/', 'n', 'z', 'q'];

/** KV entries (locked and not), history of several versions, tombstones, sessions of both behaviors. */
function seeded(): KvHarness {
  const h = new KvHarness();
  h.ok(register('n1', serviceSpec('web-1', 'web'), [ttlCheck('chk', 'web-1', { status: 'passing' })]));
  h.ok(sessionCreate('s-rel', { serviceChecks: [{ id: 'chk' }], lockDelayMs: 1_000 }));
  h.ok(sessionCreate('s-del', { behavior: 'delete', ttlMs: 10_000 }));
  h.ok(kvSet('cfg/a', 'a1', { flags: 3, write: write({ author: 'alice', at: 10 }) }));
  h.ok(kvSet('cfg/a', 'a2', { write: write({ author: 'bob', at: 20 }) }));
  h.ok(kvSet('cfg/b', 'b1'));
  h.ok(kvSet('cfg/sub/x', 'x'));
  h.ok(kvSet('gone', 'soon'));
  h.ok(kvDelete('gone'));
  h.ok(kvSet('cfg/c', 'c'));
  h.ok(kvDelete('cfg/c'));
  h.ok(kvSet('lock/1', 'l1', { acquire: 's-rel' }));
  h.ok(kvSet('lock/2', 'l2', { acquire: 's-del' }));
  h.ok(kvSet('z', 'zed'));
  h.ok({
    type: 'txn',
    ops: [op('set', 'cfg/b', { value: bytes('b2') }), op('delete', 'z')],
    write: write({ author: 'txn' }),
  });
  return h;
}

async function restored(h: KvHarness, bytesOf?: Uint8Array): Promise<KvHarness> {
  const r = new KvHarness();
  r.now = h.now;
  r.state.restore(bytesOf ?? (await h.state.snapshot()()));
  r.index = h.index;
  return r;
}

describe('KV and sessions in snapshots', () => {
  it('a restored state answers every KV and session read the same', async () => {
    const h = seeded();
    const r = await restored(h);
    expect(dumpKv(r.state, KEYS, PREFIXES)).toEqual(dumpKv(h.state, KEYS, PREFIXES));
    expect(r.state.applied).toBe(h.state.applied);
    // Spot checks, so an empty dump on both sides cannot pass.
    expect(r.kv.versions('cfg/a').map((v) => v.author)).toEqual(['alice', 'bob']);
    expect(r.kv.keyIndex('gone')).toBe(9);
    expect(r.kv.get('lock/1')).toMatchObject({ session: 's-rel', lockIndex: 1 });
    expect(r.state.sessions.get('s-del')).toMatchObject({ behavior: 'delete', ttlMs: 10_000 });
    expect(r.kv.list('cfg/').map((e) => e.key)).toEqual(['cfg/a', 'cfg/b', 'cfg/sub/x']);
  });

  it('a restored state then applies the same commands to the same answers', async () => {
    const h = seeded();
    const r = await restored(h);
    const next: Command[] = [
      kvSet('cfg/c', 'reborn'), // a tombstoned key comes back (must not appear twice in lists)
      kvSet('cfg/aa', 'between'), // a new key sorting among restored ones
      kvSet('lock/1', 'steal', { acquire: 's-del' }), // false: held
      kvSet('lock/3', 'l3', { acquire: 's-rel' }),
      kvSet('cfg/a', 'cas', { cas: 5 }),
      kvDelete('cfg/sub/', { recurse: true }),
      {
        type: 'txn',
        ops: [op('check-index', 'cfg/b', { index: 15 }), op('delete', 'cfg/b')],
        write: write(),
      },
      {
        type: 'checkStatus',
        at: 1,
        updates: [{ node: 'n1', checkId: 'chk', status: 'critical', output: '' }],
      },
      sessionEnd(['s-del']),
      kvSet('gone', 'back', { cas: 0 }),
    ];
    const keys = [...KEYS, 'cfg/aa', 'lock/3'];
    for (const cmd of next) {
      const a = h.apply(cmd);
      const b = r.apply(cmd);
      expect(b, `${cmd.type} at ${h.index}`).toEqual(a);
      expect(dumpKv(r.state, keys, PREFIXES), `${cmd.type} at ${h.index}`).toEqual(
        dumpKv(h.state, keys, PREFIXES),
      );
    }
    expect(r.kv.list('cfg/').map((e) => e.key)).toEqual(['cfg/a', 'cfg/aa', 'cfg/c']);
    expect(r.state.sessions.size).toBe(0);
    // s-rel (release) was invalidated by its critical check, s-del (delete) ended: lock/2 is gone.
    expect(r.kv.list('lock/').map((e) => [e.key, e.session])).toEqual([
      ['lock/1', null],
      ['lock/3', null],
    ]);
  });

  it('a capture is the state as of capture, whatever is applied afterwards', async () => {
    const h = seeded();
    const asOfCapture = dumpKv(h.state, KEYS, PREFIXES);
    const capture = h.state.snapshot();
    h.ok(kvSet('cfg/a', 'later'));
    h.ok(kvDelete('cfg/', { recurse: true }));
    h.ok(kvSet('new', 'n'));
    h.ok(sessionEnd(['s-rel', 's-del']));
    h.ok(sessionCreate('s-late'));
    expect(dumpKv(h.state, KEYS, PREFIXES)).not.toEqual(asOfCapture);
    const r = await restored(h, await capture());
    expect(dumpKv(r.state, KEYS, PREFIXES)).toEqual(asOfCapture);
  });

  it('survives a second round trip unchanged', async () => {
    const h = seeded();
    const once = await restored(h);
    const twice = await restored(once);
    expect(dumpKv(twice.state, KEYS, PREFIXES)).toEqual(dumpKv(h.state, KEYS, PREFIXES));
  });

  it('restoring replaces whatever KV and sessions were there before', async () => {
    const h = seeded();
    const r = new KvHarness();
    r.ok(register('n9', null));
    r.ok(sessionCreate('old', { node: 'n9' }));
    r.ok(kvSet('q/stale', 'x'));
    r.ok(kvDelete('q/stale'));
    r.ok(kvSet('new', 'old-value', { acquire: 'old' }));
    r.state.restore(await h.state.snapshot()());
    expect(dumpKv(r.state, KEYS.concat('q/stale'), PREFIXES)).toEqual(
      dumpKv(h.state, KEYS.concat('q/stale'), PREFIXES),
    );
    expect(r.state.sessions.get('old')).toBeUndefined();
    expect(r.kv.versions('q/stale')).toEqual([]);
  });

  it('lock-delays are not part of the snapshot (server-local, as in Consul)', async () => {
    const h = seeded();
    h.ok(sessionEnd(['s-rel']));
    expect(h.kv.lockDelayed('lock/1', h.now)).toBe(true);
    const r = await restored(h);
    expect(r.kv.lockDelayed('lock/1', h.now)).toBe(false);
  });

  it('a version-1 snapshot (before KV) restores to empty KV and no sessions', async () => {
    const h = seeded();
    const packr = new Packr({ useRecords: false, moreTypes: false });
    const full = packr.unpack(await h.state.snapshot()()) as Record<string, unknown>;
    const { kv: _kv, sessions: _sessions, ...rest } = full;
    const r = new RegistryState();
    r.restore(packr.pack({ ...rest, v: 1 }));
    expect(r.kv.size).toBe(0);
    expect(r.kv.index).toBe(0);
    expect(r.kv.list('')).toEqual([]);
    expect(r.sessions.size).toBe(0);
    expect(r.catalog.node('n1')).toBeDefined();
    // Writes work from there.
    r.apply(encodeCommand(kvSet('k', 'v')), h.index + 1);
    expect(r.kv.get('k')?.createIndex).toBe(h.index + 1);
  });
});
