/**
 * Making an agent CA and the certificates it signs, in memory: PEM text in, PEM text out; the
 * caller reads and writes the files. Keys are EC P-256 as Consul's; key PEM is SEC1
 * ("EC PRIVATE KEY"), which Consul writes and reads too.
 */
import { createPrivateKey, X509Certificate as NodeX509, randomBytes, webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';
import { TlsGenerateError } from './errors.js';
import { type CertKind, identityName, namesOutsideConstraints, type SanList } from './names.js';

type Lib = typeof import('./x509-lib.js');

/** The certificate library is loaded on first use (see x509-lib.ts). */
function loadLib(): Promise<Lib> {
  return import('./x509-lib.js');
}

const DAY_MS = 86_400_000;
const LEAF_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;

export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface CaRequest {
  readonly days: number;
  /** Default: "Cairn Agent CA <serial>". */
  readonly commonName?: string | undefined;
  /** DNS subtrees the CA may sign for; none: unconstrained. */
  readonly permittedDnsDomains?: readonly string[] | undefined;
  /** Default: now. */
  readonly now?: Date | undefined;
}

export interface CertRequest {
  readonly kind: CertKind;
  readonly datacenter: string;
  readonly domain: string;
  readonly sans: SanList;
  readonly days: number;
  /** Default: now. */
  readonly now?: Date | undefined;
}

/** What signing produced, with facts the command reports. */
export interface SignedCert extends PemPair {
  readonly name: string;
  readonly notAfter: Date;
  readonly caNotAfter: Date;
}

/** A self-signed CA: basic constraints CA (critical), key usage certSign/cRLSign/digitalSignature. */
export async function createCa(req: CaRequest): Promise<PemPair> {
  const lib = await loadLib();
  const { x509 } = lib;
  const now = wholeSeconds(req.now ?? new Date());
  const keys = await generateKeys();
  const serial = randomSerial();
  const commonName = req.commonName ?? `Cairn Agent CA ${BigInt(`0x${serial}`).toString(10)}`;
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (req.permittedDnsDomains && req.permittedDnsDomains.length > 0) {
    extensions.push(nameConstraintsExtension(lib, req.permittedDnsDomains));
  }
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
    name: [{ CN: [commonName] }],
    notBefore: now,
    notAfter: new Date(now.getTime() + req.days * DAY_MS),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions,
  });
  return { certPem: withNewline(cert.toString('pem')), keyPem: await sec1Pem(keys.privateKey) };
}

/**
 * A leaf certificate signed by the CA: key usage digitalSignature/keyEncipherment, extended key
 * usage serverAuth and clientAuth (both kinds, as Consul's: agents dial and are dialled), the SANs.
 * Refuses a CA that is not one, has expired, does not match its key, or whose name constraints
 * would make the new certificate fail verification.
 */
export async function createCert(req: CertRequest, caCertPem: string, caKeyPem: string): Promise<SignedCert> {
  const lib = await loadLib();
  const { x509 } = lib;
  const now = wholeSeconds(req.now ?? new Date());
  const ca = parseCa(lib, caCertPem, caKeyPem, now);
  const outside = namesOutsideConstraints(req.sans.dns, permittedOf(lib, ca.peculiar));
  if (outside.length > 0) {
    throw new TlsGenerateError(
      `the CA's name constraints do not permit ${outside.join(', ')}; a certificate naming them would not verify`,
    );
  }
  const signingKey = await importSigningKey(caKeyPem);
  const keys = await generateKeys();
  const name = identityName(req.kind, req.datacenter, req.domain);
  const notAfter = new Date(now.getTime() + req.days * DAY_MS);
  const caKeyId = ca.peculiar.getExtension(x509.SubjectKeyIdentifierExtension);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [name] }],
    issuer: ca.peculiar.subjectName,
    notBefore: now,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: signingKey.key,
    signingAlgorithm: { name: 'ECDSA', hash: signingKey.hash },
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension([
        ...req.sans.dns.map((value) => ({ type: 'dns' as const, value })),
        ...req.sans.ip.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      caKeyId
        ? new x509.AuthorityKeyIdentifierExtension(caKeyId.keyId)
        : await x509.AuthorityKeyIdentifierExtension.create(ca.peculiar.publicKey),
    ],
  });
  const certPem = withNewline(cert.toString('pem'));
  // A last check with a second implementation (OpenSSL's, through Node) before anything is saved.
  if (!new NodeX509(certPem).verify(ca.node.publicKey)) {
    throw new TlsGenerateError('the new certificate does not verify against the CA (this is a bug)');
  }
  return { certPem, keyPem: await sec1Pem(keys.privateKey), name, notAfter, caNotAfter: ca.notAfter };
}

