/** `cairn tls ca create` and `cairn tls cert create`: parse, make, write to the current directory. */
import {
  caFileNames,
  certFilePrefix,
  createCa,
  createCert,
  firstFreeCertFiles,
  MAX_CERT_INDEX,
  permittedDnsDomains,
  sanList,
  TlsGenerateError,
} from '../../tls/index.js';
import { parseTlsArgs, TLS_USAGE, type TlsCommand } from './args.js';
import { CERT_MODE, fileExists, KEY_MODE, readInput, TlsCommandError, writeNewFiles } from './files.js';

export { parseTlsArgs, TLS_USAGE, type TlsCommand } from './args.js';
export { TlsCommandError } from './files.js';

type Out = (line: string) => void;

export async function runTls(argv: readonly string[], out: Out, err: Out): Promise<number> {
  const cmd = parseTlsArgs(argv);
  try {
    switch (cmd.kind) {
      case 'help':
        out(TLS_USAGE);
        return 0;
      case 'ca-create':
        return await caCreate(cmd, out);
      case 'cert-create':
        return await certCreate(cmd, out, err);
    }
  } catch (e) {
    if (e instanceof TlsGenerateError) throw new TlsCommandError(e.message);
    throw e;
  }
}

async function caCreate(cmd: Extract<TlsCommand, { kind: 'ca-create' }>, out: Out): Promise<number> {
  const names = caFileNames(cmd.domain);
  for (const f of [names.cert, names.key]) {
    if (fileExists(f)) throw new TlsCommandError(`${f} already exists; not overwriting it`);
  }
  const ca = await createCa({
    days: cmd.days,
    commonName: cmd.commonName ?? undefined,
    permittedDnsDomains:
      cmd.nameConstraints === null ? undefined : permittedDnsDomains(cmd.domain, cmd.nameConstraints),
  });
  await writeNewFiles([
    { path: names.cert, text: ca.certPem, mode: CERT_MODE },
    { path: names.key, text: ca.keyPem, mode: KEY_MODE },
  ]);
  out(`==> Saved ${names.cert}`);
  out(`==> Saved ${names.key}`);
  return 0;
}

async function certCreate(
  cmd: Extract<TlsCommand, { kind: 'cert-create' }>,
  out: Out,
  err: Out,
): Promise<number> {
  const defaults = caFileNames(cmd.domain);
  const caFile = cmd.caFile ?? defaults.cert;
  const keyFile = cmd.keyFile ?? defaults.key;
  const files = firstFreeCertFiles(certFilePrefix(cmd.certKind, cmd.datacenter, cmd.domain), fileExists);
  if (files === null) {
    throw new TlsCommandError(`no free file name: numbers 0 to ${MAX_CERT_INDEX} are all taken`);
  }
  const [caPem, caKeyPem] = [await readInput(caFile, 'CA certificate'), await readInput(keyFile, 'CA key')];
  if (cmd.certKind === 'server') {
    out(`==> WARNING: Server Certificates grants authority to become a
    server and access all state in the cluster including root keys
    and all ACL tokens. Do not distribute them to production hosts
    that are not server nodes. Store them as securely as CA keys.`);
  }
  out(`==> Using ${caFile} and ${keyFile}`);
  const sans = sanList({
    kind: cmd.certKind,
    datacenter: cmd.datacenter,
    domain: cmd.domain,
    node: cmd.node,
    additionalDnsNames: cmd.dnsNames,
    additionalIpAddresses: cmd.ipAddresses,
  });
  const cert = await createCert(
    { kind: cmd.certKind, datacenter: cmd.datacenter, domain: cmd.domain, sans, days: cmd.days },
    caPem,
    caKeyPem,
  );
  await writeNewFiles([
    { path: files.cert, text: cert.certPem, mode: CERT_MODE },
    { path: files.key, text: cert.keyPem, mode: KEY_MODE },
  ]);
  out(`==> Saved ${files.cert}`);
  out(`==> Saved ${files.key}`);
  if (cert.notAfter.getTime() > cert.caNotAfter.getTime()) {
    err(
      `==> Note: ${files.cert} is valid until ${cert.notAfter.toISOString()}, but its CA only until ` +
        `${cert.caNotAfter.toISOString()}; it stops verifying then`,
    );
  }
  return 0;
}
