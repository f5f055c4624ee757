import { createServer, type Server, type Socket } from 'node:net';
import type { Message } from '../messages.js';
import type { NodeId } from '../types.js';
import { formatAddress } from './address.js';
import { TransportError } from './errors.js';
import {
  type ConnectionAuth,
  HANDSHAKE_FAILURES,
  type HandshakeFailure,
  type HandshakeFailureEvent,
} from './handshake.js';
import { InboundConnection } from './inbound.js';
import type { ClusterKeyring } from './keyring.js';
import { Peer, type PeerEvents } from './peer.js';
import { TCP_DEFAULTS, type TcpLimits } from './tcp-limits.js';
import { type ClusterTls, stillTrusted, TlsAcceptor } from './tls.js';
import type { PeerAddress, RequestHandler, Transport, TransportEvents } from './types.js';

export interface TcpTransportOptions {
  /** This server's id: sent in the hello of every connection it opens. */
  readonly id: NodeId;
  /** Interface to listen on; 127.0.0.1 unless told otherwise. */
  readonly host?: string;
  /** Port to listen on; 0 picks a free one (see `address` after start). */
  readonly port?: number;
  readonly limits?: Partial<TcpLimits>;
  /**
   * The cluster keys: every connection, both ways, proves the key before anything else is read
   * (handshake.ts). Absent or null: no key (anyone who can reach the port is a peer).
   */
  readonly keyring?: ClusterKeyring | null;
  /** TLS on the cluster port (tls.ts); absent or null: plain TCP. */
  readonly tls?: ClusterTls | null;
  /** Called for each connection dropped in the handshake (for logs; counts are in `stats`). */
  readonly onHandshakeFailure?: (e: HandshakeFailureEvent) => void;
}

/** Counts of connections this transport dropped before they could carry cluster traffic. */
export interface TcpTransportStats {
  readonly handshakeFailures: Readonly<
    Record<'inbound' | 'outbound', Readonly<Record<HandshakeFailure, number>>>
  >;
  /** Accepted connections closed at once because a connection limit was reached. */
  readonly refusedConnections: number;
  readonly inboundConnections: number;
}

function zeroCounts(): Record<HandshakeFailure, number> {
  return Object.fromEntries(HANDSHAKE_FAILURES.map((r) => [r, 0])) as Record<HandshakeFailure, number>;
}

/**
 * Raft over TCP (frames: framing.ts and frames.ts). Outbound, two lazy
 * connections per peer (peer.ts); inbound, any number of identified
 * connections (inbound.ts). Events reach the caller on a later microtask,
 * never from inside `send`, so the caller is never re-entered.
 */
export class TcpTransport implements Transport {
  private readonly limits: TcpLimits;
  private readonly peers = new Map<NodeId, Peer>();
  private readonly inbound = new Set<InboundConnection>();
  /** Unknown destinations already reported unreachable, so they are not reported per message. */
  private readonly unknownReported = new Set<NodeId>();
  private readonly peerEvents: PeerEvents;
  private server: Server | null = null;
  private events: TransportEvents | null = null;
  private handler: RequestHandler | null = null;
  private listening: PeerAddress | null = null;
  private closed = false;
  private keyring: ClusterKeyring | null;
  private tls: TlsAcceptor | null;
  /** Accepted sockets still in their TLS handshake (not yet an InboundConnection). */
  private readonly accepting = new Set<Socket>();
  private readonly auth: ConnectionAuth;
  private readonly failures = { inbound: zeroCounts(), outbound: zeroCounts() };
  private refused = 0;
  /** Accepted connections still in their handshake, per remote address. */
  private readonly handshaking = new Map<string, number>();

  constructor(private readonly opts: TcpTransportOptions) {
    this.limits = { ...TCP_DEFAULTS, ...opts.limits };
    this.keyring = opts.keyring ?? null;
    this.tls = opts.tls ? new TlsAcceptor(opts.tls) : null;
    this.auth = {
      keyring: () => this.keyring,
      tls: () => this.tls?.tls ?? null,
      onHandshakeFailure: (e) => {
        this.failures[e.side][e.reason]++;
        opts.onHandshakeFailure?.(e);
      },
    };
    this.peerEvents = {
      unreachable: (id) => this.emit((e) => e.onUnreachable(id)),
      snapshotStatus: (id, ok) => this.emit((e) => e.onSnapshotStatus(id, ok)),
    };
  }

  get address(): PeerAddress {
    if (this.listening === null) throw new Error('TcpTransport: address is known only after start()');
    return this.listening;
  }

