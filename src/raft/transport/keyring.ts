import { createHmac, randomBytes } from 'node:crypto';

/** Length of a cluster key in bytes (base64 of 32 random bytes, as Consul's gossip key). */
export const CLUSTER_KEY_BYTES = 32;
/** Length of a key's public identifier, sent in the hello so the callee knows which key to prove. */
export const KEY_ID_BYTES = 8;

/** A cluster key that is not 32 bytes of base64. */
export class ClusterKeyError extends Error {
  override readonly name = 'ClusterKeyError';
}

/** Decodes one base64 cluster key, refusing anything but exactly 32 bytes. */
export function parseClusterKey(text: string): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || trimmed.length % 4 !== 0) {
    throw new ClusterKeyError('a cluster key must be base64 (cairn keygen prints one)');
  }
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== CLUSTER_KEY_BYTES) {
    throw new ClusterKeyError(
      `a cluster key must be ${CLUSTER_KEY_BYTES} bytes of base64, got ${key.length} bytes`,
    );
  }
  return key;
}

/** A new random cluster key, base64. */
export function generateClusterKey(): string {
  return randomBytes(CLUSTER_KEY_BYTES).toString('base64');
}

/**
 * A key's identifier: an HMAC of a fixed label, so it names the key without revealing it (the
 * key is 256 random bits; the identifier is a one-way function of it).
 */
export function keyId(key: Buffer): Buffer {
  return createHmac('sha256', key).update('cairn cluster key id').digest().subarray(0, KEY_ID_BYTES);
}

/**
 * The cluster keys a server holds: the first is the one it proves on the connections it opens;
 * all of them are accepted on the connections it accepts. Installing a new key everywhere as a
 * second key, then making it the first, then dropping the old one rotates the key without a
 * moment where two servers cannot talk (Consul's keyring install / use / remove).
 */
export class ClusterKeyring {
  private readonly entries: readonly { readonly id: Buffer; readonly key: Buffer }[];

  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new ClusterKeyError('a keyring needs at least one key');
    for (const k of keys) {
      if (k.length !== CLUSTER_KEY_BYTES)
        throw new ClusterKeyError(`a cluster key must be ${CLUSTER_KEY_BYTES} bytes`);
    }
    this.entries = keys.map((key) => ({ id: keyId(key), key: Buffer.from(key) }));
  }

  /** From base64 keys, the primary first. */
  static fromBase64(keys: readonly string[]): ClusterKeyring {
    return new ClusterKeyring(keys.map(parseClusterKey));
  }

  get primary(): { readonly id: Buffer; readonly key: Buffer } {
    return this.entries[0]!;
  }

  /** The key with this identifier, or undefined when this server does not hold it. */
  byId(id: Uint8Array): Buffer | undefined {
    for (const e of this.entries) if (e.id.equals(id)) return e.key;
    return undefined;
  }

  get size(): number {
    return this.entries.length;
  }
}
