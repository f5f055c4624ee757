/** PEM blocks found in a file's text. Pure. */

export interface PemBlock {
  /** e.g. "CERTIFICATE", "EC PRIVATE KEY" */
  readonly label: string;
  /** The whole block, BEGIN and END lines included. */
  readonly text: string;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?\r?\n-----END \1-----/g;

/** Every well-formed BEGIN/END block, in order; text around and between them is ignored, as OpenSSL does. */
export function pemBlocks(text: string): readonly PemBlock[] {
  return [...text.matchAll(BLOCK)].map((m) => ({ label: m[1]!, text: `${m[0]}\n` }));
}

/** A private key's PEM labels: SEC1, PKCS#8 and PKCS#1. */
export function isPrivateKeyLabel(label: string): boolean {
  return label === 'PRIVATE KEY' || label === 'EC PRIVATE KEY' || label === 'RSA PRIVATE KEY';
}
