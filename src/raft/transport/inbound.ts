import type { Socket } from 'node:net';
import { CodecError, decodeMessage } from '../codec.js';
import type { Message } from '../messages.js';
import type { NodeId } from '../types.js';
import { type ConnectionRole, decodeHello, decodeRequest, MAX_HELLO_BYTES, responseFrame } from './frames.js';
import { FrameError, FrameKind, FrameParser } from './framing.js';
import {
  type ConnectionAuth,
  calleeProof,
  callerProof,
  challengeFrame,
  decodeProof,
  type HandshakeFailure,
  MAC_BYTES,
  newNonce,
  proofMatches,
} from './handshake.js';
import { SnapshotAssembler } from './snapshot-stream.js';
import type { TcpLimits } from './tcp-limits.js';

export interface InboundOptions {
  readonly self: NodeId;
  readonly limits: TcpLimits;
  readonly onMessage: (m: Message) => void;
  readonly onRequest: (from: NodeId, payload: Uint8Array) => Promise<Uint8Array>;
  readonly auth: ConnectionAuth;
  /** The caller has identified itself (and proved the key): it is a peer from now on. */
  readonly onOpen: () => void;
}

/** A keyed caller that has said hello and must still prove the key. */
interface AwaitingProof {
  readonly id: NodeId;
  readonly expected: Buffer;
}

/**
 * One accepted connection: waits for the caller's hello (and, with a cluster key, its proof of
 * the key: handshake.ts), then delivers its
 * Raft messages, reassembles its snapshots and answers its requests on the
 * same socket. Anything that breaks the protocol closes this connection and
 * nothing else; the peer reconnects.
 */
export class InboundConnection {
  private peer: NodeId | null = null;
  private awaiting: AwaitingProof | null = null;
  private claimed: NodeId | null = null;
  private failed = false;
  private readonly parser: FrameParser;
  private readonly snapshots: SnapshotAssembler;
  private readonly handshakeTimer: NodeJS.Timeout;
  readonly closed: Promise<void>;

  constructor(
    private readonly socket: Socket,
    private readonly opts: InboundOptions,
  ) {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5000);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    // Small frames only until the caller has identified itself.
    this.parser = new FrameParser((kind, payload) => this.onFrame(kind, payload), MAX_HELLO_BYTES);
    this.snapshots = new SnapshotAssembler(opts.limits.maxSnapshotBytes);
    this.handshakeTimer = setTimeout(() => this.refuse('timeout'), opts.limits.handshakeTimeoutMs);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.parser.push(chunk);
      } catch (e) {
        if (!(e instanceof FrameError || e instanceof CodecError)) throw e;
        if (this.peer === null) this.refuse('malformed');
        else {
          this.parser.stop();
          socket.destroy();
        }
      }
    });
    socket.on('error', () => {
      // 'close' follows.
    });
    socket.once('close', () => {
      clearTimeout(this.handshakeTimer);
      this.parser.stop();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Closes this connection if `keep` refuses its socket (a reload that no longer trusts the peer); true if it did. */
  dropUnless(keep: (socket: Socket) => boolean): boolean {
    if (this.socket.destroyed || keep(this.socket)) return false;
    this.socket.destroy();
    return true;
  }

  /** The node that said hello on this connection, once it has. */
  get peerId(): NodeId | null {
    return this.peer;
  }

  get remote(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  private onFrame(kind: FrameKind, payload: Buffer): void {
    if (this.peer === null) {
      this.handshake(kind, payload);
      return;
    }
    switch (kind) {
      case FrameKind.message:
        this.deliver(this.peer, decodeMessage(payload));
        return;
      case FrameKind.snapshotChunk: {
        const whole = this.snapshots.push(payload);
        if (whole === null) return;
        const m = decodeMessage(whole);
        if (m.type !== 'snapshot') throw new FrameError(`snapshot stream carried a ${m.type} message`);
        this.deliver(this.peer, m);
        return;
      }
      case FrameKind.request: {
        const { reqId, payload: body } = decodeRequest(payload);
        this.answer(this.peer, reqId, body);
        return;
      }
      default:
        throw new FrameError(`unexpected frame kind ${kind} from a client`);
    }
  }

  private handshake(kind: FrameKind, payload: Buffer): void {
    if (this.awaiting !== null) {
      if (kind !== FrameKind.proof) throw new FrameError(`expected a proof, got frame kind ${kind}`);
      if (!proofMatches(this.awaiting.expected, decodeProof(payload))) {
        this.refuse('badProof');
        return;
      }
      this.open(this.awaiting.id);
      return;
    }
    if (kind !== FrameKind.hello) throw new FrameError(`expected hello, got frame kind ${kind}`);
    const hello = decodeHello(payload);
    this.claimed = hello.id;
    const keyring = this.opts.auth.keyring();
    if (keyring === null) {
      if (hello.key !== null) this.refuse('keyNotExpected');
      else this.open(hello.id);
      return;
    }
    if (hello.key === null) {
      this.refuse('keyRequired');
      return;
    }
    const key = keyring.byId(hello.key.keyId);
    if (key === undefined) {
      this.refuse('unknownKey');
      return;
    }
    this.challenge(key, hello.key.nonce, hello.role, hello.id);
  }

  private challenge(key: Buffer, nonceCaller: Buffer | Uint8Array, role: ConnectionRole, id: NodeId): void {
    const nonce = newNonce();
    this.awaiting = { id, expected: callerProof(key, nonce, nonceCaller, role, id) };
    this.parser.maxPayload = MAC_BYTES;
    this.socket.cork();
    for (const part of challengeFrame(nonce, calleeProof(key, nonceCaller, nonce, role, id)))
      this.socket.write(part);
    this.socket.uncork();
  }

  private open(id: NodeId): void {
    this.awaiting = null;
    this.peer = id;
    clearTimeout(this.handshakeTimer);
    this.parser.maxPayload = this.opts.limits.maxFrameBytes;
    this.opts.onOpen();
  }

  /** Drops a connection that did not prove itself, and reports why (once). */
  private refuse(reason: HandshakeFailure): void {
    this.parser.stop();
    if (!this.failed && !this.socket.destroyed) {
      this.failed = true;
      this.opts.auth.onHandshakeFailure({
        side: 'inbound',
        reason,
        remote: `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`,
        peer: this.claimed,
      });
    }
    this.socket.destroy();
  }

  private deliver(peer: NodeId, m: Message): void {
    if (m.from !== peer) throw new FrameError(`message from ${m.from} on the connection of ${peer}`);
    // Meant for a server that used to have our address: not ours to act on.
    if (m.to !== this.opts.self) return;
    this.opts.onMessage(m);
  }

  private answer(from: NodeId, reqId: number, payload: Uint8Array): void {
    let reply: Promise<Uint8Array>;
    try {
      reply = this.opts.onRequest(from, payload);
    } catch (e) {
      reply = Promise.reject(e);
    }
    reply.then(
      (body: unknown) =>
        body instanceof Uint8Array
          ? this.respond(reqId, true, body)
          : this.respond(
              reqId,
              false,
              Buffer.from('request handler answered with something other than bytes'),
            ),
      (e: unknown) => this.respond(reqId, false, Buffer.from(e instanceof Error ? e.message : String(e))),
    );
  }

  private respond(reqId: number, ok: boolean, body: Uint8Array): void {
    const s = this.socket;
    // A requester whose answers pile up unread gets none; it times out.
    if (s.destroyed || s.writableLength > this.opts.limits.controlBufferBytes) return;
    s.cork();
    for (const part of responseFrame(reqId, ok, body)) s.write(part);
    s.uncork();
  }
}
