import type { Logger } from 'pino';
import type { HandshakeFailureEvent } from '../raft/index.js';

const EVERY_MS = 10_000;

const WHY: Readonly<Record<HandshakeFailureEvent['reason'], string>> = {
  keyRequired: 'the caller sent no cluster key, and this server requires one',
  keyNotExpected: 'the caller proves a cluster key, and this server has none (start it with --encrypt)',
  unknownKey: 'the caller proves a cluster key this server does not hold',
  badProof: 'the peer failed to prove the cluster key it claimed',
  malformed: 'the peer broke the protocol before the handshake completed (not a cairn server?)',
  timeout: 'the peer did not complete the handshake in time',
  closedByPeer:
    'the server closed the connection before proving the cluster key: it refused ours (its log says why)',
  tlsRequired:
    'a plain connection to a server that requires TLS with a client certificate (--tls-verify-incoming)',
  tls: 'the TLS handshake failed (no certificate, one of another CA, expired, or not naming the server), or a reload of the CA file no longer trusts the certificate of an open connection',
  notAServer: "the peer's certificate is valid but does not name server.<datacenter>.<domain>: not a server",
};

/**
 * Logs dropped cluster connections with their reason, at most one line per side and reason every
 * 10 s (with the count of those not logged), so that a flood of hostile connections cannot flood
 * the log too. The counts themselves are in the metrics.
 */
export function handshakeFailureLogger(log: Logger, now: () => number = Date.now) {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (e: HandshakeFailureEvent): void => {
    const k = `${e.side}:${e.reason}`;
    const t = now();
    const seen = last.get(k);
    if (seen !== undefined && t - seen.at < EVERY_MS) {
      seen.suppressed++;
      return;
    }
    last.set(k, { at: t, suppressed: 0 });
    log.warn(
      {
        side: e.side,
        reason: e.reason,
        remote: e.remote,
        ...(e.peer !== null ? { claimed: e.peer } : {}),
        ...(e.detail !== undefined ? { detail: e.detail } : {}),
        ...(seen !== undefined && seen.suppressed > 0 ? { notLogged: seen.suppressed } : {}),
      },
      `cluster connection dropped: ${WHY[e.reason]}`,
    );
  };
}
