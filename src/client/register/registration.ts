import { Backoff } from '../backoff.js';
import type { Clock, Timer } from '../clock.js';
import { CairnError, ClosedError, HttpStatusError } from '../errors.js';
import { encodePath, type Transport } from '../http/transport.js';
import { heartbeatDelay, heartbeatRequest, type RegistrationSpec, registerBody } from './heartbeat.js';

export interface RegistrationStats {
  readonly heartbeats: number;
  readonly failures: number;
  /** Times the server had forgotten the instance (404) and it was registered again. */
  readonly reregistrations: number;
  /** Clock time of the last heartbeat that the server took, or null. */
  readonly lastHeartbeatAt: number | null;
  readonly lastError: string | null;
}

export interface RegistrationDeps {
  readonly transport: Transport;
  readonly clock: Clock;
  readonly random: () => number;
  readonly load?: () => number | Promise<number>;
  readonly onError: (e: CairnError) => void;
  /** Called once when the handle closes (to drop exit hooks and client tracking). */
  readonly onClosed: () => void;
}

/**
 * A registered instance, kept alive: heartbeats every ttl/3 (with jitter) on any server,
 * reporting load when given a function, retrying sooner (on another server) when one fails,
 * and registering again if the server has forgotten the instance. `close()` deregisters.
 */
export class Registration {
  readonly #backoff: Backoff;
  #timer: Timer | null = null;
  #beating: Promise<void> | null = null;
  #closed = false;
  #stats = {
    heartbeats: 0,
    failures: 0,
    reregistrations: 0,
    lastHeartbeatAt: null as number | null,
    lastError: null as string | null,
  };

  constructor(
    private readonly spec: RegistrationSpec,
    private readonly deps: RegistrationDeps,
  ) {
    this.#backoff = new Backoff({ baseMs: 100, maxMs: spec.ttlMs / 3, random: deps.random });
  }

  get id(): string {
    return this.spec.id;
  }

  get name(): string {
    return this.spec.name;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get stats(): RegistrationStats {
    return { ...this.#stats };
  }

  /** @internal Registers and starts heartbeating. */
  async start(): Promise<void> {
    await this.#register();
    this.#schedule(heartbeatDelay(this.spec.ttlMs, this.deps.random));
  }

  /** Stops heartbeating and deregisters the instance. */
  async close(): Promise<void> {
    if (!this.#stop()) return;
    // A beat in flight could register the instance again after the deregistration.
    await this.#beating;
    await this.deps.transport
      .request({
        method: 'PUT',
        path: `/v1/agent/service/deregister/${encodePath(this.spec.id)}`,
        idempotent: true,
        write: true,
        accept: [404],
      })
      .catch((e: unknown) => {
        if (!(e instanceof ClosedError)) throw e;
      });
  }

  /**
   * Stops heartbeating without deregistering: the instance goes critical when its TTL runs
   * out (and is reaped after DeregisterCriticalServiceAfter), as if the process had died.
   */
  async detach(): Promise<void> {
    this.#stop();
    await this.#beating;
  }

  #stop(): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = null;
    this.deps.onClosed();
    return true;
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    this.#timer = this.deps.clock.setTimeout(() => {
      this.#timer = null;
      this.#beating = this.#beat().finally(() => {
        this.#beating = null;
      });
    }, ms);
  }

  async #beat(): Promise<void> {
    const load = await this.#load();
    if (this.#closed) return;
    try {
      await this.#heartbeat(load);
    } catch (e) {
      if (this.#closed) return;
      if (e instanceof HttpStatusError && e.status === 404) {
        try {
          await this.#register();
          this.#stats.reregistrations++;
          await this.#heartbeat(load);
        } catch (again) {
          this.#failed(again);
          return;
        }
      } else {
        this.#failed(e);
        return;
      }
    }
    this.#backoff.reset();
    this.#schedule(heartbeatDelay(this.spec.ttlMs, this.deps.random));
  }

  #failed(e: unknown): void {
    if (this.#closed) return;
    this.#stats.failures++;
    this.#stats.lastError = e instanceof Error ? e.message : String(e);
    if (e instanceof CairnError) this.deps.onError(e);
    // Sooner than the regular beat, on whichever server the pool offers next.
    this.#schedule(this.#backoff.next());
  }

  async #heartbeat(load: number | null): Promise<void> {
    const { path, body } = heartbeatRequest(this.spec.id, load);
    const ttl = this.spec.ttlMs;
    await this.deps.transport.request({
      method: 'PUT',
      path,
      ...(body ? { body } : {}),
      idempotent: true,
      attemptTimeoutMs: Math.max(500, ttl / 3),
      deadlineMs: Math.max(1000, ttl / 2),
    });
    this.#stats.heartbeats++;
    this.#stats.lastHeartbeatAt = this.deps.clock.now();
  }

  /**
   * Registers the instance. The server places an agent registration on its own node, so a
   * registration whose outcome is unknown (the server timed out, or lost its leader mid-write)
   * must not simply be sent to another server: if the first one took it, that would make a second
   * copy on another node, and heartbeats by id would keep only one of them alive. It is looked up
   * first, and sent again only if no server has it.
   */
  async #register(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.transport.request({
          method: 'PUT',
          path: '/v1/agent/service/register',
          body: registerBody(this.spec),
          idempotent: false,
          write: true,
        });
        return;
      } catch (e) {
        if (e instanceof ClosedError || (e instanceof HttpStatusError && e.status !== 503)) throw e;
        if (attempt >= 3) throw e;
        if (await this.#exists()) return;
      }
    }
  }

  /** Whether any server has this instance (a 404 is authoritative: the server catches up first). */
  async #exists(): Promise<boolean> {
    const a = await this.deps.transport.request({
      method: 'GET',
      path: `/v1/agent/service/${encodePath(this.spec.id)}`,
      accept: [404],
    });
    return a.status === 200;
  }

  async #load(): Promise<number | null> {
    if (!this.deps.load) return null;
    try {
      const v = await this.deps.load();
      return Number.isFinite(v) && v >= 0 ? v : null;
    } catch {
      return null;
    }
  }
}
