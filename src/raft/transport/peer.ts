import type { Socket } from 'node:net';
import { encodeMessage } from '../codec.js';
import type { Message, SnapshotMsg } from '../messages.js';
import type { NodeId } from '../types.js';
import { Backoff } from './backoff.js';
import { frame } from './frames.js';
import { FrameKind } from './framing.js';
import type { ConnectionAuth } from './handshake.js';
import { OutboundConnection } from './outbound.js';
import { streamSnapshot } from './snapshot-stream.js';
import type { TcpLimits } from './tcp-limits.js';
import type { PeerAddress } from './types.js';

/** What a peer reports back to its transport. */
export interface PeerEvents {
  unreachable(id: NodeId): void;
  snapshotStatus(id: NodeId, ok: boolean): void;
}

/**
 * The sending side towards one peer: a control connection for everything
 * small and a bulk connection for appends and snapshots, so a heartbeat or a
 * vote never waits behind megabytes of log. Unreachability is reported once
 * per outage: again only after some connection to the peer has recovered.
 */
export class Peer {
  private readonly control: OutboundConnection;
  private readonly bulk: OutboundConnection;
  private reported = false;
  private snapshotRun: { cancelled: boolean } | null = null;

  constructor(
    readonly id: NodeId,
    readonly address: PeerAddress,
    self: NodeId,
    private readonly limits: TcpLimits,
    private readonly events: PeerEvents,
    auth: ConnectionAuth,
  ) {
    const common = {
      self,
      auth,
      address,
      maxFrameBytes: limits.maxFrameBytes,
      connectTimeoutMs: limits.connectTimeoutMs,
      onTrouble: () => this.trouble(),
      onRecovered: () => {
        this.reported = false;
      },
    };
    this.control = new OutboundConnection({
      ...common,
      role: 'control',
      maxBufferedBytes: limits.controlBufferBytes,
      backoff: new Backoff(limits.backoffBaseMs, limits.backoffMaxMs),
    });
    this.bulk = new OutboundConnection({
      ...common,
      role: 'bulk',
      maxBufferedBytes: limits.bulkBufferBytes,
      backoff: new Backoff(limits.backoffBaseMs, limits.backoffMaxMs),
    });
  }

  send(m: Message): void {
    if (m.type === 'snapshot') {
      this.sendSnapshot(m);
      return;
    }
    const conn = m.type === 'append' ? this.bulk : this.control;
    conn.write(frame(FrameKind.message, encodeMessage(m)));
  }

  request(payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    return this.control.request(payload, timeoutMs);
  }

  /** Closes whichever of the two connections `keep` refuses; the remote addresses of those closed. */
  dropUnless(keep: (socket: Socket) => boolean): string[] {
    return [this.control.dropUnless(keep), this.bulk.dropUnless(keep)].filter((r) => r !== null);
  }

  /** Closes both connections; a snapshot still streaming is reported failed. */
  close(): Promise<void> {
    this.cancelSnapshot();
    return Promise.all([this.control.close(), this.bulk.close()]).then(() => undefined);
  }

  private sendSnapshot(m: SnapshotMsg): void {
    this.cancelSnapshot();
    const run = { cancelled: false };
    this.snapshotRun = run;
    const encoded = encodeMessage(m);
    void streamSnapshot(this.bulk, encoded, this.limits.snapshotChunkBytes, () => run.cancelled).then(
      (ok) => {
        if (run.cancelled) return;
        this.snapshotRun = null;
        this.events.snapshotStatus(this.id, ok);
      },
    );
  }

  private cancelSnapshot(): void {
    const run = this.snapshotRun;
    if (run === null) return;
    run.cancelled = true;
    this.snapshotRun = null;
    this.events.snapshotStatus(this.id, false);
  }

  private trouble(): void {
    if (this.reported) return;
    this.reported = true;
    this.events.unreachable(this.id);
  }
}
