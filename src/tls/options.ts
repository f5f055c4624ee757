/**
 * The TLS settings of an agent (`--tls-*` flags) and the Node tls options they come to, for the
 * HTTPS listener and for connections between servers. Pure: the files are loaded beforehand.
 */
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import type { TlsMaterial } from './material.js';
import { serverNameCheck } from './server-name.js';

export interface TlsSettings {
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly caFile?: string | undefined;
  /** `--tls-verify-incoming`: peers must present a certificate the CA signed. */
  readonly verifyIncoming: boolean;
  /** `--tls-verify-outgoing`: the servers we dial must present a certificate the CA signed. */
  readonly verifyOutgoing: boolean;
  /** `--tls-verify-server-hostname`: ... and it must name `server.<dc>.<domain>`. */
  readonly verifyServerHostname: boolean;
}

/**
 * The first inconsistency among the settings, as a one-line reason naming the flags, or null.
 * Hostname verification is part of verifying outgoing connections, so it needs the CA as well.
 */
export function tlsSettingsProblem(s: TlsSettings): string | null {
  if (s.certFile !== undefined && s.keyFile === undefined) return '--tls-cert-file needs --tls-key-file';
  if (s.keyFile !== undefined && s.certFile === undefined) return '--tls-key-file needs --tls-cert-file';
  if (s.verifyIncoming && s.caFile === undefined) {
    return '--tls-verify-incoming needs --tls-ca-file (the CA that signs the peers)';
  }
  if (s.verifyIncoming && s.certFile === undefined) {
    return '--tls-verify-incoming needs --tls-cert-file and --tls-key-file (this server presents them)';
  }
  if (s.verifyOutgoing && s.caFile === undefined) {
    return '--tls-verify-outgoing needs --tls-ca-file (the CA that signs the servers)';
  }
  if (s.verifyServerHostname && s.caFile === undefined) {
    return '--tls-verify-server-hostname needs --tls-ca-file (the CA that signs the servers)';
  }
  return null;
}

/** Options for a listener: its certificate, and with verifyIncoming a required, CA-verified peer certificate. */
export function tlsServerOptions(
  material: TlsMaterial,
  opts: { readonly verifyIncoming: boolean },
): TlsOptions {
  return {
    cert: material.cert,
    key: material.key,
    ...(material.ca ? { ca: [...material.ca] } : {}),
    requestCert: opts.verifyIncoming,
    rejectUnauthorized: opts.verifyIncoming,
  };
}

export interface ClientVerification {
  readonly verifyOutgoing: boolean;
  readonly verifyServerHostname: boolean;
  readonly datacenter: string;
  readonly domain: string;
}

/**
 * Options for dialling another server: our certificate (for its verify-incoming), the CA check
 * with verifyOutgoing or verifyServerHostname, and with verifyServerHostname the
 * `server.<dc>.<domain>` check in place of Node's check of the host dialled (servers are
 * dialled by address, which their certificates need not name).
 */
export function tlsClientOptions(material: TlsMaterial, v: ClientVerification): ConnectionOptions {
  const verify = v.verifyOutgoing || v.verifyServerHostname;
  return {
    ...(material.cert ? { cert: material.cert, key: material.key } : {}),
    ...(material.ca ? { ca: [...material.ca] } : {}),
    rejectUnauthorized: verify,
    checkServerIdentity: v.verifyServerHostname ? serverNameCheck(v.datacenter, v.domain) : () => undefined,
  };
}
