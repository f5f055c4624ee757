import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NodeId } from '../types.js';
import { type ConnectionRole, frame, NONCE_BYTES } from './frames.js';
import { FrameError, FrameKind } from './framing.js';
import type { ClusterKeyring } from './keyring.js';
import type { ClusterTls } from './tls.js';

/**
 * Mutual proof of the cluster key on a new connection, before any other frame is read:
 *
 *   caller → callee  hello      (key id, caller nonce Nc, role, caller id)
 *   callee → caller  challenge  (callee nonce Ns, HMAC(K, "callee" Nc Ns role id))
 *   caller → callee  proof      (HMAC(K, "caller" Ns Nc role id))
 *
 * The key never crosses the wire; fresh nonces on both sides make a recorded exchange useless
 * on another connection, and the two labels keep one side's proof from being reflected as the
 * other's. The caller sends nothing else until the callee has proved the key, so a stranger that
 * accepts connections learns no Raft traffic either.
 */

export const MAC_BYTES = 32;

export function newNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

function mac(
  key: Buffer,
  label: 'callee' | 'caller',
  first: Uint8Array,
  second: Uint8Array,
  role: ConnectionRole,
  id: NodeId,
): Buffer {
  return createHmac('sha256', key)
    .update(`cairn-handshake-v1 ${label} ${role}\n`)
    .update(first)
    .update(second)
    .update(id, 'utf8')
    .digest();
}

/** The callee's proof, over the caller's nonce then its own. */
export function calleeProof(
  key: Buffer,
  nonceCaller: Uint8Array,
  nonceCallee: Uint8Array,
  role: ConnectionRole,
  id: NodeId,
): Buffer {
  return mac(key, 'callee', nonceCaller, nonceCallee, role, id);
}

/** The caller's proof, over the callee's nonce then its own. */
export function callerProof(
  key: Buffer,
  nonceCallee: Uint8Array,
  nonceCaller: Uint8Array,
  role: ConnectionRole,
  id: NodeId,
): Buffer {
  return mac(key, 'caller', nonceCallee, nonceCaller, role, id);
}

/** Compares a received proof with the expected one in constant time. */
export function proofMatches(expected: Buffer, received: Uint8Array): boolean {
  return received.length === expected.length && timingSafeEqual(expected, received);
}

export function challengeFrame(nonceCallee: Uint8Array, proof: Uint8Array): Uint8Array[] {
  return frame(FrameKind.challenge, nonceCallee, proof);
}

export function decodeChallenge(p: Buffer): { nonce: Buffer; proof: Buffer } {
  if (p.length !== NONCE_BYTES + MAC_BYTES) throw new FrameError('bad challenge frame');
  return { nonce: p.subarray(0, NONCE_BYTES), proof: p.subarray(NONCE_BYTES) };
}

export function proofFrame(proof: Uint8Array): Uint8Array[] {
  return frame(FrameKind.proof, proof);
}

export function decodeProof(p: Buffer): Buffer {
  if (p.length !== MAC_BYTES) throw new FrameError('bad proof frame');
  return p;
}

/** Why a connection was dropped before it could carry cluster traffic. */
export type HandshakeFailure =
  /** The caller sent no cluster key but this server requires one. */
  | 'keyRequired'
  /** The caller sent a cluster key but this server has none configured. */
  | 'keyNotExpected'
  /** The caller proves a key this server does not hold. */
  | 'unknownKey'
  /** A proof did not match: the peer does not hold the key it claimed. */
  | 'badProof'
  /** The peer broke the framing protocol before the handshake completed. */
  | 'malformed'
  /** The handshake did not complete in time. */
  | 'timeout'
  /** The callee closed the connection before proving the key (it refused ours, or has none). */
  | 'closedByPeer'
  /** A plain connection to a server that requires TLS with a client certificate (verify_incoming). */
  | 'tlsRequired'
  /** The TLS handshake failed: no certificate, one of another CA, expired, or not naming the server. */
  | 'tls'
  /** The peer's certificate is valid but does not name `server.<datacenter>.<domain>`. */
  | 'notAServer';

export const HANDSHAKE_FAILURES: readonly HandshakeFailure[] = [
  'keyRequired',
  'keyNotExpected',
  'unknownKey',
  'badProof',
  'malformed',
  'timeout',
  'closedByPeer',
  'tlsRequired',
  'tls',
  'notAServer',
];

/** One failed handshake, for logs and metrics. */
export interface HandshakeFailureEvent {
  /** `inbound`: a connection this server accepted; `outbound`: one it opened. */
  readonly side: 'inbound' | 'outbound';
  readonly reason: HandshakeFailure;
  /** The remote address as seen on the socket. */
  readonly remote: string;
  /** The node id the caller claimed (inbound) or the peer dialled (outbound), when known. */
  readonly peer: NodeId | null;
  /** What TLS said, for `tls` failures. */
  readonly detail?: string;
}

/** What every connection of a transport consults about the cluster key. */
export interface ConnectionAuth {
  /** The keys in force, read for each new connection (so a reload applies to the next one); null: no key. */
  readonly keyring: () => ClusterKeyring | null;
  /** TLS settings in force, read for each new connection; null: plain TCP. */
  readonly tls: () => ClusterTls | null;
  readonly onHandshakeFailure: (e: HandshakeFailureEvent) => void;
}
