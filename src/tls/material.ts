/**
 * Checking the texts of the agent's TLS files before a listener uses them, so a wrong file is
 * reported by name at startup rather than as an OpenSSL error at the first handshake. No I/O:
 * the caller reads the files.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { TlsFileError } from './errors.js';
import { isPrivateKeyLabel, type PemBlock, pemBlocks } from './pem.js';

/** A file's name (for messages) and its text. */
export interface NamedText {
  readonly path: string;
  readonly text: string;
}

export interface TlsTexts {
  readonly cert?: NamedText | undefined;
  readonly key?: NamedText | undefined;
  readonly ca?: NamedText | undefined;
}

/** What Node's tls.createSecureContext (and tls.createServer, tls.connect) take. */
export interface TlsMaterial {
  /** The certificate (and any chain after it), PEM. */
  readonly cert?: string | undefined;
  /** Its private key, PEM. */
  readonly key?: string | undefined;
  /** The trusted CA certificates, one PEM each. */
  readonly ca?: readonly string[] | undefined;
}

/**
 * Checks that each file holds what its flag says (PEM certificates, one private key) and that the
 * key belongs to the certificate. Throws TlsFileError naming the file at fault.
 */
export function checkTlsTexts(texts: TlsTexts): TlsMaterial {
  if ((texts.cert === undefined) !== (texts.key === undefined)) {
    const given = texts.cert ?? texts.key!;
    throw new TlsFileError(given.path, 'a certificate and its key go together: give both files or neither');
  }
  const ca = texts.ca === undefined ? undefined : certificates(texts.ca, 'CA certificate').map((b) => b.text);
  if (texts.cert === undefined || texts.key === undefined) return { ca };
  const certBlocks = certificates(texts.cert, 'certificate');
  const leaf = new X509Certificate(certBlocks[0]!.text);
  const key = privateKey(texts.key);
  if (key.asymmetricKeyType !== leaf.publicKey.asymmetricKeyType || !leaf.checkPrivateKey(key)) {
    throw new TlsFileError(
      texts.key.path,
      `this key does not belong to the certificate in ${texts.cert.path}`,
    );
  }
  return { cert: certBlocks.map((b) => b.text).join(''), key: privateKeyBlock(texts.key).text, ca };
}

/** The file's CERTIFICATE blocks, each readable; at least one. */
function certificates(file: NamedText, what: string): readonly PemBlock[] {
  const blocks = pemBlocks(file.text);
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE');
  if (certs.length === 0) {
    const found = blocks.length === 0 ? 'no PEM data' : `only ${labels(blocks)}`;
    throw new TlsFileError(file.path, `not a PEM ${what} file (found ${found})`);
  }
  certs.forEach((b, i) => {
    try {
      new X509Certificate(b.text);
    } catch (e) {
      throw new TlsFileError(file.path, `certificate ${i + 1} cannot be read: ${message(e)}`);
    }
  });
  return certs;
}

function privateKeyBlock(file: NamedText): PemBlock {
  const blocks = pemBlocks(file.text);
  const keys = blocks.filter((b) => isPrivateKeyLabel(b.label));
  if (keys.length === 0) {
    if (blocks.some((b) => b.label === 'ENCRYPTED PRIVATE KEY')) {
      throw new TlsFileError(file.path, 'the private key is encrypted; give an unencrypted key');
    }
    const found = blocks.length === 0 ? 'no PEM data' : `only ${labels(blocks)}`;
    throw new TlsFileError(file.path, `not a PEM private key file (found ${found})`);
  }
  if (keys.length > 1) throw new TlsFileError(file.path, `holds ${keys.length} private keys; give one`);
  return keys[0]!;
}

function privateKey(file: NamedText): KeyObject {
  const block = privateKeyBlock(file);
  try {
    return createPrivateKey(block.text);
  } catch (e) {
    throw new TlsFileError(file.path, `the private key cannot be read: ${message(e)}`);
  }
}

function labels(blocks: readonly PemBlock[]): string {
  return [...new Set(blocks.map((b) => b.label))].join(', ');
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
}
