/** Helpers of the client tests: seeded randomness, a fake clock, endpoints, a TCP proxy. */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Clock, Endpoint, Timer } from '../../src/client/index.js';

/** Seeded randomness; the seed goes in failure messages. */
export { mulberry32 as rng } from '../support/random.js';

/** A clock that moves only when told to, running due timers in order. */
export class FakeClock implements Clock {
  #now = 0;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return { cancel: () => this.#timers.delete(id) };
  }

  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | null = null;
      for (const e of this.#timers) if (e[1].at <= until && (next === null || e[1].at < next[1].at)) next = e;
      if (next === null) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
    }
    this.#now = until;
  }
}

export function endpoint(id: string, extra: Partial<Endpoint> = {}): Endpoint {
  const [node = 'n1', serviceId = id] = id.includes('/') ? id.split('/') : ['n1', id];
  return {
    id: id.includes('/') ? id : `${node}/${serviceId}`,
    node,
    serviceId,
    service: 'svc',
    address: '127.0.0.1',
    port: 1,
    tags: [],
    meta: {},
    weights: { passing: 1, warning: 1 },
    status: 'passing',
    ...extra,
  };
}

/**
 * A TCP proxy to `target` on a fixed local port, for cutting a client off a server and back:
 * `cut()` drops every connection and stops listening, `restore()` listens again. With
 * `refuseWatch`, WebSocket upgrades to /v1/watch get a 404, as from a server without watches.
 */
export class TcpProxy {
  #server: Server | null = null;
  #port = 0;
  readonly #sockets = new Set<Socket>();

  private constructor(
    private readonly target: number,
    private readonly refuseWatch: boolean,
  ) {}

  static async start(target: number, refuseWatch = false): Promise<TcpProxy> {
    const p = new TcpProxy(target, refuseWatch);
    await p.#listen();
    return p;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async cut(): Promise<void> {
    const s = this.#server;
    this.#server = null;
    for (const c of this.#sockets) c.destroy();
    this.#sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  async restore(): Promise<void> {
    if (!this.#server) await this.#listen();
  }

  #listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = createServer((c) => this.#accept(c));
      s.once('error', reject);
      s.listen(this.#port, '127.0.0.1', () => {
        this.#server = s;
        const a = s.address();
        if (typeof a === 'object' && a !== null) this.#port = a.port;
        resolve();
      });
    });
  }

  #accept(client: Socket): void {
    this.#sockets.add(client);
    client.on('close', () => this.#sockets.delete(client));
    client.on('error', () => {});
    client.once('data', (first) => {
      if (this.refuseWatch && /^GET \/v1\/watch[ ?]/.test(first.toString('latin1'))) {
        client.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      const upstream = connect(this.target, '127.0.0.1', () => {
        upstream.write(first);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      this.#sockets.add(upstream);
      upstream.on('close', () => {
        this.#sockets.delete(upstream);
        client.destroy();
      });
      upstream.on('error', () => {});
      client.on('close', () => upstream.destroy());
    });
  }
}
