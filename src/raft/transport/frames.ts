import type { NodeId } from '../types.js';
import { FrameError, FrameKind, frameHeader } from './framing.js';
import { KEY_ID_BYTES } from './keyring.js';

/** Payload layouts of the frame kinds other than `message` (which is codec.ts). */

/** Hello without a cluster key: [1, role, node id]. */
const HELLO_PLAIN = 1;
/** Hello that opens the key handshake (handshake.ts): [2, role, key id (8), nonce (32), node id]. */
const HELLO_KEYED = 2;
/** Each side's fresh random nonce in the key handshake. */
export const NONCE_BYTES = 32;
const MAX_NODE_ID_BYTES = 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Which of the two outbound connections a peer opened (informational). */
export type ConnectionRole = 'control' | 'bulk';
const ROLE_CODE: Record<ConnectionRole, number> = { control: 1, bulk: 2 };

/** A whole frame as the buffers to write, header first. */
export function frame(kind: FrameKind, ...parts: Uint8Array[]): Uint8Array[] {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  return [frameHeader(kind, n), ...parts];
}

/** The caller's half of the key handshake, carried in its hello. */
export interface HelloKey {
  readonly keyId: Uint8Array;
  readonly nonce: Uint8Array;
}

export interface Hello {
  readonly id: NodeId;
  readonly role: ConnectionRole;
  /** null: the caller holds no cluster key. */
  readonly key: HelloKey | null;
}

export function helloFrame(id: NodeId, role: ConnectionRole, key: HelloKey | null = null): Uint8Array[] {
  const idBytes = Buffer.from(id, 'utf8');
  if (key === null) return frame(FrameKind.hello, Buffer.from([HELLO_PLAIN, ROLE_CODE[role]]), idBytes);
  return frame(FrameKind.hello, Buffer.from([HELLO_KEYED, ROLE_CODE[role]]), key.keyId, key.nonce, idBytes);
}

export function decodeHello(p: Buffer): Hello {
  const version = p[0];
  if (p.length < 3 || (version !== HELLO_PLAIN && version !== HELLO_KEYED)) throw new FrameError('bad hello');
  const role = p[1] === ROLE_CODE.control ? 'control' : p[1] === ROLE_CODE.bulk ? 'bulk' : null;
  if (role === null) throw new FrameError(`bad hello role ${p[1]}`);
  let at = 2;
  let key: HelloKey | null = null;
  if (version === HELLO_KEYED) {
    if (p.length < at + KEY_ID_BYTES + NONCE_BYTES + 1) throw new FrameError('short keyed hello');
    key = {
      keyId: p.subarray(at, at + KEY_ID_BYTES),
      nonce: p.subarray(at + KEY_ID_BYTES, at + KEY_ID_BYTES + NONCE_BYTES),
    };
    at += KEY_ID_BYTES + NONCE_BYTES;
  }
  if (p.length - at > MAX_NODE_ID_BYTES) throw new FrameError('hello node id too long');
  try {
    return { id: utf8.decode(p.subarray(at)), role, key };
  } catch {
    throw new FrameError('hello node id is not UTF-8');
  }
}

/** Largest hello payload: what a connection may send before it is identified. */
export const MAX_HELLO_BYTES = 2 + KEY_ID_BYTES + NONCE_BYTES + MAX_NODE_ID_BYTES;

export function requestFrame(reqId: number, payload: Uint8Array): Uint8Array[] {
  const h = Buffer.allocUnsafe(4);
  h.writeUInt32BE(reqId, 0);
  return frame(FrameKind.request, h, payload);
}

export function decodeRequest(p: Buffer): { reqId: number; payload: Buffer } {
  if (p.length < 4) throw new FrameError('short request frame');
  return { reqId: p.readUInt32BE(0), payload: p.subarray(4) };
}

export function responseFrame(reqId: number, ok: boolean, body: Uint8Array): Uint8Array[] {
  const h = Buffer.allocUnsafe(5);
  h.writeUInt32BE(reqId, 0);
  h[4] = ok ? 1 : 0;
  return frame(FrameKind.response, h, body);
}

export type Response =
  | { readonly reqId: number; readonly ok: true; readonly payload: Buffer }
  | { readonly reqId: number; readonly ok: false; readonly error: string };

export function decodeResponse(p: Buffer): Response {
  if (p.length < 5 || p[4]! > 1) throw new FrameError('bad response frame');
  const reqId = p.readUInt32BE(0);
  if (p[4] === 1) return { reqId, ok: true, payload: p.subarray(5) };
  return { reqId, ok: false, error: p.toString('utf8', 5) };
}

const CHUNK_FIRST = 1;
const CHUNK_LAST = 2;

export function snapshotChunkFrame(
  data: Uint8Array,
  first: boolean,
  last: boolean,
  totalBytes: number,
): Uint8Array[] {
  const h = Buffer.allocUnsafe(first ? 7 : 1);
  h[0] = (first ? CHUNK_FIRST : 0) | (last ? CHUNK_LAST : 0);
  if (first) h.writeUIntBE(totalBytes, 1, 6);
  return frame(FrameKind.snapshotChunk, h, data);
}

export interface SnapshotChunk {
  readonly first: boolean;
  readonly last: boolean;
  /** Size of the whole encoded message; only in the first chunk. */
  readonly totalBytes: number;
  readonly data: Buffer;
}

export function decodeSnapshotChunk(p: Buffer): SnapshotChunk {
  if (p.length < 1 || p[0]! > (CHUNK_FIRST | CHUNK_LAST)) throw new FrameError('bad snapshot chunk');
  const first = (p[0]! & CHUNK_FIRST) !== 0;
  const last = (p[0]! & CHUNK_LAST) !== 0;
  if (!first) return { first, last, totalBytes: 0, data: p.subarray(1) };
  if (p.length < 7) throw new FrameError('short snapshot chunk');
  return { first, last, totalBytes: p.readUIntBE(1, 6), data: p.subarray(7) };
}
