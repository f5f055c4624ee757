export interface OutlierOptions {
  /** Failures in a row that eject an instance (default 3). */
  readonly consecutiveFailures?: number;
  /** First ejection (default 5 s); each further ejection without a success in between doubles it. */
  readonly baseEjectionMs?: number;
  readonly maxEjectionMs?: number;
  /** At most this share of the instances is ejected at once (default 0.5). */
  readonly maxEjectedShare?: number;
}

interface State {
  consecutive: number;
  ejections: number;
  ejectedUntil: number;
}

/**
 * Outlier detection, as Envoy does it for consecutive errors: an instance that fails N calls
 * in a row is left out of picks for a back-off period, then given another chance; if it fails
 * again it stays out twice as long; one success clears its record. Never ejects more than a
 * share of the instances (a client-side problem must not empty the pool), nor the last one.
 * Pure: callers pass the time.
 */
export class OutlierDetector {
  readonly #states = new Map<string, State>();
  readonly #threshold: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #share: number;

  constructor(opts: OutlierOptions = {}) {
    this.#threshold = Math.max(1, Math.floor(opts.consecutiveFailures ?? 3));
    this.#baseMs = Math.max(0, opts.baseEjectionMs ?? 5000);
    this.#maxMs = Math.max(this.#baseMs, opts.maxEjectionMs ?? 60_000);
    this.#share = Math.min(1, Math.max(0, opts.maxEjectedShare ?? 0.5));
  }

  /** A call succeeded: its record is cleared (and an ejected instance is back at once). */
  success(id: string): void {
    this.#states.delete(id);
  }

  /** Records a failed call; true if it ejected the instance. `total` is how many instances there are. */
  failure(id: string, now: number, total: number): boolean {
    let s = this.#states.get(id);
    if (!s) {
      s = { consecutive: 0, ejections: 0, ejectedUntil: 0 };
      this.#states.set(id, s);
    }
    if (s.ejectedUntil > now) return false;
    s.consecutive++;
    if (s.consecutive < this.#threshold) return false;
    const allowed = total >= 2 ? Math.max(1, Math.floor(this.#share * total)) : 0;
    if (this.ejectedCount(now) >= allowed) return false;
    s.ejections++;
    s.consecutive = 0;
    s.ejectedUntil = now + Math.min(this.#maxMs, this.#baseMs * 2 ** Math.min(s.ejections - 1, 30));
    return true;
  }

  isEjected(id: string, now: number): boolean {
    const s = this.#states.get(id);
    return s !== undefined && s.ejectedUntil > now;
  }

  ejectedCount(now: number): number {
    let n = 0;
    for (const s of this.#states.values()) if (s.ejectedUntil > now) n++;
    return n;
  }

  /** Forgets instances that are gone. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.#states.keys()) if (!ids.has(id)) this.#states.delete(id);
  }
}
