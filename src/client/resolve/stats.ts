import { Ewma } from '../../balance/index.js';
import type { LoadView } from './strategies.js';

interface Stat {
  inflight: number;
  readonly latency: Ewma;
}

/** What this client measured per instance: calls in flight and an EWMA of its latency. */
export class EndpointStats implements LoadView {
  readonly #stats = new Map<string, Stat>();

  constructor(private readonly halfLifeMs: number) {}

  started(id: string): void {
    this.#get(id).inflight++;
  }

  /** A call ended (either way) after `latencyMs`. */
  finished(id: string, latencyMs: number, now: number): void {
    const s = this.#get(id);
    s.inflight = Math.max(0, s.inflight - 1);
    if (Number.isFinite(latencyMs) && latencyMs >= 0) s.latency.observe(latencyMs, now);
  }

  inflight(id: string): number {
    return this.#stats.get(id)?.inflight ?? 0;
  }

  latencyMs(id: string, now: number): number | null {
    return this.#stats.get(id)?.latency.value(now) ?? null;
  }

  /** Forgets instances that are gone (unless calls to them are still running). */
  retain(ids: ReadonlySet<string>): void {
    for (const [id, s] of this.#stats) if (!ids.has(id) && s.inflight === 0) this.#stats.delete(id);
  }

  #get(id: string): Stat {
    let s = this.#stats.get(id);
    if (!s) {
      s = { inflight: 0, latency: new Ewma(this.halfLifeMs) };
      this.#stats.set(id, s);
    }
    return s;
  }
}
