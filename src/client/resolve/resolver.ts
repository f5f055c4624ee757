import { type Clock, sleep } from '../clock.js';
import { CallFailedError, ClosedError, NoEndpointsError, TimeoutError } from '../errors.js';
import type { FeedUpdate } from '../watch/feed.js';
import type { Endpoint } from './endpoint.js';
import { OutlierDetector, type OutlierOptions } from './outlier.js';
import { RetryBudget, type RetryBudgetOptions } from './retry-budget.js';
import { EndpointStats } from './stats.js';
import { type ClientStrategy, Picker } from './strategies.js';

export interface ResolveOptions {
  /** Default 'round_robin'. */
  readonly strategy?: ClientStrategy;
  /** Only instances with this tag. */
  readonly tag?: string;
  /** Only instances whose checks all pass (default true). */
  readonly passingOnly?: boolean;
  readonly outlier?: OutlierOptions;
  readonly retryBudget?: RetryBudgetOptions;
  /** Attempts per call, the first included (default 3). */
  readonly maxAttempts?: number;
  /** Half-life of the latency average used by 'least_latency' (default 10 s). */
  readonly latencyHalfLifeMs?: number;
}

export interface CallOptions {
  /** The key for 'hash' (a user id, a cache key): the same key goes to the same instance. */
  readonly key?: string;
  readonly maxAttempts?: number;
  /** One attempt's time limit: its signal aborts and it fails with TimeoutError. */
  readonly attemptTimeoutMs?: number;
  /** Whether an error is the instance's fault and worth another instance (default: every error). */
  readonly retryable?: (error: unknown) => boolean;
  /** How long to wait for the first instance list (default 10 s). */
  readonly waitForEndpointsMs?: number;
  /** Aborting stops the call (no further attempts). */
  readonly signal?: AbortSignal;
}

export interface AttemptContext {
  /** 0 for the first attempt. */
  readonly attempt: number;
  /** Aborted when the attempt times out or the call is aborted. */
  readonly signal: AbortSignal;
}

export interface EndpointStat {
  readonly id: string;
  readonly inflight: number;
  readonly latencyMs: number | null;
  readonly ejected: boolean;
}

/** Where the instance list comes from (a watch feed); the resolver is told of changes through `update`. */
export interface EndpointSource {
  readonly ready: Promise<void>;
  readonly hasState: boolean;
  close(): void;
}

export interface ResolverDeps {
  readonly feed: EndpointSource;
  readonly clock: Clock;
  readonly random: () => number;
  readonly onClose: () => void;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * A service resolved into a live list of instances (kept current by the watch stream), with
 * client-side balancing, retries on other instances under a retry budget, and outlier ejection.
 */
export class Resolver {
  readonly #stats: EndpointStats;
  readonly #outlier: OutlierDetector;
  readonly #budget: RetryBudget;
  readonly #picker: Picker;
  readonly #listeners = new Set<(endpoints: readonly Endpoint[]) => void>();
  readonly #maxAttempts: number;
  #list: readonly Endpoint[] = [];
  #closed = false;
  readonly ready: Promise<void>;

  constructor(
    readonly service: string,
    opts: ResolveOptions,
    private readonly deps: ResolverDeps,
  ) {
    this.#stats = new EndpointStats(opts.latencyHalfLifeMs ?? 10_000);
    this.#outlier = new OutlierDetector(opts.outlier);
    this.#budget = new RetryBudget(opts.retryBudget);
    this.#maxAttempts = Math.max(1, Math.floor(opts.maxAttempts ?? 3));
    this.#picker = new Picker(
      opts.strategy ?? 'round_robin',
      `${service}|${opts.tag ?? ''}`,
      deps.random,
      this.#stats,
    );
    this.ready = deps.feed.ready;
  }

  get strategy(): ClientStrategy {
    return this.#picker.strategy;
  }

  /** The current instances, sorted by id. */
  endpoints(): readonly Endpoint[] {
    return this.#list;
  }

