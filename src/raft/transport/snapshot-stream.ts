import { decodeSnapshotChunk, snapshotChunkFrame } from './frames.js';
import { FrameError } from './framing.js';
import type { OutboundConnection } from './outbound.js';

/**
 * A snapshot message is sent as chunk frames so that no frame is as large as
 * the snapshot, the sender can wait for the socket to drain between chunks
 * instead of buffering it all, and other frames on the same connection pass
 * between its chunks. One stream at a time per connection: a first chunk
 * starts a new message at the receiver and discards any unfinished one.
 */

/** Unsent bytes allowed on the socket before the next chunk waits for a drain. */
const STREAM_HIGH_WATER = 4 * 1024 * 1024;

/**
 * Sends `encoded` (one encoded snapshot message) in chunks. Resolves true
 * once the last chunk is flushed to the socket, false if the connection fails
 * or is replaced midway or `cancelled()` turns true.
 */
export async function streamSnapshot(
  conn: OutboundConnection,
  encoded: Uint8Array,
  chunkBytes: number,
  cancelled: () => boolean,
): Promise<boolean> {
  const total = encoded.byteLength;
  let generation = -1;
  for (let off = 0; ; ) {
    if (cancelled()) return false;
    if (off > 0 && !conn.isLive(generation)) return false;
    const end = Math.min(total, off + chunkBytes);
    const frame = snapshotChunkFrame(encoded.subarray(off, end), off === 0, end === total, total);
    if (end === total) {
      return new Promise((resolve) => {
        if (conn.write(frame, (err) => resolve(!err)) !== 'queued') resolve(false);
      });
    }
    if (conn.write(frame) !== 'queued') return false;
    if (off === 0) generation = conn.generation;
    off = end;
    if (!(await conn.whenBelow(STREAM_HIGH_WATER, generation))) return false;
  }
}

/** Rebuilds snapshot messages from chunk frames on one inbound connection. */
export class SnapshotAssembler {
  private buf: Buffer | null = null;
  private filled = 0;

  constructor(private readonly maxBytes: number) {}

  /** Adds one chunk frame's payload; returns the whole encoded message after its last chunk. */
  push(payload: Buffer): Buffer | null {
    const c = decodeSnapshotChunk(payload);
    if (c.first) {
      if (c.totalBytes > this.maxBytes) {
        throw new FrameError(`snapshot of ${c.totalBytes} bytes exceeds the limit of ${this.maxBytes}`);
      }
      this.buf = Buffer.allocUnsafe(c.totalBytes);
      this.filled = 0;
    }
    const buf = this.buf;
    if (buf === null) throw new FrameError('snapshot chunk without a first chunk');
    if (this.filled + c.data.length > buf.length)
      throw new FrameError('snapshot chunks exceed the announced size');
    c.data.copy(buf, this.filled);
    this.filled += c.data.length;
    if (!c.last) return null;
    this.buf = null;
    if (this.filled !== buf.length) throw new FrameError('snapshot ended before its announced size');
    return buf;
  }
}
