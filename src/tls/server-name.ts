/**
 * Hostname verification between servers: a server's certificate must name
 * `server.<dc>.<domain>`, which `cairn tls cert create --client` never writes, so a client
 * certificate of the same CA cannot pass for a server. Servers are dialled by address, so the
 * name checked is this fixed one, not the host dialled.
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { serverName } from './names.js';

/**
 * undefined when the certificate has `server.<dc>.<domain>` among its DNS SANs, else an Error
 * saying what it names instead. Exact names only: no wildcards and no common-name fallback.
 */
export function verifyServerName(
  cert: X509Certificate | PeerCertificate,
  datacenter: string,
  domain: string,
): Error | undefined {
  const want = serverName(datacenter, domain);
  let x509: X509Certificate;
  try {
    x509 = cert instanceof X509Certificate ? cert : new X509Certificate(cert.raw);
  } catch (e) {
    return new Error(`the peer certificate cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (x509.checkHost(want, { subject: 'never', wildcards: false }) !== undefined) return undefined;
  const names = x509.subjectAltName ?? 'no subject alternative names';
  return Object.assign(new Error(`the peer certificate does not name ${want} (it has ${names})`), {
    code: 'ERR_TLS_CERT_ALTNAME_INVALID',
  });
}

/** A `checkServerIdentity` for tls.connect that checks for `server.<dc>.<domain>` whatever was dialled. */
export function serverNameCheck(
  datacenter: string,
  domain: string,
): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host, cert) => verifyServerName(cert, datacenter, domain);
}
