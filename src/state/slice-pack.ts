import type { Packr } from 'msgpackr';

/** Long arrays are written element by element, so the writer can stop between any two. */
const SPLIT_ARRAYS_LONGER_THAN = 64;
/** Objects this close to the root are written key by key (the image's tables sit at depth 1–2). */
const SPLIT_OBJECTS_TO_DEPTH = 2;

export interface SlicePackOptions {
  /** Longest stretch of synchronous work before yielding (ms). */
  readonly sliceMs: number;
  /** Lets other work run; resolves when the writer may go on. */
  readonly yieldToLoop: () => Promise<void>;
}

/**
 * msgpack of `value`, the same document `packr.pack(value)` gives, written in
 * slices with a yield between them. A whole-state snapshot is tens of
 * megabytes; packed in one call it held the event loop long enough to delay
 * Raft ticks and every request. `value` must not change while this runs (the
 * state machine hands over a frozen copy-on-write image).
 */
export async function packInSlices(
  value: unknown,
  packr: Packr,
  opts: SlicePackOptions,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  let sliceStart = performance.now();
  const push = (bytes: Uint8Array) => {
    parts.push(bytes);
    size += bytes.byteLength;
  };
  const maybeYield = async () => {
    if (performance.now() - sliceStart < opts.sliceMs) return;
    await opts.yieldToLoop();
    sliceStart = performance.now();
  };
  const write = async (v: unknown, depth: number): Promise<void> => {
    if (Array.isArray(v) && v.length > SPLIT_ARRAYS_LONGER_THAN) {
      push(header(0x90, 0xdc, 0xdd, 16, v.length));
      for (const item of v) {
        await write(item, depth + 1);
        await maybeYield();
      }
      return;
    }
    if (depth < SPLIT_OBJECTS_TO_DEPTH && isPlainObject(v)) {
      const keys = Object.keys(v);
      push(header(0x80, 0xde, 0xdf, 16, keys.length));
      for (const k of keys) {
        push(ownCopy(packr.pack(k)));
        await write(v[k], depth + 1);
      }
      return;
    }
    // msgpackr may hand out views of a buffer it goes on writing into: keep a copy.
    push(ownCopy(packr.pack(v)));
  };
  await write(value, 0);
  // A Buffer, as packr.pack returns: unpacking it then gives Buffers for byte strings too.
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A msgpack map or array header: the fix form below `fixLimit`, else the 16- or 32-bit form. */
function header(fix: number, h16: number, h32: number, fixLimit: number, n: number): Uint8Array {
  if (n < fixLimit) return Uint8Array.of(fix | n);
  if (n < 0x10000) return Uint8Array.of(h16, n >>> 8, n & 0xff);
  return Uint8Array.of(h32, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function ownCopy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}
