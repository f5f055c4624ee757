import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { CodecError, decodeMessage, encodeMessage, WIRE_VERSION } from '../../src/raft/codec.js';
import type { Message } from '../../src/raft/messages.js';
import type { Entry } from '../../src/raft/types.js';

// Boundaries of the msgpack integer encodings, plus the largest safe integer.
const BOUNDARY = [0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER];
const num = fc.oneof(fc.nat(1000), fc.maxSafeNat(), fc.constantFrom(...BOUNDARY));
const id = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ minLength: 30, maxLength: 300 }),
);
const bytes = fc.oneof(
  { weight: 10, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 65530, maxLength: 65540 }) },
);
const entry: fc.Arbitrary<Entry> = fc.record({
  index: num,
  term: num,
  kind: fc.constantFrom('normal' as const, 'conf' as const, 'noop' as const),
  data: bytes,
});
const env = { from: id, to: id, term: num };

const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({
    type: fc.constant('append' as const),
    ...env,
    index: num,
    logTerm: num,
    commit: num,
    entries: fc.array(entry, { maxLength: 20 }),
  }),
  fc.record({
    type: fc.constant('appendResp' as const),
    ...env,
    index: num,
    reject: fc.boolean(),
    rejectHint: num,
    logTerm: num,
  }),
  fc.record({
    type: fc.constantFrom('vote' as const, 'preVote' as const),
    ...env,
    index: num,
    logTerm: num,
    transfer: fc.boolean(),
  }),
  fc.record({
    type: fc.constantFrom('voteResp' as const, 'preVoteResp' as const),
    ...env,
    reject: fc.boolean(),
  }),
  fc.record({ type: fc.constant('heartbeat' as const), ...env, commit: num, seq: num }),
  fc.record({ type: fc.constant('heartbeatResp' as const), ...env, seq: num }),
  fc.record({
    type: fc.constant('snapshot' as const),
    ...env,
    snapshot: fc.record({
      meta: fc.record({
        index: num,
        term: num,
        conf: fc.record({
          voters: fc.array(id, { maxLength: 20 }),
          learners: fc.array(id, { maxLength: 5 }),
        }),
      }),
      data: bytes,
    }),
  }),
  fc.record({ type: fc.constant('timeoutNow' as const), ...env }),
  fc.record({ type: fc.constant('readIndex' as const), ...env, ctx: id, lease: fc.boolean() }),
  fc.record({ type: fc.constant('readIndexResp' as const), ...env, ctx: id, index: num }),
);

/** Byte fields as hex, so `toEqual` compares bytes and not Buffer vs Uint8Array. */
function normalize(v: unknown): unknown {
  if (v instanceof Uint8Array)
    return { hex: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') };
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  }
  return v;
}

function byteFields(m: Message): Uint8Array[] {
  if (m.type === 'append') return m.entries.map((e) => e.data);
  if (m.type === 'snapshot') return [m.snapshot.data];
  return [];
}

/** Garbage either fails with CodecError or is, by chance, a whole valid message. */
function expectCodecErrorOrValid(b: Uint8Array): void {
  let m: Message;
  try {
    m = decodeMessage(b);
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    return;
  }
  expect(normalize(decodeMessage(encodeMessage(m)))).toEqual(normalize(m));
}

const raw = new Packr({ useRecords: false });
function withVersion(value: unknown): Uint8Array {
  return Buffer.concat([Buffer.from([WIRE_VERSION]), raw.pack(value)]);
}

const heartbeat: Message = { type: 'heartbeat', from: 'a', to: 'b', term: 3, commit: 9, seq: 1 };
const append: Message = {
  type: 'append',
  from: 'a',
  to: 'b',
  term: 3,
  index: 10,
  logTerm: 2,
  commit: 9,
  entries: [{ index: 11, term: 3, kind: 'normal', data: Buffer.from('hello') }],
};