  /** Calls `listener` with the new list whenever it changes; returns the unsubscribe function. */
  onChange(listener: (endpoints: readonly Endpoint[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** One pick by the strategy, leaving out ejected instances (unless every one is). */
  pick(key?: string): Endpoint | undefined {
    return this.#pick(NONE, key);
  }

  /**
   * Runs `fn` against a picked instance; when it throws (and `retryable` agrees) runs it again
   * on another instance, while attempts and the retry budget last. Counts the call as in flight
   * and measures its latency for 'least_outstanding' and 'least_latency'; failures in a row
   * eject an instance for a back-off period.
   */
  async call<T>(
    fn: (endpoint: Endpoint, ctx: AttemptContext) => Promise<T>,
    opts: CallOptions = {},
  ): Promise<T> {
    if (this.#closed) throw new ClosedError(`resolver of "${this.service}"`);
    await this.#waitForList(opts.waitForEndpointsMs ?? 10_000);
    const { clock } = this.deps;
    this.#budget.recordCall(clock.now());
    const tried = new Set<string>();
    const errors: unknown[] = [];
    const max = Math.max(1, Math.floor(opts.maxAttempts ?? this.#maxAttempts));
    for (let attempt = 0; ; attempt++) {
      const ep = this.#pick(tried, opts.key);
      if (!ep) {
        if (errors.length === 0) throw new NoEndpointsError(this.service);
        throw new CallFailedError(this.service, 'instances', errors);
      }
      tried.add(ep.id);
      const started = clock.now();
      this.#stats.started(ep.id);
      try {
        const value = await this.#attempt(fn, ep, attempt, opts);
        const now = clock.now();
        this.#stats.finished(ep.id, now - started, now);
        this.#outlier.success(ep.id);
        return value;
      } catch (e) {
        const now = clock.now();
        this.#stats.finished(ep.id, now - started, now);
        errors.push(e);
        if (opts.signal?.aborted) throw e;
        if (opts.retryable && !opts.retryable(e)) throw e;
        this.#outlier.failure(ep.id, now, this.#list.length);
        if (attempt + 1 >= max) throw new CallFailedError(this.service, 'attempts', errors);
        if (!this.#budget.tryRetry(now)) throw new CallFailedError(this.service, 'budget', errors);
      }
    }
  }

  /** What the client measured per instance. */
  stats(): EndpointStat[] {
    const now = this.deps.clock.now();
    return this.#list.map((e) => ({
      id: e.id,
      inflight: this.#stats.inflight(e.id),
      latencyMs: this.#stats.latencyMs(e.id, now),
      ejected: this.#outlier.isEjected(e.id, now),
    }));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.deps.feed.close();
    this.#listeners.clear();
    this.deps.onClose();
  }

  /** @internal Called by the feed. */
  update(u: FeedUpdate<Endpoint>): void {
    this.#list = [...u.items.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const ids = new Set(u.items.keys());
    this.#outlier.retain(ids);
    this.#stats.retain(ids);
    for (const l of [...this.#listeners]) l(this.#list);
  }

  #pick(exclude: ReadonlySet<string>, key: string | undefined): Endpoint | undefined {
    const now = this.deps.clock.now();
    let list = this.#list;
    if (exclude.size > 0 || this.#outlier.ejectedCount(now) > 0) {
      const left = list.filter((e) => !exclude.has(e.id));
      const healthy = left.filter((e) => !this.#outlier.isEjected(e.id, now));
      list = healthy.length > 0 ? healthy : left;
    }
    return this.#picker.pick(list, now, key);
  }

  async #attempt<T>(
    fn: (endpoint: Endpoint, ctx: AttemptContext) => Promise<T>,
    ep: Endpoint,
    attempt: number,
    opts: CallOptions,
  ): Promise<T> {
    if (opts.signal?.aborted) throw new ClosedError('call');
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const limit = opts.attemptTimeoutMs;
    let timer: { cancel(): void } | null = null;
    try {
      const run = fn(ep, { attempt, signal: ac.signal });
      if (limit === undefined) return await run;
      const timeout = new Promise<never>((_, reject) => {
        timer = this.deps.clock.setTimeout(() => {
          ac.abort();
          reject(new TimeoutError(`call to ${ep.id}`, limit));
        }, limit);
      });
      run.catch(() => {});
      return await Promise.race([run, timeout]);
    } finally {
      (timer as { cancel(): void } | null)?.cancel();
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  async #waitForList(ms: number): Promise<void> {
    if (this.deps.feed.hasState) return;
    const ac = new AbortController();
    // The client's timers never keep a process alive, so while the feed waits to reconnect
    // nothing might; a script awaiting this call would then exit (code 13) with the call
    // unsettled. A caller waiting is a reason to stay alive, until the list or the deadline.
    const keepAlive = setInterval(() => {}, 60_000);
    try {
      await Promise.race([this.deps.feed.ready, sleep(this.deps.clock, ms, ac.signal)]);
    } finally {
      clearInterval(keepAlive);
      ac.abort();
    }
    if (!this.deps.feed.hasState) throw new NoEndpointsError(this.service);
  }
}
