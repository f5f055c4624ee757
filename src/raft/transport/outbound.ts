import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { NodeId } from '../types.js';
import { parseAddress } from './address.js';
import type { Backoff } from './backoff.js';
import { TransportError } from './errors.js';
import { type ConnectionRole, decodeResponse, helloFrame, requestFrame } from './frames.js';
import { FrameError, FrameKind, FrameParser } from './framing.js';
import {
  type ConnectionAuth,
  calleeProof,
  callerProof,
  decodeChallenge,
  type HandshakeFailure,
  newNonce,
  proofFrame,
  proofMatches,
} from './handshake.js';
import { connectTls } from './tls.js';
import type { PeerAddress } from './types.js';

export interface OutboundOptions {
  readonly self: NodeId;
  readonly role: ConnectionRole;
  readonly address: PeerAddress;
  /** Frames are dropped while the socket holds more than this many unsent bytes. */
  readonly maxBufferedBytes: number;
  readonly maxFrameBytes: number;
  readonly connectTimeoutMs: number;
  readonly backoff: Backoff;
  /** The connection failed, could not be made, or dropped a frame because it was full. */
  readonly onTrouble: () => void;
  /** The connection is usable again (connected, or drained after being full). */
  readonly onRecovered: () => void;
  readonly auth: ConnectionAuth;
}

/** A keyed connection whose callee has not yet proved the key: frames wait here. */
interface Handshake {
  readonly key: Buffer;
  readonly nonce: Buffer;
  readonly held: { parts: readonly Uint8Array[]; done: ((err?: Error | null) => void) | undefined }[];
  heldBytes: number;
  /** Settled once the handshake is over: true when the callee proved the key. */
  readonly settled: Promise<boolean>;
  readonly settle: (ok: boolean) => void;
  connected: boolean;
}

/** What became of a frame handed to {@link OutboundConnection.write}. */
export type WriteResult = 'queued' | 'down' | 'full';

interface PendingRequest {
  readonly resolve: (payload: Uint8Array) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

type State = 'idle' | 'connecting' | 'open' | 'backoff' | 'closed';

/**
 * One TCP connection to one peer, made lazily on the first write and remade
 * after a failure once a backoff delay has passed (again lazily: Raft keeps
 * sending, so there is no timer). While it is down, writes are dropped.
 * Writes within one tick are corked into one syscall. It also carries the
 * requests sent on it and reads their responses.
 */
export class OutboundConnection {
  private socket: Socket | null = null;
  private state: State = 'idle';
  private retryAt = 0;
  private uncorkScheduled = false;
  private full = false;
  private socketGeneration = 0;
  private nextReqId = 1;
  private readonly requests = new Map<number, PendingRequest>();
  private closedPromise: Promise<void> = Promise.resolve();
  private handshake: Handshake | null = null;

  constructor(private readonly opts: OutboundOptions) {}

  get address(): PeerAddress {
    return this.opts.address;
  }

  /** Changes with every new socket: lets a multi-frame stream notice that it lost its connection. */
  get generation(): number {
    return this.socketGeneration;
  }

  /** Whether the socket of `generation` is still the current one and not failed. */
  isLive(generation: number): boolean {
    return this.socket !== null && this.socketGeneration === generation;
  }

  /** Queues one frame (its buffers, header first). `done` runs once the last buffer is flushed or fails. */
  write(parts: readonly Uint8Array[], done?: (err?: Error | null) => void): WriteResult {
    const s = this.ensureSocket();
    if (s === null) return 'down';
    const h = this.handshake;
    if (h !== null) {
      let n = 0;
      for (const p of parts) n += p.byteLength;
      if (h.heldBytes + n > this.opts.maxBufferedBytes) return 'full';
      h.held.push({ parts, done });
      h.heldBytes += n;
      return 'queued';
    }
    if (s.writableLength > this.opts.maxBufferedBytes) {
      if (!this.full) {
        this.full = true;
        this.opts.onTrouble();
      }
      return 'full';
    }
    this.writeParts(s, parts, done);
    return 'queued';
  }

