import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { COMMAND_VERSIONS, judge } from '../../src/state/command-versions.js';
import {
  type CommandType,
  encodeCommand,
  readCommand,
  UnreadableCommandError,
} from '../../src/state/commands.js';
import { RegistryState, type SkippedCommand } from '../../src/state/machine.js';
import { dumpCatalog, Harness, register, serviceSpec, ttlCheck } from './support.js';

const packr = new Packr({ useRecords: false, moreTypes: false });
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('command encoding', () => {
  it('is byte for byte what it was before revisions existed (old logs read the same)', () => {
    // Pinned bytes: a change of msgpackr options or of the envelope would change them.
    expect(hex(encodeCommand({ type: 'kvReap', upTo: 42 }))).toBe(
      'de0002a474797065a66b7652656170a47570546f2a',
    );
    expect(hex(encodeCommand({ type: 'deregisterCheck', node: 'n1', checkId: 'c1' }))).toBe(
      'de0003a474797065af64657265676973746572436865636ba46e6f6465a26e31a7636865636b4964a26331',
    );
    const reg = register('n1', serviceSpec('s1', 'web'), [ttlCheck('c1', 's1')]);
    expect(hex(encodeCommand(reg))).toBe(hex(packr.pack(reg)));
  });

  it('writes no envelope for any type but memberHttps (all at revision 1, only that one skippable)', () => {
    for (const [type, v] of Object.entries(COMMAND_VERSIONS)) {
      expect(v, type).toEqual({ rev: 1, ignoreIfUnknown: type === 'memberHttps' });
    }
  });

  it('marks memberHttps ignoreIfUnknown, so older servers skip it rather than stop', () => {
    const c = { type: 'memberHttps', name: 's1', httpsAddress: '127.0.0.1:8501' } as const;
    expect(packr.unpack(encodeCommand(c))).toEqual({ ...c, ignoreIfUnknown: true });
  });
});

describe('judge', () => {
  const known = Object.keys(COMMAND_VERSIONS) as CommandType[];

  it('accepts every known type at revision 1, given or implied', () => {
    for (const type of known) {
      expect(judge({ type }), type).toEqual({ kind: 'known' });
      expect(judge({ type, rev: 1 }), type).toEqual({ kind: 'known' });
    }
  });

  it('is fatal for an unknown type or a newer revision, naming them', () => {
    const unknown = judge({ type: 'configEntrySet' });
    expect(unknown.kind).toBe('fatal');
    if (unknown.kind !== 'known') expect(unknown.reason).toContain('unknown command type "configEntrySet"');
    const newer = judge({ type: 'kvSet', rev: 2 });
    expect(newer.kind).toBe('fatal');
    if (newer.kind !== 'known') expect(newer.reason).toContain('revision 2 of command "kvSet"');
    // A name inherited from Object.prototype is not a known type.
    expect(judge({ type: 'toString' }).kind).toBe('fatal');
  });

  it('skips an unknown type or newer revision only when its writer marked it ignoreIfUnknown', () => {
    expect(judge({ type: 'advisory', ignoreIfUnknown: true }).kind).toBe('skip');
    expect(judge({ type: 'loads', rev: 3, ignoreIfUnknown: true }).kind).toBe('skip');
    expect(judge({ type: 'advisory', ignoreIfUnknown: false }).kind).toBe('fatal');
    // The flag does not make a known command skippable.
    expect(judge({ type: 'loads', ignoreIfUnknown: true }).kind).toBe('known');
  });

  it('is fatal for a malformed type, revision or flag', () => {
    for (const map of [
      {},
      { type: 7 },
      { type: 'kvSet', rev: 0 },
      { type: 'kvSet', rev: 1.5 },
      { type: 'kvSet', rev: '2' },
      { type: 'x', ignoreIfUnknown: 'yes' },
    ]) {
      expect(judge(map).kind, JSON.stringify(map)).toBe('fatal');
    }
  });
});

