/**
 * Frames on a cluster TCP connection: a 4-byte big-endian payload length,
 * a 1-byte frame kind, then the payload (the length counts the payload only).
 * The kind numbers are on the wire: append-only.
 */
export const FrameKind = {
  /** First frame on every connection: who is calling (see frames.ts). */
  hello: 1,
  /** One encoded Raft message (codec.ts). */
  message: 2,
  /** An application request: request id, then the payload. */
  request: 3,
  /** The answer to a request: request id, ok flag, then payload or error text. */
  response: 4,
  /** A piece of one encoded snapshot message (snapshot-stream.ts). */
  snapshotChunk: 5,
  /** The callee's answer to a keyed hello: its nonce and its proof of the cluster key (handshake.ts). */
  challenge: 6,
  /** The caller's proof of the cluster key, after which the callee reads other frames (handshake.ts). */
  proof: 7,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export const FRAME_HEADER_BYTES = 5;

const KNOWN_KINDS: ReadonlySet<number> = new Set(Object.values(FrameKind));

/** The peer broke the framing protocol; the connection must be closed. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

export function frameHeader(kind: FrameKind, payloadBytes: number): Buffer {
  const h = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  h.writeUInt32BE(payloadBytes, 0);
  h[4] = kind;
  return h;
}

/**
 * Splits a byte stream into frames. Chunks are kept as a list and a frame is
 * copied at most once (only when it spans chunks; otherwise it is a view of
 * its chunk), so the cost stays linear however the stream is cut.
 */
export class FrameParser {
  private chunks: Buffer[] = [];
  /** Bytes of `chunks[0]` already consumed. */
  private head = 0;
  private buffered = 0;
  private stopped = false;

  /**
   * @param maxPayload frames announcing more than this are refused before
   *   any of their payload is buffered; adjustable (e.g. small until a
   *   connection has said hello).
   */
  constructor(
    private readonly onFrame: (kind: FrameKind, payload: Buffer) => void,
    public maxPayload: number,
  ) {}

  /** Feeds bytes; calls `onFrame` for each complete frame. Throws FrameError on a bad header. */
  push(chunk: Buffer): void {
    if (chunk.length === 0 || this.stopped) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= FRAME_HEADER_BYTES && !this.stopped) {
      const len = this.peekUInt32();
      const kind = this.byteAt(4);
      if (!KNOWN_KINDS.has(kind)) throw new FrameError(`unknown frame kind ${kind}`);
      if (len > this.maxPayload)
        throw new FrameError(`frame of ${len} bytes exceeds the limit of ${this.maxPayload}`);
      if (this.buffered < FRAME_HEADER_BYTES + len) return;
      this.take(FRAME_HEADER_BYTES);
      const payload = this.take(len);
      this.onFrame(kind as FrameKind, payload);
    }
  }

  /** Drops buffered bytes and ignores all further input (the connection is going away). */
  stop(): void {
    this.stopped = true;
    this.chunks = [];
    this.buffered = 0;
    this.head = 0;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pending(): number {
    return this.buffered;
  }

  private byteAt(offset: number): number {
    let i = 0;
    let off = this.head + offset;
    while (off >= this.chunks[i]!.length) {
      off -= this.chunks[i]!.length;
      i++;
    }
    return this.chunks[i]![off]!;
  }

  private peekUInt32(): number {
    const c = this.chunks[0]!;
    if (c.length - this.head >= 4) return c.readUInt32BE(this.head);
    return ((this.byteAt(0) << 24) | (this.byteAt(1) << 16) | (this.byteAt(2) << 8) | this.byteAt(3)) >>> 0;
  }

  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (n === 0 || first === undefined) return Buffer.alloc(0);
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    let i = 0;
    while (filled < n) {
      const c = this.chunks[i]!;
      const m = Math.min(c.length - this.head, n - filled);
      c.copy(out, filled, this.head, this.head + m);
      filled += m;
      if (this.head + m === c.length) {
        i++;
        this.head = 0;
      } else {
        this.head += m;
      }
    }
    // One slice for all the chunks this frame used up, not a shift per chunk.
    if (i > 0) this.chunks = this.chunks.slice(i);
    return out;
  }
}
