import WebSocket from 'ws';
import { Backoff } from '../backoff.js';
import type { Clock, Timer } from '../clock.js';
import { describe } from '../errors.js';
import { describeFailure } from '../http/classify.js';
import { type ServerPool, watchUrl } from '../http/server-pool.js';
import type { TlsConnectOptions } from '../tls/index.js';
import { type Json, type WatchMessage, watchMessage } from '../wire.js';

/**
 * - open         the socket is connected and every subscription has been (re)sent
 * - down         it went away; reconnecting
 * - long-poll    watches should use blocking queries until the socket is back
 */
export type SocketState = 'open' | 'down' | 'long-poll';
export type WatchTransport = 'auto' | 'websocket' | 'long-poll';

export interface SocketSubscriber {
  /** Subscription fields without op, id and index (`{kind: "kv", key, recurse}`). */
  subscription(): Json;
  /** Resume after this index (0: start with a snapshot). */
  resumeIndex(): number;
  onMessage(m: WatchMessage): void;
  onState(state: SocketState): void;
}

export interface WatchSocketOptions {
  readonly pool: ServerPool;
  readonly clock: Clock;
  readonly random: () => number;
  readonly token?: string;
  readonly transport: WatchTransport;
  /** The client pings this often; no message for two periods means the server is gone. */
  readonly pingEveryMs: number;
  readonly connectTimeoutMs: number;
  /** Failed connection attempts in a row before watches fall back to long polls ('auto'). */
  readonly fallbackAfterFailures: number;
  /** While in fallback, how often the socket is tried again. */
  readonly retryWebSocketMs: number;
  /** For wss: the CA, and a client certificate. */
  readonly tls?: TlsConnectOptions;
}

interface Sub {
  readonly subscriber: SocketSubscriber;
  gen: number;
}

/**
 * One WebSocket to GET /v1/watch, shared by every watch of the client. It connects to a server
 * from the pool, (re)subscribes everything on each connect with the index each subscriber has
 * seen (the server replays what came after it, or sends a reset snapshot), reconnects to another
 * server when it drops, and detects a dead server by pinging. When it cannot connect
 * ('fallbackAfterFailures' times in a row, or a server refuses the upgrade) watches are told to
 * use long polls; it keeps trying every `retryWebSocketMs` and tells them when it is back.
 *
 * Wire ids are `<watch id>#<generation>`: resubscribing bumps the generation, so stray events of
 * the old subscription are recognised and dropped.
 */
export class WatchSocket {
  readonly #subs = new Map<string, Sub>();
  readonly #backoff: Backoff;
  #ws: WebSocket | null = null;
  #url: string | null = null;
  #open = false;
  #state: SocketState;
  #failures = 0;
  #closed = false;
  #retry: Timer | null = null;
  #pinger: Timer | null = null;
  #lastHeard = 0;
  #lastError = '';

  constructor(private readonly opts: WatchSocketOptions) {
    this.#backoff = new Backoff({ baseMs: 100, maxMs: 3000, random: opts.random });
    this.#state = opts.transport === 'long-poll' ? 'long-poll' : 'down';
  }

  get state(): SocketState {
    return this.#state;
  }

  /** The server the socket is connected to, or null. */
  get connectedTo(): string | null {
    return this.#open ? this.#url : null;
  }

  /** Why the last connection failed or closed ('' if none has). */
  get lastError(): string {
    return this.#lastError;
  }