describe('readCommand', () => {
  it('reads a known command back as it was written', () => {
    const c = { type: 'kvReap', upTo: 9 } as const;
    expect(readCommand(encodeCommand(c))).toEqual({ kind: 'command', command: c });
  });

  it('calls bytes that are not a command map unreadable, with no type', () => {
    for (const bytes of [
      new Uint8Array([0xc1]),
      new Uint8Array([]),
      packr.pack(42),
      packr.pack(['kvSet']),
      packr.pack(null),
    ]) {
      const r = readCommand(bytes);
      expect(r.kind, hex(bytes)).toBe('unreadable');
      if (r.kind === 'unreadable') expect(r.type).toBeNull();
    }
  });

  it('names the type of an unknown command', () => {
    expect(readCommand(packr.pack({ type: 'nope', x: 1 }))).toMatchObject({
      kind: 'unreadable',
      type: 'nope',
    });
    expect(readCommand(packr.pack({ type: 'nope', ignoreIfUnknown: true }))).toMatchObject({
      kind: 'skip',
      type: 'nope',
    });
  });
});

describe('RegistryState and commands it cannot read', () => {
  function seeded(onSkipped: (s: SkippedCommand) => void = () => {}) {
    const state = new RegistryState(Date.now, onSkipped);
    const r = state.apply(encodeCommand(register('n1', serviceSpec('s1', 'web'), [ttlCheck('c1', 's1')])), 1);
    expect(r).toEqual({ ok: true });
    return state;
  }

  it.each<[string, Uint8Array, string | null, RegExp]>([
    ['an unknown type', packr.pack({ type: 'nope', node: 'n1' }), 'nope', /unknown command type "nope"/],
    [
      'a newer revision',
      packr.pack({ type: 'deregisterNode', rev: 2, node: 'n1' }),
      'deregisterNode',
      /revision 2/,
    ],
    ['undecodable bytes', new Uint8Array([0xc1, 0x00]), null, /not a MessagePack command/],
    ['a map without a type', packr.pack({ node: 'n1' }), null, /no string "type"/],
  ])('%s stops it: throws with the index and type, and changes nothing', (_, bytes, type, reason) => {
    const state = seeded();
    const before = dumpCatalog(state);
    let thrown: unknown;
    try {
      state.apply(bytes, 2);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(UnreadableCommandError);
    const err = thrown as UnreadableCommandError;
    expect(err.index).toBe(2);
    expect(err.type).toBe(type);
    expect(err.message).toMatch(reason);
    expect(err.message).toContain('index 2');
    expect(state.applied).toBe(1);
    expect(dumpCatalog(state)).toEqual(before);
  });

  it('skips an unknown command marked ignoreIfUnknown, reports it, and goes on', () => {
    const skipped: SkippedCommand[] = [];
    const state = seeded((s) => skipped.push(s));
    const before = dumpCatalog(state);
    const r = state.apply(packr.pack({ type: 'hint', ignoreIfUnknown: true, node: 'n1' }), 2);
    expect(r).toMatchObject({ ok: false, kind: 'invalid' });
    expect(skipped).toEqual([{ index: 2, type: 'hint', reason: expect.stringContaining('"hint"') }]);
    expect(state.applied).toBe(2);
    expect(dumpCatalog(state)).toEqual(before);
    // The next entry applies as usual.
    expect(state.apply(encodeCommand({ type: 'deregisterService', node: 'n1', serviceId: 's1' }), 3)).toEqual(
      {
        ok: true,
      },
    );
    expect(state.catalog.instancesOf('web')).toEqual([]);
  });
});

describe('RegistryState.restore and snapshots it cannot read', () => {
  it.each<[string, Uint8Array, RegExp]>([
    [
      'a newer version',
      packr.pack({ v: 3, applied: 5, catalog: {}, members: {} }),
      /version 3 is not supported/,
    ],
    ['no version', packr.pack({ applied: 5 }), /version undefined is not supported/],
    ['not MessagePack', new Uint8Array([0xde, 0x00]), /not MessagePack/],
    ['not a map', packr.pack([2, 5]), /not a state image/],
  ])('refuses %s and keeps its state', (_, bytes, message) => {
    const h = new Harness();
    h.ok(register('n1', serviceSpec('s1', 'web')));
    const before = dumpCatalog(h.state);
    expect(() => h.state.restore(bytes)).toThrow(message);
    expect(dumpCatalog(h.state)).toEqual(before);
    expect(h.state.applied).toBe(1);
  });
});
