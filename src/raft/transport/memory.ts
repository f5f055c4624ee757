import { decodeMessage, encodeMessage } from '../codec.js';
import type { Message } from '../messages.js';
import type { NodeId } from '../types.js';
import { TransportError } from './errors.js';
import type { PeerAddress, RequestHandler, Transport, TransportEvents } from './types.js';

/**
 * An in-process network for driver tests: every message is encoded and
 * decoded (so codec mistakes show) and delivered on a later turn of the event
 * loop. Links can be cut both ways or one way, and messages dropped at a
 * seeded rate.
 */
export class MemoryNetwork {
  private readonly nodes = new Map<NodeId, MemoryTransport>();
  /** Cut links, as "from>to". */
  private readonly cut = new Set<string>();
  private dropRate = 0;
  private rngState: number;
  delivered = 0;
  dropped = 0;

  constructor(seed = 1) {
    this.rngState = seed >>> 0 || 1;
  }

  transport(id: NodeId): MemoryTransport {
    return new MemoryTransport(this, id);
  }

  /** Cuts the link between `a` and `b` in both directions (or only a→b when `oneWay`). */
  partition(a: NodeId, b: NodeId, oneWay = false): void {
    this.cut.add(`${a}>${b}`);
    if (!oneWay) this.cut.add(`${b}>${a}`);
  }

  /** Cuts `id` off from every other node. */
  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) if (other !== id) this.partition(id, other);
  }

  heal(): void {
    this.cut.clear();
  }

  /** Drops this fraction of messages (0..1), chosen by the seeded generator. */
  setDropRate(rate: number): void {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`drop rate must be in [0, 1], got ${rate}`);
    this.dropRate = rate;
  }

  /** @internal */
  register(t: MemoryTransport): void {
    this.nodes.set(t.id, t);
  }

  /** @internal */
  unregister(t: MemoryTransport): void {
    if (this.nodes.get(t.id) === t) this.nodes.delete(t.id);
  }

  /** @internal The destination if the link is up and the message survives the drop rate. */
  route(from: NodeId, to: NodeId): MemoryTransport | null {
    const dest = this.nodes.get(to);
    if (!dest || this.cut.has(`${from}>${to}`)) return null;
    if (this.dropRate > 0 && this.random() < this.dropRate) {
      this.dropped++;
      return null;
    }
    return dest;
  }

  /** @internal */
  reachable(from: NodeId, to: NodeId): MemoryTransport | null {
    const dest = this.nodes.get(to);
    return dest && !this.cut.has(`${from}>${to}`) ? dest : null;
  }

  // xorshift32: a few lines, deterministic per seed.
  private random(): number {
    let x = this.rngState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rngState = x >>> 0;
    return this.rngState / 2 ** 32;
  }
}

/**
 * One server's end of a {@link MemoryNetwork}. Its address is its id; like TCP, it sends to the
 * address a peer was given, so a peer known only by address (`setPeer('~n1', 'n1')`) is reachable.
 */
export class MemoryTransport implements Transport {
  private events: TransportEvents | null = null;
  private handler: RequestHandler | null = null;
  private readonly peers = new Map<NodeId, PeerAddress>();
  private closed = false;

  constructor(
    private readonly network: MemoryNetwork,
    readonly id: NodeId,
  ) {}

  get address(): PeerAddress {
    return this.id;
  }

  async start(events: TransportEvents): Promise<void> {
    this.events = events;
    this.network.register(this);
  }

  setPeer(id: NodeId, address: PeerAddress = id): void {
    this.peers.set(id, address);
  }

  removePeer(id: NodeId): void {
    this.peers.delete(id);
  }

  send(m: Message): void {
    if (this.closed) return;
    const bytes = encodeMessage(m);
    const address = this.peers.get(m.to);
    const dest = address !== undefined ? this.network.route(this.id, address) : null;
    if (dest === null) {
      setImmediate(() => this.deliverEvent((e) => e.onUnreachable(m.to)));
      if (m.type === 'snapshot')
        setImmediate(() => this.deliverEvent((e) => e.onSnapshotStatus(m.to, false)));
      return;
    }
    setImmediate(() => {
      dest.receive(bytes);
      if (m.type === 'snapshot') this.deliverEvent((e) => e.onSnapshotStatus(m.to, true));
    });
  }

  onRequest(handler: RequestHandler): void {
    this.handler = handler;
  }

  request(to: NodeId, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new TransportError('TRANSPORT_CLOSED', 'transport closed'));
    const address = this.peers.get(to);
    if (address === undefined)
      return Promise.reject(new TransportError('TRANSPORT_UNKNOWN_PEER', `no address for peer ${to}`));
    const dest = this.network.reachable(this.id, address);
    if (dest === null)
      return Promise.reject(new TransportError('TRANSPORT_UNREACHABLE', `peer ${to} is unreachable`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new TransportError('TRANSPORT_TIMEOUT', `no reply from ${to} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      dest.serve(this.id, payload.slice()).then(
        (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(
            e instanceof TransportError
              ? e
              : new TransportError('TRANSPORT_REMOTE', e instanceof Error ? e.message : String(e)),
          );
        },
      );
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.network.unregister(this);
  }

  /** @internal */
  receive(bytes: Uint8Array): void {
    if (this.closed || this.events === null) return;
    this.network.delivered++;
    this.events.onMessage(decodeMessage(bytes));
  }

  /** @internal */
  async serve(from: NodeId, payload: Uint8Array): Promise<Uint8Array> {
    if (this.closed) throw new TransportError('TRANSPORT_CONNECTION_LOST', `${this.id} closed`);
    if (this.handler === null)
      throw new TransportError('TRANSPORT_REMOTE', `no request handler on ${this.id}`);
    return this.handler(from, payload);
  }

  private deliverEvent(f: (e: TransportEvents) => void): void {
    if (!this.closed && this.events !== null) f(this.events);
  }
}
