/**
 * The fault proxy: one TCP listener in front of each server's cluster port.
 * Server i is started with `--advertise 127.0.0.1:<its proxy port>` and joins
 * the others' proxy addresses, so every server-to-server connection passes
 * through the proxy in front of its destination. The first frame on a cluster
 * connection is a hello naming the caller (src/raft/transport/frames.ts); the
 * proxy reads just that frame to learn the source, then forwards bytes both
 * ways untouched.
 *
 * Every connection is two pipes: caller -> destination (requests, Raft
 * messages) and destination -> caller (answers to requests). A cut of the link
 * A -> B blocks every pipe that carries bytes from A to B: on connections A
 * opened to B (at B's proxy) the forward pipe, on connections B opened to A
 * (at A's proxy) the answer pipe. B -> A stays open: one-way partitions.
 *
 * A blocked forward pipe behaves as the cut's mode says:
 * - `stall`: bytes stop moving (the proxy stops reading; TCP back-pressure
 *   does the rest) and move again, late, when the link heals: a network that
 *   silently drops everything and then recovers without resetting connections;
 * - `reset`: the connection is destroyed and new ones from A are accepted and
 *   closed at once after their hello, until the link heals: a network that
 *   refuses.
 * A blocked answer pipe always stalls (resetting it would also cut B -> A).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { decodeHello, MAX_HELLO_BYTES } from '../../src/raft/transport/frames.js';
import { FRAME_HEADER_BYTES, FrameKind } from '../../src/raft/transport/framing.js';

export type CutMode = 'stall' | 'reset';

export interface NetworkStats {
  connections: number;
  refused: number;
  reset: number;
  bytes: number;
}

/** Shared link state: which directed links are cut, and how. */
export class FaultNetwork {
  private readonly cuts = new Map<string, CutMode>();
  private readonly proxies = new Map<string, FaultProxy>();
  readonly stats: NetworkStats = { connections: 0, refused: 0, reset: 0, bytes: 0 };

  /** Creates and starts the proxy in front of `node`, forwarding to 127.0.0.1:`targetPort`. */
  async addProxy(node: string, targetPort: number, listenPort = 0): Promise<FaultProxy> {
    const p = new FaultProxy(node, targetPort, this);
    await p.listen(listenPort);
    this.proxies.set(node, p);
    return p;
  }

  proxy(node: string): FaultProxy {
    const p = this.proxies.get(node);
    if (!p) throw new Error(`no proxy for ${node}`);
    return p;
  }

  mode(from: string, to: string): CutMode | null {
    return this.cuts.get(`${from}>${to}`) ?? null;
  }

  /** Cuts the directed link from -> to. */
  cut(from: string, to: string, mode: CutMode): void {
    if (from === to) return;
    this.cuts.set(`${from}>${to}`, mode);
    this.refresh();
  }

  /** Heals one directed link, or every link. */
  heal(from?: string, to?: string): void {
    if (from !== undefined && to !== undefined) this.cuts.delete(`${from}>${to}`);
    else this.cuts.clear();
    this.refresh();
  }

  /** The links cut now, as `a>b` strings. */
  get cutLinks(): string[] {
    return [...this.cuts.keys()].sort();
  }

  async close(): Promise<void> {
    this.cuts.clear();
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
    this.proxies.clear();
  }

  private refresh(): void {
    for (const p of this.proxies.values()) p.refresh();
  }
}

/** One direction of a proxied connection. */
class Pipe {
  /** Stopped because the destination's buffer is full. */
  private backpressure = false;
  /** Stopped because the link is cut. */
  private held = false;

  constructor(
    private readonly src: Socket,
    dst: Socket,
    onBytes: (n: number) => void,
  ) {
    src.on('data', (chunk: Buffer) => {
      onBytes(chunk.length);
      if (!dst.write(chunk)) {
        this.backpressure = true;
        this.update();
      }
    });
    dst.on('drain', () => {
      this.backpressure = false;
      this.update();
    });
  }

  hold(held: boolean): void {
    this.held = held;
    this.update();
  }

  private update(): void {
    if (this.src.destroyed) return;
    if (this.backpressure || this.held) this.src.pause();
    else this.src.resume();
  }
}

interface Conn {
  readonly from: string;
  readonly client: Socket;
  readonly upstream: Socket;
  readonly forward: Pipe;
  readonly answer: Pipe;
}

/** The proxy in front of one server. */
export class FaultProxy {
  private server: Server | null = null;
  private readonly conns = new Set<Conn>();
  private readonly pending = new Set<Socket>();
  port = 0;

  constructor(
    readonly node: string,
    readonly targetPort: number,
    private readonly net: FaultNetwork,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async listen(port: number): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const a = server.address();
    if (a === null || typeof a === 'string') throw new Error('proxy has no TCP address');
    this.port = a.port;
  }

  /** Connections open now, by source. */
  connectionsFrom(from: string): number {
    let n = 0;
    for (const c of this.conns) if (c.from === from) n++;
    return n;
  }

  /** Applies the current cuts to every open connection. */
  refresh(): void {
    for (const c of [...this.conns]) this.apply(c);
  }

  async close(): Promise<void> {
    for (const s of this.pending) s.destroy();
    for (const c of this.conns) {
      c.client.destroy();
      c.upstream.destroy();
    }
    this.conns.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private apply(c: Conn): void {
    const forward = this.net.mode(c.from, this.node);
    if (forward === 'reset') {
      this.net.stats.reset++;
      this.conns.delete(c);
      c.client.destroy();
      c.upstream.destroy();
      return;
    }
    c.forward.hold(forward === 'stall');
    c.answer.hold(this.net.mode(this.node, c.from) !== null);
  }

  private accept(client: Socket): void {
    if (this.server === null) {
      client.destroy();
      return;
    }
    client.setNoDelay(true);
    this.pending.add(client);
    let buffered = Buffer.alloc(0);
    const onError = () => client.destroy();
    client.on('error', onError);
    const timer = setTimeout(() => client.destroy(), 5000);
    client.once('close', () => {
      clearTimeout(timer);
      this.pending.delete(client);
    });
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < FRAME_HEADER_BYTES) return;
      const len = buffered.readUInt32BE(0);
      if (buffered[4] !== FrameKind.hello || len > MAX_HELLO_BYTES) {
        client.destroy();
        return;
      }
      if (buffered.length < FRAME_HEADER_BYTES + len) return;
      let from: string;
      try {
        from = decodeHello(buffered.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + len)).id;
      } catch {
        client.destroy();
        return;
      }
      client.off('data', onData);
      client.pause();
      clearTimeout(timer);
      this.pending.delete(client);
      this.open(client, from, buffered);
    };
    client.on('data', onData);
  }

  private open(client: Socket, from: string, first: Buffer): void {
    if (this.net.mode(from, this.node) === 'reset') {
      this.net.stats.refused++;
      client.destroy();
      return;
    }
    this.net.stats.connections++;
    const upstream = connect({ host: '127.0.0.1', port: this.targetPort, noDelay: true });
    const count = (n: number) => {
      this.net.stats.bytes += n;
    };
    const c: Conn = {
      from,
      client,
      upstream,
      forward: new Pipe(client, upstream, count),
      answer: new Pipe(upstream, client, count),
    };
    this.conns.add(c);
    const close = () => {
      this.conns.delete(c);
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', close);
    upstream.on('close', close);
    client.on('error', close);
    client.on('close', close);
    // The hello (and whatever came with it) goes first, through the pipe like the rest.
    client.unshift(first);
    this.apply(c);
  }
}
