import { Packr, RESERVE_START_SPACE, Unpackr } from 'msgpackr';
import type { AppendMsg, Message, MessageType, SnapshotMsg } from './messages.js';
import { arrayHeaderSize, binSize, MsgpackWriter, strSize, uintSize } from './msgpack-writer.js';
import type { Entry, EntryKind } from './types.js';

/**
 * Wire format of a Raft message: one version byte, then one msgpack array
 * `[typeCode, from, to, term, ...fields]`. Positional arrays instead of maps
 * because appends with many small entries are the hot path: no key strings
 * to write, read or validate, and entries travel as one flat array
 * `[index, term, kindCode, data, index, term, ...]`.
 *
 * Appends and snapshots (the messages that carry bytes) are written by
 * {@link MsgpackWriter} into one exactly sized buffer; the small rest by
 * msgpackr. Everything is read by msgpackr.
 *
 * The code tables below are append-only: their positions are on the wire.
 */
export const WIRE_VERSION = 1;

const TYPES: readonly MessageType[] = [
  'append',
  'appendResp',
  'vote',
  'preVote',
  'voteResp',
  'preVoteResp',
  'heartbeat',
  'heartbeatResp',
  'snapshot',
  'timeoutNow',
  'readIndex',
  'readIndexResp',
];
const TYPE_CODE = new Map<MessageType, number>(TYPES.map((t, i) => [t, i]));
const APPEND = 0;
const SNAPSHOT = 8;

const KINDS: readonly EntryKind[] = ['normal', 'conf', 'noop'];
const KIND_CODE = new Map<EntryKind, number>(KINDS.map((k, i) => [k, i]));

/** Array length on the wire per type code: the 4 envelope fields plus the type's own. */
const WIRE_LENGTH: readonly number[] = [8, 8, 7, 7, 5, 5, 6, 5, 9, 4, 6, 6];

/** Input that is not a well-formed message of a known wire version. */
export class CodecError extends Error {
  override readonly name = 'CodecError';
}

// No shared record structures: every message must decode on its own, in any process.
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, int64AsType: 'number', mapsAsObjects: true });

export function encodeMessage(m: Message): Uint8Array {
  if (m.type === 'append') return encodeAppend(m);
  if (m.type === 'snapshot') return encodeSnapshot(m);
  const out = packr.pack(toWire(m), RESERVE_START_SPACE | 1);
  out[0] = WIRE_VERSION;
  return out;
}

/**
 * Decodes and validates one message. Byte fields (entry and snapshot data)
 * are views into `b`, not copies, so `b` must not be modified afterwards.
 */
export function decodeMessage(b: Uint8Array): Message {
  if (b.byteLength < 2) throw new CodecError(`message too short (${b.byteLength} bytes)`);
  if (b[0] !== WIRE_VERSION) throw new CodecError(`unsupported wire version ${b[0]}`);
  let raw: unknown;
  try {
    raw = unpackr.unpack(b, { start: 1 });
  } catch (e) {
    throw new CodecError(`malformed msgpack: ${e instanceof Error ? e.message.slice(0, 200) : String(e)}`);
  }
  return fromWire(raw);
}

function encodeAppend(m: AppendMsg): Uint8Array {
  const fromLen = Buffer.byteLength(m.from);
  const toLen = Buffer.byteLength(m.to);
  let size =
    3 + // version, array header, type code
    strSize(fromLen) +
    strSize(toLen) +
    uintSize(m.term) +
    uintSize(m.index) +
    uintSize(m.logTerm) +
    uintSize(m.commit) +
    arrayHeaderSize(m.entries.length * 4);
  for (const e of m.entries) size += uintSize(e.index) + uintSize(e.term) + 1 + binSize(e.data.byteLength);
  const w = envelope(size, APPEND, m, fromLen, toLen);
  w.uint(m.index);
  w.uint(m.logTerm);
  w.uint(m.commit);
  w.arrayHeader(m.entries.length * 4);
  for (const e of m.entries) {
    const kind = KIND_CODE.get(e.kind);
    if (kind === undefined) throw new CodecError(`unknown entry kind ${String(e.kind)}`);
    w.uint(e.index);
    w.uint(e.term);
    w.uint(kind);
    w.bin(e.data);
  }
  return w.buf;
}

function encodeSnapshot(m: SnapshotMsg): Uint8Array {
  const { meta, data } = m.snapshot;
  const fromLen = Buffer.byteLength(m.from);
  const toLen = Buffer.byteLength(m.to);
  const voters = meta.conf.voters.map((s) => Buffer.byteLength(s));
  const learners = meta.conf.learners.map((s) => Buffer.byteLength(s));
  let size =
    3 +
    strSize(fromLen) +
    strSize(toLen) +
    uintSize(m.term) +
    uintSize(meta.index) +
    uintSize(meta.term) +
    arrayHeaderSize(voters.length) +
    arrayHeaderSize(learners.length) +
    binSize(data.byteLength);
  for (const n of voters) size += strSize(n);
  for (const n of learners) size += strSize(n);
  const w = envelope(size, SNAPSHOT, m, fromLen, toLen);
  w.uint(meta.index);
  w.uint(meta.term);
  w.arrayHeader(voters.length);
  for (let i = 0; i < voters.length; i++) w.str(meta.conf.voters[i]!, voters[i]!);
  w.arrayHeader(learners.length);
  for (let i = 0; i < learners.length; i++) w.str(meta.conf.learners[i]!, learners[i]!);
  w.bin(data);
  return w.buf;
}