  async start(events: TransportEvents): Promise<void> {
    if (this.server !== null || this.closed)
      throw new Error('TcpTransport: start() called twice or after close()');
    this.events = events;
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Node's default accept queue (511) overflows under a connection flood that the limits then
      // refuse, and a dropped handshake waits 1-3 s to be retried: room for the flood instead.
      server.listen({ host: this.opts.host ?? '127.0.0.1', port: this.opts.port ?? 0, backlog: 4096 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => {
      // Accept errors (e.g. EMFILE) affect one connection attempt; the server keeps listening.
    });
    const a = server.address();
    if (a === null || typeof a === 'string') throw new Error('TcpTransport: server has no TCP address');
    this.listening = formatAddress(a.address, a.port);
  }

  setPeer(id: NodeId, address: PeerAddress): void {
    if (this.closed) return;
    const old = this.peers.get(id);
    if (old?.address === address) return;
    void old?.close();
    this.peers.set(id, new Peer(id, address, this.opts.id, this.limits, this.peerEvents, this.auth));
    this.unknownReported.delete(id);
  }

  removePeer(id: NodeId): void {
    const p = this.peers.get(id);
    if (p === undefined) return;
    this.peers.delete(id);
    void p.close();
  }

  send(m: Message): void {
    if (this.closed) return;
    const p = this.peers.get(m.to);
    if (p !== undefined) {
      p.send(m);
    } else if (!this.unknownReported.has(m.to)) {
      this.unknownReported.add(m.to);
      this.emit((e) => e.onUnreachable(m.to));
    }
  }

  /**
   * Replaces the cluster keys (a reload): connections already open stay up; every connection made
   * from now on proves the new primary key and may prove any key of the new ring.
   */
  setKeyring(keyring: ClusterKeyring | null): void {
    this.keyring = keyring;
  }

  /**
   * Replaces the TLS settings (a certificate reload): connections made from now on use them.
   * Open connections stay up unless the peer's certificate no longer leads to a CA of the new
   * file: removing a CA ends the trust it gave at once, not whenever those connections happen to
   * drop. Each one closed is reported as a `tls` handshake failure; the peer dials again.
   */
  setTls(tls: ClusterTls | null): void {
    this.tls = tls === null ? null : new TlsAcceptor(tls);
    if (tls === null) return;
    const detail = 'certificate no longer trusted after a reload of the CA file';
    const inbound = stillTrusted(tls, 'inbound');
    for (const conn of this.inbound) {
      if (conn.dropUnless(inbound)) {
        this.auth.onHandshakeFailure({
          side: 'inbound',
          reason: 'tls',
          remote: conn.remote,
          peer: conn.peerId,
          detail,
        });
      }
    }
    const outbound = stillTrusted(tls, 'outbound');
    for (const [id, peer] of this.peers) {
      for (const remote of peer.dropUnless(outbound)) {
        this.auth.onHandshakeFailure({ side: 'outbound', reason: 'tls', remote, peer: id, detail });
      }
    }
  }

  get stats(): TcpTransportStats {
    return {
      handshakeFailures: { inbound: { ...this.failures.inbound }, outbound: { ...this.failures.outbound } },
      refusedConnections: this.refused,
      inboundConnections: this.inbound.size,
    };
  }

  onRequest(handler: RequestHandler): void {
    this.handler = handler;
  }

  request(to: NodeId, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new TransportError('TRANSPORT_CLOSED', 'transport closed'));
    const p = this.peers.get(to);
    if (p === undefined)
      return Promise.reject(new TransportError('TRANSPORT_UNKNOWN_PEER', `no address for peer ${to}`));
    return p.request(payload, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const waits: Promise<void>[] = [];
    for (const p of this.peers.values()) waits.push(p.close());
    this.peers.clear();
    for (const c of this.inbound) {
      c.destroy();
      waits.push(c.closed);
    }
    for (const s of this.accepting) s.destroy();
    const server = this.server;
    if (server !== null) waits.push(new Promise((resolve) => server.close(() => resolve())));
    await Promise.all(waits);
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const from = socket.remoteAddress ?? '';
    const pending = this.handshaking.get(from) ?? 0;
    if (
      this.inbound.size + this.accepting.size >= this.limits.maxInboundConnections ||
      pending >= this.limits.maxHandshakesPerAddress
    ) {
      this.refused++;
      socket.destroy();
      return;
    }
    this.handshaking.set(from, pending + 1);
    let counted = true;
    const handshakeOver = () => {
      if (!counted) return;
      counted = false;
      const n = (this.handshaking.get(from) ?? 1) - 1;
      if (n <= 0) this.handshaking.delete(from);
      else this.handshaking.set(from, n);
    };
    const tls = this.tls;
    if (tls === null) {
      this.serve(socket, handshakeOver);
      return;
    }
    // TLS or not is told by the first byte; the handshake deadline covers the TLS handshake too.
    this.accepting.add(socket);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, this.limits.handshakeTimeoutMs);
    void tls.accept(socket).then((a) => {
      clearTimeout(timer);
      this.accepting.delete(socket);
      if ('socket' in a && !this.closed) {
        this.serve(a.socket, handshakeOver);
        return;
      }
      socket.destroy();
      handshakeOver();
      const reason = 'failure' in a ? a.failure : timedOut ? 'timeout' : null;
      if (reason !== null) {
        this.auth.onHandshakeFailure({
          side: 'inbound',
          reason,
          remote: `${from}:${socket.remotePort ?? '?'}`,
          peer: null,
          ...('detail' in a && a.detail !== undefined ? { detail: a.detail } : {}),
        });
      }
    });
  }

  /** Speaks frames on an accepted connection (after TLS, when in use). */
  private serve(socket: Socket, handshakeOver: () => void): void {
    const conn = new InboundConnection(socket, {
      self: this.opts.id,
      limits: this.limits,
      auth: this.auth,
      onOpen: handshakeOver,
      onMessage: (m) => {
        if (!this.closed) this.events?.onMessage(m);
      },
      onRequest: (from, payload) => {
        const h = this.handler;
        if (h === null) return Promise.reject(new Error('no request handler on this server'));
        return h(from, payload);
      },
    });
    this.inbound.add(conn);
    void conn.closed.then(() => {
      handshakeOver();
      this.inbound.delete(conn);
    });
  }

  /** Delivers an event after the current call stack, unless closed by then. */
  private emit(f: (e: TransportEvents) => void): void {
    queueMicrotask(() => {
      if (!this.closed && this.events !== null) f(this.events);
    });
  }
}
