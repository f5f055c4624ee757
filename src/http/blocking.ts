import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CairnServer } from '../server/index.js';
import { HttpError } from './errors.js';
import { type ClientLimits, clientAddress } from './limits/index.js';
import { type Query, query } from './params.js';

/** What a read endpoint computes from the local state. */
export interface ReadAnswer {
  /** The index of the last change that could affect this answer. */
  readonly index: number;
  readonly body: unknown;
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ReadSpec {
  /** What to wait on (see state/topics.ts). */
  readonly topics: readonly string[];
  readonly compute: () => ReadAnswer;
  /**
   * Whether waiters on the same query at the same state may share one
   * answer. Not for answers that differ per call (a rotating balancer).
   */
  readonly shared: boolean;
}

/**
 * The one path every read endpoint takes: consistency barrier, then an
 * answer computed from local state, held (for `?index=N`) until the answer's
 * index passes N or the wait ends, with Consul's query headers. Answers are
 * shared among waiters of the same query at the same applied index, so a
 * change that wakes ten thousand waiters computes each distinct answer once.
 * A client address may hold only so many queries at once (`ClientLimits.blocking`):
 * one more is answered 429 at once instead of being held.
 */
export class Reads {
  private cache = new Map<string, ReadAnswer>();
  private cacheAt = -1;
  private closing = false;
  private readonly texts = new WeakMap<ReadAnswer, string>();

  /** Shutting down: every held request answers now with what it has, so the server can stop. */
  close(): void {
    this.closing = true;
    this.server.wakeAllWaiters();
  }

  constructor(
    private readonly server: CairnServer,
    private readonly limits: ClientLimits,
  ) {}

  async answer(req: FastifyRequest, reply: FastifyReply, spec: ReadSpec): Promise<void> {
    const q = query(req);
    // Parsed by the request hook (request-info.ts) for routes the table declares `blocking`.
    const mode = req.cairn.consistency;
    const block = req.cairn.blocking;
    if (mode === null || block === null) {
      throw new Error(`${req.routeOptions.url ?? req.url} answers a blocking read but is not declared one`);
    }
    const { minIndex, waitMs } = block;
    await this.server.readBarrier(mode);
    const key = spec.shared ? cacheKey(req.url, q) : null;
    let a = this.compute(key, spec);
    if (minIndex > 0 && a.index <= minIndex && !this.closing) {
      const client = clientAddress(req);
      const release = this.limits.blocking.take(client);
      if (release === null) {
        this.limits.refused('blocking');
        this.headers(reply, a.index, mode);
        throw tooManyBlocking(client, this.limits.blocking.max);
      }
      try {
        a = await this.hold(reply, spec, key, a, minIndex, waitMs);
      } finally {
        release();
      }
    }
    this.headers(reply, a.index, mode);
    if (a.headers) for (const [k, v] of Object.entries(a.headers)) reply.header(k, v);
    reply.code(a.status ?? 200);
    if (Buffer.isBuffer(a.body) || typeof a.body === 'string') {
      reply.send(a.body);
      return;
    }
    // Serialized once per answer: waiters sharing an answer share its text too. (This also sends
    // the JSON literal null, which fastify would send as an empty body: an unknown catalog node.)
    let text = this.texts.get(a);
    if (text === undefined) {
      text = JSON.stringify(a.body) ?? 'null';
      this.texts.set(a, text);
    }
    reply.type('application/json; charset=utf-8').send(text);
  }

  /** Waits until the answer's index passes `minIndex`, the wait ends, the client leaves or the server closes. */
  private async hold(
    reply: FastifyReply,
    spec: ReadSpec,
    key: string | null,
    first: ReadAnswer,
    minIndex: number,
    waitMs: number,
  ): Promise<ReadAnswer> {
    let a = first;
    // Consul adds up to wait/16 so that clients woken together do not all come back together.
    const deadline = performance.now() + waitMs + Math.random() * (waitMs / 16);
    // The client may have gone during the read barrier, before this listens for it.
    let closed = reply.raw.destroyed;
    const onClose = () => {
      closed = true;
    };
    reply.raw.once('close', onClose);
    try {
      while (a.index <= minIndex && !closed && !this.closing) {
        const left = deadline - performance.now();
        if (left <= 0) break;
        await this.waitFor(spec.topics, left, reply);
        a = this.compute(key, spec);
      }
    } finally {
      reply.raw.off('close', onClose);
    }
    return a;
  }

  /** Sets Consul's query headers (also used by reads that do not go through `answer`). */
  headers(reply: FastifyReply, index: number, mode: string): void {
    const lastContact = this.server.lastContactMs();
    reply.header('X-Consul-Index', String(Math.max(1, index)));
    reply.header('X-Consul-KnownLeader', String(this.server.leader() !== null));
    reply.header('X-Consul-LastContact', String(Math.max(0, lastContact)));
    reply.header('X-Consul-Effective-Consistency', mode === 'default' ? 'leader' : mode);
  }

  private compute(key: string | null, spec: ReadSpec): ReadAnswer {
    if (key === null) return spec.compute();
    const applied = this.server.view.applied;
    if (applied !== this.cacheAt) {
      this.cache = new Map();
      this.cacheAt = applied;
    }
    let a = this.cache.get(key);
    if (!a) {
      a = spec.compute();
      // Bounded: the cache holds answers for one applied index only, and at most this many.
      if (this.cache.size < 10_000) this.cache.set(key, a);
    }
    return a;
  }

  private waitFor(topics: readonly string[], ms: number, reply: FastifyReply): Promise<void> {
    return new Promise((resolve) => {
      let cancel = () => {};
      const finish = () => {
        clearTimeout(timer);
        cancel();
        reply.raw.off('close', finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      cancel = this.server.view.hub.wait(topics, finish);
      reply.raw.once('close', finish);
    });
  }
}

function tooManyBlocking(client: string, max: number): HttpError {
  return new HttpError(
    'HTTP_CLIENT_LIMIT',
    `Too many blocking queries from ${client}: at most ${max} may wait at once per client address (http_max_blocking_per_client); retry once one of them has answered`,
  );
}

function cacheKey(url: string, q: Query): string {
  const path = url.split('?')[0] ?? url;
  const rest = Object.entries(q)
    .filter(([k]) => k !== 'index' && k !== 'wait')
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return `${path}?${JSON.stringify(rest)}`;
}