  /** Resolves true once at most `bytes` are left unsent, false if the connection fails first. */
  whenBelow(bytes: number, generation: number): Promise<boolean> {
    const s = this.socket;
    if (s === null || this.socketGeneration !== generation) return Promise.resolve(false);
    const h = this.handshake;
    if (h !== null) return h.settled.then((ok) => ok && this.whenBelow(bytes, generation));
    if (s.writableLength <= bytes) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (ok: boolean) => {
        s.off('drain', onDrain);
        s.off('close', onClose);
        resolve(ok);
      };
      const onDrain = () => finish(this.isLive(generation));
      const onClose = () => finish(false);
      s.on('drain', onDrain);
      s.on('close', onClose);
    });
  }

  request(payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const reqId = this.allocRequestId();
      const timer = setTimeout(() => {
        this.requests.delete(reqId);
        reject(new TransportError('TRANSPORT_TIMEOUT', `request timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.requests.set(reqId, { resolve, reject, timer });
      const r = this.write(requestFrame(reqId, payload));
      if (r !== 'queued') {
        this.settle(reqId)?.reject(
          r === 'down'
            ? new TransportError('TRANSPORT_UNREACHABLE', `peer at ${this.opts.address} is unreachable`)
            : new TransportError('TRANSPORT_OVERLOADED', `connection to ${this.opts.address} is full`),
        );
      }
    });
  }

  /**
   * Closes the current socket if `keep` refuses it (a reload that no longer trusts the callee);
   * the next write dials again with the new settings. Requests waiting on it fail as on any lost
   * connection. Returns the remote address when it closed one.
   */
  dropUnless(keep: (socket: Socket) => boolean): string | null {
    const s = this.socket;
    if (s === null || s.destroyed || keep(s)) return null;
    const remote = `${s.remoteAddress ?? this.opts.address}:${s.remotePort ?? '?'}`;
    // Forgotten now rather than at its close event, and without a backoff: the next write dials at once.
    this.forget(s, false);
    if (this.state !== 'closed') this.state = 'idle';
    s.destroy();
    return remote;
  }

  /** Destroys the socket and fails pending requests; resolves once the socket is closed. */
  close(): Promise<void> {
    if (this.state !== 'closed') {
      this.state = 'closed';
      this.socket?.destroy();
      this.failRequests('TRANSPORT_CLOSED', 'transport closed');
    }
    return this.closedPromise;
  }

  private ensureSocket(): Socket | null {
    switch (this.state) {
      case 'open':
      case 'connecting':
        return this.socket;
      case 'closed':
        return null;
      case 'backoff':
        if (performance.now() < this.retryAt) return null;
        return this.connect();
      case 'idle':
        return this.connect();
    }
  }

  private connect(): Socket | null {
    let host: string;
    let port: number;
    try {
      ({ host, port } = parseAddress(this.opts.address));
    } catch {
      this.failed();
      return null;
    }
    const settings = this.opts.auth.tls();
    const tls = settings?.verifyOutgoing ? settings : null;
    const secure = tls !== null;
    const s =
      tls !== null
        ? connectTls(host, port, tls)
        : connect({ host, port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 5000 });
    if (secure) {
      s.setNoDelay(true);
      s.setKeepAlive(true, 5000);
    }
    this.socket = s;
    this.state = 'connecting';
    this.socketGeneration++;
    this.full = false;
    this.closedPromise = new Promise((resolve) => s.once('close', () => resolve()));
    // An idle timeout that only runs while connecting: a connect timeout.
    s.setTimeout(this.opts.connectTimeoutMs, () => s.destroy(new Error('connect timeout')));
    const keyring = this.opts.auth.keyring();
    const handshake = keyring === null ? null : this.startHandshake(keyring.primary.key);
    this.handshake = handshake;
    s.once(secure ? 'secureConnect' : 'connect', () => {
      s.setTimeout(0);
      if (this.socket !== s) return;
      this.state = 'open';
      if (handshake === null) this.recovered();
      else handshake.connected = true;
    });
    s.on('drain', () => {
      if (this.socket === s && this.full) {
        this.full = false;
        this.opts.onRecovered();
      }
    });
    s.on('error', (e: Error) => {
      // A TLS refusal (unknown CA, a certificate not naming the server) is worth a log line; a
      // refused or dropped connection is not. 'close' follows and does the work.
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (
        secure &&
        this.socket === s &&
        !/^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH)$/.test(code)
      ) {
        if (this.handshake !== null) this.handshake.connected = false;
        this.opts.auth.onHandshakeFailure({
          side: 'outbound',
          reason: 'tls',
          remote: this.opts.address,
          peer: null,
          detail: e.message,
        });
      }
    });
    s.on('close', () => this.onClose(s));
    const parser = new FrameParser((kind, payload) => {
      if (this.handshake !== null && this.socket === s) {
        this.finishHandshake(s, kind, payload);
        return;
      }
      if (kind !== FrameKind.response) throw new FrameError(`unexpected frame kind ${kind} from a server`);
      const r = decodeResponse(payload);
      const pending = this.settle(r.reqId);
      if (pending === undefined) return; // timed out meanwhile
      if (r.ok) pending.resolve(r.payload);
      else pending.reject(new TransportError('TRANSPORT_REMOTE', r.error));
    }, this.opts.maxFrameBytes);
    s.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (e) {
        if (!(e instanceof FrameError)) throw e;
        parser.stop();
        s.destroy();
      }
    });
    const hello =
      handshake === null
        ? helloFrame(this.opts.self, this.opts.role)
        : helloFrame(this.opts.self, this.opts.role, { keyId: keyring!.primary.id, nonce: handshake.nonce });
    this.writeParts(s, hello);
    return s;
  }

  private startHandshake(key: Buffer): Handshake {
    let settle: (ok: boolean) => void = () => {};
    const settled = new Promise<boolean>((resolve) => {
      settle = resolve;
    });
    return { key, nonce: newNonce(), held: [], heldBytes: 0, settled, settle, connected: false };
  }

  /** The callee's challenge: check its proof, send ours, then everything held meanwhile. */
  private finishHandshake(s: Socket, kind: FrameKind, payload: Buffer): void {
    const h = this.handshake!;
    if (kind !== FrameKind.challenge) {
      this.handshakeFailed(s, 'malformed');
      return;
    }
    let challenge: { nonce: Buffer; proof: Buffer };
    try {
      challenge = decodeChallenge(payload);
    } catch {
      this.handshakeFailed(s, 'malformed');
      return;
    }
    const expected = calleeProof(h.key, h.nonce, challenge.nonce, this.opts.role, this.opts.self);
    if (!proofMatches(expected, challenge.proof)) {
      this.handshakeFailed(s, 'badProof');
      return;
    }
    this.handshake = null;
    this.writeParts(
      s,
      proofFrame(callerProof(h.key, challenge.nonce, h.nonce, this.opts.role, this.opts.self)),
    );
    for (const { parts, done } of h.held) this.writeParts(s, parts, done);
    h.settle(true);
    this.recovered();
  }

  private handshakeFailed(s: Socket, reason: HandshakeFailure): void {
    // Reported here; the close that follows must not report it again.
    this.handshake!.connected = false;
    this.reportHandshakeFailure(reason);
    s.destroy();
  }

  private reportHandshakeFailure(reason: HandshakeFailure): void {
    this.opts.auth.onHandshakeFailure({ side: 'outbound', reason, remote: this.opts.address, peer: null });
  }

  private recovered(): void {
    this.opts.backoff.reset();
    this.opts.onRecovered();
  }

  private writeParts(s: Socket, parts: readonly Uint8Array[], done?: (err?: Error | null) => void): void {
    if (!this.uncorkScheduled) {
      this.uncorkScheduled = true;
      s.cork();
      process.nextTick(() => {
        this.uncorkScheduled = false;
        s.uncork();
      });
    }
    const last = parts.length - 1;
    for (let i = 0; i < last; i++) s.write(parts[i]!);
    s.write(parts[last]!, done);
  }

  private onClose(s: Socket): void {
    if (this.socket !== s) return;
    this.forget(s, true);
    if (this.state === 'closed') return;
    this.failed();
  }

  /** Lets go of the current socket: what waits on it fails. */
  private forget(s: Socket, byPeer: boolean): void {
    if (this.socket !== s) return;
    this.socket = null;
    const h = this.handshake;
    if (h !== null) {
      this.handshake = null;
      // Connected, then dropped before the callee proved the key: it refused our key (or has none).
      if (byPeer && h.connected && this.state !== 'closed') this.reportHandshakeFailure('closedByPeer');
      const err = new Error('connection closed during the key handshake');
      for (const { done } of h.held) done?.(err);
      h.settle(false);
    }
    this.failRequests('TRANSPORT_CONNECTION_LOST', `connection to ${this.opts.address} lost`);
  }

  private failed(): void {
    this.state = 'backoff';
    this.retryAt = performance.now() + this.opts.backoff.next();
    this.opts.onTrouble();
  }

  private allocRequestId(): number {
    let id = this.nextReqId;
    while (this.requests.has(id)) id = (id + 1) >>> 0;
    this.nextReqId = (id + 1) >>> 0;
    return id;
  }

  private settle(reqId: number): PendingRequest | undefined {
    const p = this.requests.get(reqId);
    if (p === undefined) return undefined;
    this.requests.delete(reqId);
    clearTimeout(p.timer);
    return p;
  }

  private failRequests(code: 'TRANSPORT_CLOSED' | 'TRANSPORT_CONNECTION_LOST', message: string): void {
    for (const id of [...this.requests.keys()]) this.settle(id)?.reject(new TransportError(code, message));
  }
}
