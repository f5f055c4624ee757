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
/** Per entry in a run: term (8), kind (1), data length (4). */
const ENTRY_HEADER = 8 + 1 + 4;

/** An 8-byte big-endian index, so that key order is index order. */
export function indexKey(index: Index): Uint8Array {
  const k = new Uint8Array(8);
  writeU64(new DataView(k.buffer), 0, index);
  return k;
}

/** Where a run of consecutive entries sits in the log: its first and last index. */
export interface RunBounds {
  readonly first: Index;
  readonly last: Index;
}

/** A run's key: first then last index, 8 bytes big-endian each. */
export function runKey(r: RunBounds): Uint8Array {
  const k = new Uint8Array(16);
  const view = new DataView(k.buffer);
  writeU64(view, 0, r.first);
  writeU64(view, 8, r.last);
  return k;
}

export function runBounds(key: Uint8Array): RunBounds {
  if (key.byteLength !== 16) throw new StorageCorruptError(`log key of ${key.byteLength} bytes, expected 16`);
  const view = new DataView(key.buffer, key.byteOffset, 16);
  const first = readU64(view, 0);
  const last = readU64(view, 8);
  if (first < 1 || last < first) throw new StorageCorruptError(`log key with bounds ${first}..${last}`);
  return { first, last };
}

/**
 * The entries of one Ready as one record: version, then per entry its term,
 * kind, data length and data. One record per write instead of one per entry
 * keeps the per-entry cost to a copy.
 */
export function encodeRun(entries: readonly Entry[]): Uint8Array {
  let size = 1;
  for (const e of entries) size += ENTRY_HEADER + e.data.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = ENTRY_VERSION;
  let off = 1;
  for (const e of entries) {
    writeU64(view, off, e.term);
    out[off + 8] = KINDS.indexOf(e.kind);
    view.setUint32(off + 9, e.data.byteLength);
    out.set(e.data, off + ENTRY_HEADER);
    off += ENTRY_HEADER + e.data.byteLength;
  }
  return out;
}

export function decodeRun(bounds: RunBounds, b: Uint8Array): Entry[] {
  const where = `log run ${bounds.first}..${bounds.last}`;
  if (b.byteLength < 1 || b[0] !== ENTRY_VERSION)
    throw new StorageCorruptError(`${where}: unknown record version`);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: Entry[] = [];
  let off = 1;
  for (let index = bounds.first; index <= bounds.last; index++) {
    if (off + ENTRY_HEADER > b.byteLength)
      throw new StorageCorruptError(`${where}: truncated at entry ${index}`);
    const term = readU64(view, off);
    const kind = KINDS[b[off + 8] as number];
    if (kind === undefined)
      throw new StorageCorruptError(`${where}: entry ${index} has unknown kind ${b[off + 8]}`);
    const len = view.getUint32(off + 9);
    const start = off + ENTRY_HEADER;
    if (start + len > b.byteLength) throw new StorageCorruptError(`${where}: truncated at entry ${index}`);
    out.push({ index, term, kind, data: b.subarray(start, start + len) });
    off = start + len;
  }
  if (off !== b.byteLength)
    throw new StorageCorruptError(`${where}: ${b.byteLength - off} bytes past the last entry`);
  return out;
}

function writeU64(view: DataView, off: number, n: number): void {
  view.setUint32(off, Math.floor(n / 2 ** 32));
  view.setUint32(off + 4, n >>> 0);
}

function readU64(view: DataView, off: number): number {
  return view.getUint32(off) * 2 ** 32 + view.getUint32(off + 4);
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
