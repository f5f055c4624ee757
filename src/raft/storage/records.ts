import type { ConfState, Entry, EntryKind, HardState, Index, SnapshotMeta } from '../types.js';
import { StorageCorruptError } from './errors.js';

/**
 * Byte layouts of what LevelStorage keeps. Entries are the hot path and use a
 * fixed binary header; the small, rare records (hard state, snapshot meta)
 * are versioned JSON. Every layout starts with a version byte.
 */
const ENTRY_VERSION = 1;
const RECORD_VERSION = 1;
const KINDS: readonly EntryKind[] = ['normal', 'conf', 'noop'];
const HEADER = 1 + 1 + 8; // version, kind, term

/** A log key: the index as 8 bytes big-endian, so key order is index order. */
export function indexKey(index: Index): Uint8Array {
  const k = new Uint8Array(8);
  new DataView(k.buffer).setBigUint64(0, BigInt(index));
  return k;
}

export function keyIndex(key: Uint8Array): Index {
  if (key.byteLength !== 8) throw new StorageCorruptError(`log key of ${key.byteLength} bytes, expected 8`);
  return Number(new DataView(key.buffer, key.byteOffset, 8).getBigUint64(0));
}

export function encodeEntry(e: Entry): Uint8Array {
  const out = new Uint8Array(HEADER + e.data.byteLength);
  const view = new DataView(out.buffer);
  out[0] = ENTRY_VERSION;
  out[1] = KINDS.indexOf(e.kind);
  view.setBigUint64(2, BigInt(e.term));
  out.set(e.data, HEADER);
  return out;
}

export function decodeEntry(index: Index, b: Uint8Array): Entry {
  if (b.byteLength < HEADER || b[0] !== ENTRY_VERSION) {
    throw new StorageCorruptError(`log entry ${index}: unreadable record (${b.byteLength} bytes)`);
  }
  const kind = KINDS[b[1] as number];
  if (kind === undefined) throw new StorageCorruptError(`log entry ${index}: unknown kind ${b[1]}`);
  const term = Number(new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(2));
  return { index, term, kind, data: b.subarray(HEADER) };
}

/** What is stored for a snapshot besides its chunks. */
export interface SnapshotRecord {
  readonly meta: SnapshotMeta;
  readonly chunks: number;
  readonly bytes: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function encodeJson(value: unknown): Uint8Array {
  const body = encoder.encode(JSON.stringify(value));
  const out = new Uint8Array(body.byteLength + 1);
  out[0] = RECORD_VERSION;
  out.set(body, 1);
  return out;
}

function decodeJson(b: Uint8Array, what: string): Record<string, unknown> {
  if (b.byteLength < 2 || b[0] !== RECORD_VERSION)
    throw new StorageCorruptError(`${what}: unknown record version`);
  let v: unknown;
  try {
    v = JSON.parse(decoder.decode(b.subarray(1)));
  } catch {
    throw new StorageCorruptError(`${what}: not valid JSON`);
  }
  if (typeof v !== 'object' || v === null) throw new StorageCorruptError(`${what}: not an object`);
  return v as Record<string, unknown>;
}

export const encodeHardState = (hs: HardState): Uint8Array => encodeJson(hs);

export function decodeHardState(b: Uint8Array): HardState {
  const o = decodeJson(b, 'hard state');
  if (!isIndex(o.term) || !isIndex(o.commit) || !(o.vote === null || typeof o.vote === 'string')) {
    throw new StorageCorruptError('hard state: bad fields');
  }
  return { term: o.term, vote: o.vote, commit: o.commit };
}

export const encodeSnapshotRecord = (r: SnapshotRecord): Uint8Array => encodeJson(r);

export function decodeSnapshotRecord(b: Uint8Array): SnapshotRecord {
  const o = decodeJson(b, 'snapshot record');
  const meta = o.meta as Record<string, unknown> | undefined;
  const conf = meta?.conf as Record<string, unknown> | undefined;
  if (
    !meta ||
    !isIndex(meta.index) ||
    !isIndex(meta.term) ||
    !conf ||
    !isIdList(conf.voters) ||
    !isIdList(conf.learners) ||
    !isIndex(o.chunks) ||
    !isIndex(o.bytes)
  ) {
    throw new StorageCorruptError('snapshot record: bad fields');
  }
  const c: ConfState = { voters: conf.voters, learners: conf.learners };
  return { meta: { index: meta.index, term: meta.term, conf: c }, chunks: o.chunks, bytes: o.bytes };
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isIdList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}