describe('codec', () => {
  it('round-trips every message type with byte-equal data', () => {
    fc.assert(
      fc.property(message, (m) => {
        const b = encodeMessage(m);
        expect(b[0]).toBe(WIRE_VERSION);
        const d = decodeMessage(b);
        expect(normalize(d)).toEqual(normalize(m));
        for (const data of byteFields(d)) expect(data).toBeInstanceOf(Uint8Array);
      }),
      { numRuns: 400 },
    );
  });

  it('encodes independently of earlier messages (no shared structures)', () => {
    const first = encodeMessage(heartbeat);
    encodeMessage(append);
    expect(Buffer.from(encodeMessage(heartbeat))).toEqual(Buffer.from(first));
    expect(decodeMessage(Buffer.from(first))).toEqual(heartbeat);
  });

  it('keeps an encoded message intact while later ones are encoded', () => {
    const a = encodeMessage(append);
    const copy = Buffer.from(a);
    for (let i = 0; i < 2000; i++) encodeMessage({ ...heartbeat, seq: i });
    expect(Buffer.from(a)).toEqual(copy);
  });

  it('round-trips a 5 MiB snapshot', () => {
    const data = randomBytes(5 * 1024 * 1024);
    const m: Message = {
      type: 'snapshot',
      from: 'a',
      to: 'b',
      term: 4,
      snapshot: { meta: { index: 100, term: 4, conf: { voters: ['a', 'b', 'c'], learners: [] } }, data },
    };
    const d = decodeMessage(encodeMessage(m));
    if (d.type !== 'snapshot') throw new Error(`decoded ${d.type}`);
    expect(Buffer.compare(Buffer.from(d.snapshot.data), data)).toBe(0);
  });

  it('rejects random bytes with CodecError (or decodes a valid message)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => expectCodecErrorOrValid(b)));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) =>
        expectCodecErrorOrValid(Buffer.concat([Buffer.from([1]), b])),
      ),
    );
  });

  it('rejects corrupted encodings with CodecError (or decodes a valid message)', () => {
    fc.assert(
      fc.property(
        message,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (m, flips) => {
          const b = Buffer.from(encodeMessage(m));
          for (const [pos, byte] of flips) b[pos % b.length] = byte;
          expectCodecErrorOrValid(b);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects every truncation of a valid message', () => {
    const b = encodeMessage(append);
    for (let n = 0; n < b.length; n++) expect(() => decodeMessage(b.subarray(0, n))).toThrow(CodecError);
  });

  it('rejects trailing bytes and unknown versions', () => {
    const b = Buffer.from(encodeMessage(heartbeat));
    expect(() => decodeMessage(Buffer.concat([b, Buffer.from([0])]))).toThrow(CodecError);
    b[0] = WIRE_VERSION + 1;
    expect(() => decodeMessage(b)).toThrow(/version/);
  });

  it('rejects well-formed msgpack of the wrong shape', () => {
    const bad: unknown[] = [
      { type: 'heartbeat', from: 'a', to: 'b', term: 1, commit: 1, seq: 1 }, // a map, not an array
      [99, 'a', 'b', 1],
      ['heartbeat', 'a', 'b', 1, 1, 1],
      [6, 'a', 'b', 1, 1], // heartbeat missing seq
      [6, 'a', 'b', 1, 1, 1, 1], // one field too many
      [6, 'a', 'b', -1, 1, 1], // negative term
      [6, 'a', 'b', 1.5, 1, 1], // fractional term
      [6, 'a', 'b', '1', 1, 1],
      [6, 1, 'b', 1, 1, 1], // numeric from
      [4, 'a', 'b', 1, 0], // reject is not a boolean
      [0, 'a', 'b', 1, 0, 0, 0, [1, 1, 0]], // entries not in 4-tuples
      [0, 'a', 'b', 1, 0, 0, 0, [1, 1, 7, Buffer.from('x')]], // unknown kind code
      [0, 'a', 'b', 1, 0, 0, 0, [1, 1, 'length', Buffer.from('x')]],
      [0, 'a', 'b', 1, 0, 0, 0, [1, 1, 0, 'not bytes']],
      [0, 'a', 'b', 1, 0, 0, 0, { length: 0 }],
      [8, 'a', 'b', 1, 1, 1, ['a'], [2], Buffer.from('x')], // numeric learner
      [8, 'a', 'b', 1, 1, 1, ['a'], [], 'data'],
      [10, 'a', 'b', 1, null, true],
      [10, 'a', 'b', 1, 'ctx', 1], // lease is not a boolean
    ];
    for (const v of bad) expect(() => decodeMessage(withVersion(v)), JSON.stringify(v)).toThrow(CodecError);
  });

  it('decodes what msgpackr itself wrote in the same layout', () => {
    const m = decodeMessage(withVersion([0, 'a', 'b', 3, 10, 2, 9, [11, 3, 0, Buffer.from('hello')]]));
    expect(normalize(m)).toEqual(normalize(append));
  });
});