interface ParsedCa {
  readonly peculiar: X509.X509Certificate;
  readonly node: NodeX509;
  readonly notAfter: Date;
}

function parseCa({ x509 }: Lib, caCertPem: string, caKeyPem: string, now: Date): ParsedCa {
  let node: NodeX509;
  let peculiar: X509.X509Certificate;
  try {
    node = new NodeX509(caCertPem);
    peculiar = new x509.X509Certificate(caCertPem);
  } catch (e) {
    throw new TlsGenerateError(`the CA certificate cannot be read: ${reason(e)}`);
  }
  const basic = peculiar.getExtension(x509.BasicConstraintsExtension);
  if (!basic?.ca) throw new TlsGenerateError('the CA certificate is not a CA (no basic constraint CA:TRUE)');
  const notAfter = new Date(node.validTo);
  if (notAfter.getTime() < now.getTime()) {
    throw new TlsGenerateError(`the CA certificate expired on ${notAfter.toISOString()}`);
  }
  let matches: boolean;
  try {
    matches = node.checkPrivateKey(createPrivateKey(caKeyPem));
  } catch (e) {
    throw new TlsGenerateError(`the CA key cannot be read: ${reason(e)}`);
  }
  if (!matches) throw new TlsGenerateError('the CA key does not belong to the CA certificate');
  return { peculiar, node, notAfter };
}

/** The CA's permitted DNS subtrees, or null when it has no name constraints. */
function permittedOf(
  { AsnConvert, id_ce_nameConstraints, NameConstraints }: Lib,
  ca: X509.X509Certificate,
): readonly string[] | null {
  const ext = ca.extensions.find((e) => e.type === id_ce_nameConstraints);
  if (!ext) return null;
  let nc: InstanceType<Lib['NameConstraints']>;
  try {
    nc = AsnConvert.parse(ext.value, NameConstraints);
  } catch (e) {
    throw new TlsGenerateError(`the CA certificate's name constraints cannot be read: ${reason(e)}`);
  }
  const dns = (nc.permittedSubtrees ?? []).flatMap((s) =>
    s.base.dNSName === undefined ? [] : [s.base.dNSName],
  );
  return dns.length === 0 ? null : dns;
}

function nameConstraintsExtension(lib: Lib, domains: readonly string[]): X509.Extension {
  const {
    AsnConvert,
    GeneralName,
    GeneralSubtree,
    GeneralSubtrees,
    id_ce_nameConstraints,
    NameConstraints,
    x509,
  } = lib;
  const permitted = new GeneralSubtrees(
    domains.map((d) => new GeneralSubtree({ base: new GeneralName({ dNSName: d }) })),
  );
  const value = AsnConvert.serialize(new NameConstraints({ permittedSubtrees: permitted }));
  return new x509.Extension(id_ce_nameConstraints, true, value);
}

const HASH_OF_CURVE: Readonly<Record<string, string>> = {
  prime256v1: 'SHA-256',
  secp384r1: 'SHA-384',
  secp521r1: 'SHA-512',
};
const WEBCRYPTO_CURVE: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

/** The CA key (SEC1 or PKCS#8 PEM) as a WebCrypto signing key, with the hash its curve calls for. */
async function importSigningKey(pem: string): Promise<{ key: webcrypto.CryptoKey; hash: string }> {
  const key = createPrivateKey(pem);
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || curve === undefined || !(curve in HASH_OF_CURVE)) {
    throw new TlsGenerateError(
      `the CA key is ${key.asymmetricKeyType ?? 'unknown'}${curve ? ` (${curve})` : ''}; only EC P-256, P-384 and P-521 keys can sign`,
    );
  }
  const der = key.export({ format: 'der', type: 'pkcs8' });
  const imported = await webcrypto.subtle.importKey(
    'pkcs8',
    der,
    { name: 'ECDSA', namedCurve: WEBCRYPTO_CURVE[curve] },
    false,
    ['sign'],
  );
  return { key: imported, hash: HASH_OF_CURVE[curve]! };
}

function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(LEAF_KEY, true, ['sign', 'verify']);
}

async function sec1Pem(privateKey: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', privateKey));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    .export({ format: 'pem', type: 'sec1' })
    .toString();
}

/** 128 random bits as Consul's, kept positive and without a leading zero byte (DER INTEGER rules). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

/** X.509 times have whole seconds; dropping the rest keeps reported and written times equal. */
function wholeSeconds(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

/** PEM files end with a line break, as OpenSSL and Go write them. */
function withNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
