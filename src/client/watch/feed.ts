import { Backoff } from '../backoff.js';
import { type Clock, sleep } from '../clock.js';
import { type CairnError, ClosedError, ProtocolError } from '../errors.js';
import type { Answer, QueryValue, Transport } from '../http/transport.js';
import type { Json, WatchMessage } from '../wire.js';
import type { SocketState, SocketSubscriber } from './socket.js';
import { type Item, KeyedView } from './view.js';

/** What one kind of watch (a KV key or prefix, a service) needs from the stream and from long polls. */
export interface FeedSpec<T> {
  readonly what: string;
  /** Subscription fields for the WebSocket (`{kind, key, recurse}`). */
  subscription(): Json;
  snapshot(m: WatchMessage): Item<T>[];
  change(m: WatchMessage): { readonly upsert: Item<T>[]; readonly remove: string[] };
  /** The blocking query that answers the same question. */
  poll(): { readonly path: string; readonly query: Readonly<Record<string, QueryValue>> };
  /** The items of a blocking query's answer (a 404 is accepted, for "nothing there"). */
  pollItems(a: Answer): Item<T>[];
}

export interface FeedUpdate<T> {
  readonly index: number;
  readonly items: ReadonlyMap<string, T>;
  readonly upserted: readonly string[];
  readonly removed: readonly string[];
  /** The first state of this watch. */
  readonly first: boolean;
  /** A full state (the first, or a fresh one after the server could not replay what was missed). */
  readonly reset: boolean;
}

/** The part of the watch socket a feed uses. */
export interface FeedSocket {
  readonly state: SocketState;
  add(id: string, subscriber: SocketSubscriber): void;
  remove(id: string): void;
  resubscribe(id: string): void;
}

export interface FeedOptions<T> {
  readonly socket: FeedSocket;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly random: () => number;
  /** How long one blocking query waits on the server. */
  readonly pollWaitMs: number;
  readonly onUpdate: (u: FeedUpdate<T>) => void;
  readonly onError: (e: CairnError) => void;
}

/**
 * One watch, kept current from the WebSocket stream, or from blocking queries while the socket
 * is unavailable. Both share the index last seen, so switching either way resumes where the
 * other left off; a change whose `prevIndex` is above that index means events were missed, and
 * the subscription is restarted from it (the server replays, or resets with a snapshot).
 */
export class Feed<T> implements SocketSubscriber {
  readonly #view = new KeyedView<T>();
  #index = 0;
  #hasState = false;
  #closed = false;
  #polling: AbortController | null = null;
  #resolveReady: () => void = () => {};
  readonly ready: Promise<void>;

  constructor(
    private readonly id: string,
    private readonly spec: FeedSpec<T>,
    private readonly opts: FeedOptions<T>,
  ) {
    this.ready = new Promise((resolve) => {
      this.#resolveReady = resolve;
    });
  }

  get index(): number {
    return this.#index;
  }

  get items(): ReadonlyMap<string, T> {
    return this.#view.values;
  }

  get hasState(): boolean {
    return this.#hasState;
  }

  /** 'websocket' or 'long-poll': how this watch is currently kept up to date. */
  get mode(): 'websocket' | 'long-poll' {
    return this.#polling ? 'long-poll' : 'websocket';
  }

  start(): void {
    this.opts.socket.add(this.id, this);
    if (this.opts.socket.state === 'long-poll') this.#startPolling();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.opts.socket.remove(this.id);
    this.#stopPolling();
  }

  subscription(): Json {
    return this.spec.subscription();
  }

  resumeIndex(): number {
    return this.#hasState ? this.#index : 0;
  }

  onState(state: SocketState): void {
    if (state === 'long-poll') this.#startPolling();
    else if (state === 'open') this.#stopPolling();
  }

  onMessage(m: WatchMessage): void {
    if (this.#closed) return;
    try {
      switch (m.event) {
        case 'error':
          this.opts.onError(new ProtocolError(`${this.spec.what}: the server refused the watch: ${m.error}`));
          return;
        case 'snapshot':
          this.#emit(m.index, this.#view.replace(this.spec.snapshot(m)), m.reset);
          return;
        case 'change': {
          if (!this.#hasState || m.index <= this.#index) return;
          if (m.prevIndex > this.#index) {
            this.opts.socket.resubscribe(this.id);
            return;
          }
          const c = this.spec.change(m);
          this.#emit(m.index, this.#view.apply(c.upsert, c.remove), false);
          return;
        }
        default:
          return;
      }
    } catch (e) {
      this.opts.onError(e instanceof ProtocolError ? e : new ProtocolError(String(e)));
    }
  }

  #emit(
    index: number,
    delta: { upserted: readonly string[]; removed: readonly string[] },
    reset: boolean,
  ): void {
    const first = !this.#hasState;
    this.#index = index;
    this.#hasState = true;
    if (first || delta.upserted.length > 0 || delta.removed.length > 0) {
      this.opts.onUpdate({ index, items: this.#view.values, ...delta, first, reset: reset || first });
    }
    if (first) this.#resolveReady();
  }

  #startPolling(): void {
    if (this.#polling || this.#closed) return;
    const ac = new AbortController();
    this.#polling = ac;
    void this.#pollLoop(ac.signal);
  }

  #stopPolling(): void {
    this.#polling?.abort();
    this.#polling = null;
  }

  async #pollLoop(signal: AbortSignal): Promise<void> {
    const { transport, clock, pollWaitMs } = this.opts;
    const backoff = new Backoff({ baseMs: 200, maxMs: 5000, random: this.opts.random });
    while (!signal.aborted) {
      const { path, query } = this.spec.poll();
      try {
        const a = await transport.request({
          method: 'GET',
          path,
          query: {
            ...query,
            ...(this.#hasState && this.#index > 0 ? { index: this.#index, wait: `${pollWaitMs}ms` } : {}),
          },
          accept: [404],
          attemptTimeoutMs: pollWaitMs + pollWaitMs / 16 + 5000,
          deadlineMs: 2 * pollWaitMs + 10_000,
          signal,
        });
        if (signal.aborted) return;
        const items = this.spec.pollItems(a);
        // An index that goes back (a restored snapshot) restarts from the answer, as Consul advises.
        const index = a.index ?? 0;
        this.#emit(index, this.#view.replace(items), this.#hasState && index < this.#index);
        backoff.reset();
      } catch (e) {
        if (signal.aborted || e instanceof ClosedError) return;
        if (e instanceof ProtocolError) this.opts.onError(e);
        await sleep(clock, backoff.next(), signal);
      }
    }
  }
}