/** A writer of exactly `size` bytes with the version byte and the envelope fields written. */
function envelope(
  size: number,
  code: number,
  m: { from: string; to: string; term: number },
  fromLen: number,
  toLen: number,
): MsgpackWriter {
  const w = new MsgpackWriter(Buffer.allocUnsafe(size));
  w.uint(WIRE_VERSION);
  w.arrayHeader(WIRE_LENGTH[code]!);
  w.uint(code);
  w.str(m.from, fromLen);
  w.str(m.to, toLen);
  w.uint(m.term);
  return w;
}

/** The positional array of a message without byte fields, for msgpackr. */
function toWire(m: Exclude<Message, AppendMsg | SnapshotMsg>): unknown[] {
  const c = TYPE_CODE.get(m.type);
  switch (m.type) {
    case 'appendResp':
      return [c, m.from, m.to, m.term, m.index, m.reject, m.rejectHint, m.logTerm];
    case 'vote':
    case 'preVote':
      return [c, m.from, m.to, m.term, m.index, m.logTerm, m.transfer];
    case 'voteResp':
    case 'preVoteResp':
      return [c, m.from, m.to, m.term, m.reject];
    case 'heartbeat':
      return [c, m.from, m.to, m.term, m.commit, m.seq];
    case 'heartbeatResp':
      return [c, m.from, m.to, m.term, m.seq];
    case 'timeoutNow':
      return [c, m.from, m.to, m.term];
    case 'readIndex':
      return [c, m.from, m.to, m.term, m.ctx, m.lease];
    case 'readIndexResp':
      return [c, m.from, m.to, m.term, m.ctx, m.index];
    default:
      return unreachable(m);
  }
}

function fromWire(value: unknown): Message {
  const raw: readonly unknown[] | null = Array.isArray(value) ? value : null;
  if (raw === null || raw.length < 4) throw new CodecError('not a message array');
  const code = raw[0];
  const type = typeof code === 'number' ? TYPES[code] : undefined;
  if (type === undefined) throw new CodecError(`unknown message type code ${String(code)}`);
  const expected = WIRE_LENGTH[code as number];
  if (raw.length !== expected)
    throw new CodecError(`${type}: expected ${expected} fields, got ${raw.length}`);
  const from = str(raw[1], 'from');
  const to = str(raw[2], 'to');
  const term = uint(raw[3], 'term');
  switch (type) {
    case 'append':
      return {
        type,
        from,
        to,
        term,
        index: uint(raw[4], 'index'),
        logTerm: uint(raw[5], 'logTerm'),
        commit: uint(raw[6], 'commit'),
        entries: entries(raw[7]),
      };
    case 'appendResp':
      return {
        type,
        from,
        to,
        term,
        index: uint(raw[4], 'index'),
        reject: bool(raw[5], 'reject'),
        rejectHint: uint(raw[6], 'rejectHint'),
        logTerm: uint(raw[7], 'logTerm'),
      };
    case 'vote':
    case 'preVote':
      return {
        type,
        from,
        to,
        term,
        index: uint(raw[4], 'index'),
        logTerm: uint(raw[5], 'logTerm'),
        transfer: bool(raw[6], 'transfer'),
      };
    case 'voteResp':
    case 'preVoteResp':
      return { type, from, to, term, reject: bool(raw[4], 'reject') };
    case 'heartbeat':
      return { type, from, to, term, commit: uint(raw[4], 'commit'), seq: uint(raw[5], 'seq') };
    case 'heartbeatResp':
      return { type, from, to, term, seq: uint(raw[4], 'seq') };
    case 'snapshot':
      return {
        type,
        from,
        to,
        term,
        snapshot: {
          meta: {
            index: uint(raw[4], 'snapshot index'),
            term: uint(raw[5], 'snapshot term'),
            conf: { voters: strings(raw[6], 'voters'), learners: strings(raw[7], 'learners') },
          },
          data: bytes(raw[8], 'snapshot data'),
        },
      };
    case 'timeoutNow':
      return { type, from, to, term };
    case 'readIndex':
      return { type, from, to, term, ctx: str(raw[4], 'ctx'), lease: bool(raw[5], 'lease') };
    case 'readIndexResp':
      return { type, from, to, term, ctx: str(raw[4], 'ctx'), index: uint(raw[5], 'index') };
    default:
      return unreachable(type);
  }
}

function entries(raw: unknown): Entry[] {
  const v: readonly unknown[] | null = Array.isArray(raw) ? raw : null;
  if (v === null || v.length % 4 !== 0) throw new CodecError('entries: not a flat array of 4-tuples');
  const out: Entry[] = new Array(v.length / 4);
  for (let i = 0, j = 0; i < v.length; i += 4, j++) {
    const code: unknown = v[i + 2];
    const kind = typeof code === 'number' ? KINDS[code] : undefined;
    if (kind === undefined) throw new CodecError(`entries[${j}]: unknown kind code ${String(code)}`);
    out[j] = {
      index: uint(v[i], 'entry index'),
      term: uint(v[i + 1], 'entry term'),
      kind,
      data: bytes(v[i + 3], 'entry data'),
    };
  }
  return out;
}

function uint(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new CodecError(`${what}: expected a non-negative integer`);
  }
  return v;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new CodecError(`${what}: expected a string`);
  return v;
}

function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new CodecError(`${what}: expected a boolean`);
  return v;
}

function bytes(v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new CodecError(`${what}: expected bytes`);
  return v;
}

function strings(v: unknown, what: string): string[] {
  if (!Array.isArray(v)) throw new CodecError(`${what}: expected an array`);
  for (const s of v) str(s, what);
  return v as string[];
}

function unreachable(x: never): never {
  throw new CodecError(`unknown message ${JSON.stringify(x)}`);
}
