import { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  createSecureContext,
  createServer as createTlsServer,
  type DetailedPeerCertificate,
  type PeerCertificate,
  type SecureContext,
  TLSSocket,
  type Server as TlsServer,
  connect as tlsConnect,
} from 'node:tls';
import type { HandshakeFailure } from './handshake.js';

/**
 * TLS on the cluster port, as Consul's `verify_*` settings: connections this server opens use
 * TLS when `verifyOutgoing` is set (the callee's certificate checked against the CA); accepted
 * connections may be TLS or plain, told apart by their first byte (a TLS record starts with 0x16;
 * a cairn frame with the high byte of its length, 0), unless `verifyIncoming` requires TLS with a
 * client certificate of the CA. With `serverName` (verify_server_hostname) a peer's certificate,
 * either way, must name it (`server.<datacenter>.<domain>`), so a client certificate of the same
 * CA cannot act as a server.
 */
export interface ClusterTls {
  /** PEM: this server's certificate (chain), its key, and the CA certificates it trusts. */
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  readonly ca: string | Buffer;
  readonly verifyIncoming: boolean;
  readonly verifyOutgoing: boolean;
  /** The name every server certificate must carry, or null to check the chain only. */
  readonly serverName: string | null;
}

const TLS_HANDSHAKE_RECORD = 0x16;

/** DNS names and IP addresses a certificate's subjectAltName lists. */
export function certificateNames(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  return subjectAltName
    .split(',')
    .map((s) => s.trim().replace(/^(DNS|IP Address):/, ''))
    .filter((s) => s !== '');
}

/** Whether a peer certificate names `expected` (exactly: no wildcard stands for a server). */
export function certificateNamesInclude(cert: PeerCertificate | null | undefined, expected: string): boolean {
  if (!cert || Object.keys(cert).length === 0) return false;
  return certificateNames(cert.subjectaltname).some((n) => n.toLowerCase() === expected.toLowerCase());
}

/** What became of an accepted socket: a socket to speak frames on, why it was dropped, or gone. */
export type Accepted =
  | { readonly socket: Socket }
  | { readonly failure: HandshakeFailure; readonly detail?: string }
  | { readonly closed: true };

const remoteKey = (s: Socket) => `${s.remoteAddress}|${s.remotePort}`;

/**
 * The accepting side for one set of TLS settings. A tls.Server that never listens is handed the
 * accepted sockets: it is what verifies a client certificate against the CA (a TLSSocket made by
 * hand does not). It does not refuse by itself, so the reason can be logged.
 */
export class TlsAcceptor {
  private readonly server: TlsServer;
  private readonly waiting = new Map<string, (a: Accepted) => void>();

  constructor(readonly tls: ClusterTls) {
    this.server = createTlsServer({
      cert: tls.cert,
      key: tls.key,
      ca: tls.ca,
      requestCert: tls.verifyIncoming || tls.serverName !== null,
      rejectUnauthorized: false,
    });
    this.server.on('secureConnection', (s: TLSSocket) => this.settle(s, this.check(s)));
    this.server.on('tlsClientError', (e: Error, s: TLSSocket) =>
      this.settle(s, { failure: 'tls', detail: e.message }),
    );
  }

  /** Decides from the first byte whether an accepted connection is TLS, and completes TLS when it is. */
  accept(raw: Socket): Promise<Accepted> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (a: Accepted) => {
        if (done) return;
        done = true;
        resolve(a);
      };
      raw.once('close', () => finish({ closed: true }));
      raw.once('readable', () => {
        const first: Buffer | null = raw.read(1);
        if (first === null) return; // closed: 'close' settles it
        raw.unshift(first);
        if (first[0] !== TLS_HANDSHAKE_RECORD) {
          finish(this.tls.verifyIncoming ? { failure: 'tlsRequired' } : { socket: raw });
          return;
        }
        const key = remoteKey(raw);
        this.waiting.set(key, finish);
        raw.once('close', () => this.waiting.delete(key));
        this.server.emit('connection', raw);
      });
    });
  }

  private check(s: TLSSocket): Accepted {
    if (this.tls.verifyIncoming && !s.authorized) {
      return { failure: 'tls', detail: String(s.authorizationError ?? 'no client certificate') };
    }
    if (
      this.tls.serverName !== null &&
      !certificateNamesInclude(s.getPeerCertificate(), this.tls.serverName)
    ) {
      return { failure: 'notAServer' };
    }
    return { socket: s };
  }

  private settle(s: TLSSocket, a: Accepted): void {
    const key = remoteKey(s);
    const finish = this.waiting.get(key);
    this.waiting.delete(key);
    if ('socket' in a) {
      if (finish) finish(a);
      else s.destroy();
      return;
    }
    s.destroy();
    finish?.(a);
  }
}

const contexts = new WeakMap<ClusterTls, SecureContext>();

/** Opens an outgoing cluster connection over TLS, presenting this server's certificate. */
export function connectTls(host: string, port: number, tls: ClusterTls): TLSSocket {
  let secureContext = contexts.get(tls);
  if (secureContext === undefined) {
    secureContext = createSecureContext({ cert: tls.cert, key: tls.key, ca: tls.ca });
    contexts.set(tls, secureContext);
  }
  const serverName = tls.serverName;
  return tlsConnect({
    host,
    port,
    secureContext,
    // SNI must be a host name, never an IP address.
    ...(serverName !== null ? { servername: serverName } : {}),
    rejectUnauthorized: true,
    checkServerIdentity: (_host, cert) =>
      serverName === null || certificateNamesInclude(cert, serverName)
        ? undefined
        : new Error(`the server's certificate does not name ${serverName}`),
  });
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM bundle (a CA file may hold several, e.g. the old and the new CA). */
export function pemCertificates(pem: string | Buffer): X509Certificate[] {
  return [...String(pem).matchAll(PEM_CERTIFICATE)].map((m) => new X509Certificate(m[0]));
}

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

/**
 * Whether a chain a peer presented (leaf first, then what it sent after it) leads to one of
 * `cas`: each certificate signed by the next, and one of them signed by (or being) a CA. Used
 * again after a reload, on connections accepted under the old CA file: dates and names were
 * checked at their handshake and have not changed, only which CAs are trusted may have.
 */
export function chainTrusted(chain: readonly X509Certificate[], cas: readonly X509Certificate[]): boolean {
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i]!;
    if (cas.some((ca) => ca.fingerprint256 === cert.fingerprint256 || signedBy(cert, ca))) return true;
    const next = chain[i + 1];
    if (next === undefined || !signedBy(cert, next)) return false;
  }
  return false;
}

/** The chain a TLS peer presented, leaf first; empty when it presented none. */
export function peerChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let cert = socket.getPeerCertificate(true) as DetailedPeerCertificate | null;
  const seen = new Set<string>();
  while (cert?.raw !== undefined && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(new X509Certificate(cert.raw));
    cert = cert.issuerCertificate ?? null;
  }
  return chain;
}

/**
 * For a reload: whether an open connection may stay under the new settings. A plain socket is
 * judged by nothing here (verify-incoming refuses those at accept). On a TLS socket the peer's
 * certificate must still lead to a trusted CA where the new settings verify it: always on
 * connections this server opened (it checks every callee), on accepted ones with verifyIncoming.
 */
export function stillTrusted(tls: ClusterTls, side: 'inbound' | 'outbound'): (socket: Socket) => boolean {
  if (side === 'inbound' && !tls.verifyIncoming) return () => true;
  const cas = pemCertificates(tls.ca);
  return (socket) => !(socket instanceof TLSSocket) || chainTrusted(peerChain(socket), cas);
}