  add(id: string, subscriber: SocketSubscriber): void {
    const sub: Sub = { subscriber, gen: 0 };
    this.#subs.set(id, sub);
    if (this.#open) this.#subscribe(id, sub);
    else this.#ensureConnecting();
  }

  remove(id: string): void {
    const sub = this.#subs.get(id);
    if (!sub) return;
    this.#subs.delete(id);
    if (this.#open) this.#send({ op: 'unsubscribe', id: `${id}#${sub.gen}` });
    if (this.#subs.size === 0) this.#disconnect();
  }

  /** Starts the subscription again from its subscriber's index (after a gap). */
  resubscribe(id: string): void {
    const sub = this.#subs.get(id);
    if (!sub || !this.#open) return;
    this.#send({ op: 'unsubscribe', id: `${id}#${sub.gen}` });
    sub.gen++;
    this.#subscribe(id, sub);
  }

  close(): void {
    this.#closed = true;
    this.#subs.clear();
    this.#disconnect();
  }

  #ensureConnecting(): void {
    if (this.opts.transport === 'long-poll' || this.#closed || this.#ws !== null || this.#retry !== null)
      return;
    if (this.#subs.size === 0) return;
    this.#connect();
  }

  #connect(): void {
    const { pool, clock } = this.opts;
    const url = pool.order(clock.now())[0] as string;
    this.#url = url;
    let opened = false;
    let refused = false;
    const ws = new WebSocket(watchUrl(url), {
      handshakeTimeout: this.opts.connectTimeoutMs,
      ...this.opts.tls,
      ...(this.opts.token ? { headers: { 'X-Consul-Token': this.opts.token } } : {}),
    });
    this.#ws = ws;
    ws.on('open', () => {
      if (this.#ws !== ws) return;
      opened = true;
      this.#open = true;
      this.#failures = 0;
      this.#backoff.reset();
      this.#lastHeard = clock.now();
      pool.succeeded(url);
      for (const [id, sub] of this.#subs) this.#subscribe(id, sub);
      this.#setState('open');
      this.#schedulePing();
    });
    ws.on('message', (data, isBinary) => {
      if (this.#ws !== ws || isBinary) return;
      this.#lastHeard = clock.now();
      this.#route(data.toString());
    });
    ws.on('error', (e) => {
      this.#lastError = describeFailure(e, describe(e));
      // The server answered the upgrade with a plain HTTP status: it does not do WebSockets.
      if (/Unexpected server response: \d+/.test(this.#lastError)) refused = true;
    });
    ws.on('close', () => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.#open = false;
      this.#pinger?.cancel();
      this.#pinger = null;
      if (this.#closed || this.#subs.size === 0) return;
      pool.failed(url, clock.now());
      if (!opened) this.#failures++;
      const fallback =
        this.opts.transport === 'auto' && (refused || this.#failures >= this.opts.fallbackAfterFailures);
      this.#setState(fallback ? 'long-poll' : 'down');
      const delay = fallback ? this.opts.retryWebSocketMs : this.#backoff.next();
      this.#retry = clock.setTimeout(() => {
        this.#retry = null;
        this.#ensureConnecting();
      }, delay);
    });
  }

  #subscribe(id: string, sub: Sub): void {
    const index = sub.subscriber.resumeIndex();
    this.#send({
      op: 'subscribe',
      id: `${id}#${sub.gen}`,
      ...sub.subscriber.subscription(),
      ...(index > 0 ? { index } : {}),
      ...(this.opts.token ? { token: this.opts.token } : {}),
    });
  }

  #route(text: string): void {
    let m: WatchMessage;
    try {
      m = watchMessage(text);
    } catch {
      return;
    }
    if (m.id === null) return;
    const hash = m.id.lastIndexOf('#');
    const sub = this.#subs.get(m.id.slice(0, hash));
    if (!sub || hash < 0 || m.id.slice(hash + 1) !== String(sub.gen)) return;
    sub.subscriber.onMessage(m);
  }

  #send(msg: Json): void {
    if (this.#ws && this.#open) this.#ws.send(JSON.stringify(msg));
  }

  #schedulePing(): void {
    this.#pinger = this.opts.clock.setTimeout(() => {
      const ws = this.#ws;
      if (!ws || !this.#open) return;
      if (this.opts.clock.now() - this.#lastHeard > 2 * this.opts.pingEveryMs) {
        // Nothing heard for two periods, not even a pong: the server is gone or stuck.
        ws.terminate();
        return;
      }
      this.#send({ op: 'ping' });
      this.#schedulePing();
    }, this.opts.pingEveryMs);
  }

  #setState(s: SocketState): void {
    if (s === this.#state) return;
    this.#state = s;
    for (const sub of [...this.#subs.values()]) sub.subscriber.onState(s);
  }

  #disconnect(): void {
    this.#retry?.cancel();
    this.#retry = null;
    this.#pinger?.cancel();
    this.#pinger = null;
    const ws = this.#ws;
    this.#ws = null;
    this.#open = false;
    if (ws) ws.terminate();
    if (!this.#closed && this.opts.transport !== 'long-poll') this.#state = 'down';
  }
}
