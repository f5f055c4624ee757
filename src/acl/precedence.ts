import type { Access, AccessLevel } from './types.js';

const STRENGTH: Readonly<Record<AccessLevel, number>> = { read: 1, list: 2, write: 3, deny: 4 };

/**
 * Of two rules with the same resource, segment and kind (exact or prefix), the one that counts:
 * deny over write over list over read, as Consul merges the policies of one token.
 */
export function stronger(a: AccessLevel | undefined, b: AccessLevel): AccessLevel {
  return a === undefined || STRENGTH[b] > STRENGTH[a] ? b : a;
}

/** Whether a matching rule grants the access asked for: write implies list and read, list implies read. */
export function grants(level: AccessLevel, access: Access): boolean {
  switch (level) {
    case 'write':
      return true;
    case 'list':
      return access !== 'write';
    case 'read':
      return access === 'read';
    case 'deny':
      return false;
  }
}
