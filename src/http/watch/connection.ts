import type { WebSocket } from 'ws';
import type { Group, Member } from './groups.js';

export interface ConnectionLimits {
  /** Past this many bytes queued on the socket, the connection stops receiving events. */
  readonly highWaterBytes: number;
  /** Once drained below this, each of its subscriptions is sent a fresh snapshot. */
  readonly lowWaterBytes: number;
  /** A connection that stays over the high-water mark this long is closed. */
  readonly maxLagMs: number;
}

export interface ConnectionEvents {
  sent(n: number): void;
  slowConsumer(): void;
  reset(): void;
}

/**
 * One WebSocket: its subscriptions and its backpressure. A consumer that
 * does not read never makes the server buffer without bound: past the
 * high-water mark its events are dropped; when it catches up each
 * subscription restarts from a snapshot; if it never does, it is closed.
 */
export class WatchConnection {
  /** Each subscription's group, its place in it, and the release of its per-client slot. */
  readonly subs = new Map<string, { group: Group; member: Member; release: () => void }>();
  private laggingSince = 0;
  private drainTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly socket: WebSocket,
    private readonly limits: ConnectionLimits,
    private readonly events: ConnectionEvents,
  ) {}

  member(id: string): Member {
    return { id, after: 0, deliver: (text) => this.send(text) };
  }

  send(text: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.laggingSince > 0) return;
    if (this.socket.bufferedAmount > this.limits.highWaterBytes) {
      this.laggingSince = performance.now();
      this.events.slowConsumer();
      this.drainTimer = setInterval(() => this.checkDrained(), 250);
      return;
    }
    this.socket.send(text);
    this.events.sent(1);
  }

  private checkDrained(): void {
    if (this.socket.readyState !== this.socket.OPEN) {
      this.stopDrainTimer();
      return;
    }
    if (this.socket.bufferedAmount <= this.limits.lowWaterBytes) {
      this.laggingSince = 0;
      this.stopDrainTimer();
      for (const { group, member } of this.subs.values()) {
        this.events.reset();
        group.resync(member);
      }
      return;
    }
    if (performance.now() - this.laggingSince > this.limits.maxLagMs) {
      this.stopDrainTimer();
      this.socket.close(1008, 'slow consumer: events were not read in time');
    }
  }

  private stopDrainTimer(): void {
    if (this.drainTimer) clearInterval(this.drainTimer);
    this.drainTimer = null;
  }

  close(): void {
    this.stopDrainTimer();
  }
}
