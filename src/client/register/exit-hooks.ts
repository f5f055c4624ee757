export type ExitSignal = 'SIGINT' | 'SIGTERM';
const SIGNALS: readonly ExitSignal[] = ['SIGINT', 'SIGTERM'];

/** The part of `process` the hooks use (injectable for tests). */
export interface SignalTarget {
  readonly pid: number;
  on(signal: ExitSignal, listener: (signal: NodeJS.Signals) => void): unknown;
  removeListener(signal: ExitSignal, listener: (signal: NodeJS.Signals) => void): unknown;
  listenerCount(signal: ExitSignal): number;
  kill(pid: number, signal: ExitSignal): unknown;
}

/**
 * Deregisters on SIGINT and SIGTERM, then lets the process exit as it would have: listening to
 * a signal disables Node's default action (exit), so when ours was the only listener the signal
 * is raised again once the closers are done (or after `timeoutMs`); when the application
 * listens too, the decision is left to it. A second signal during the wait raises at once.
 * Listens only while there is something to close.
 */
export class ExitHooks {
  readonly #closers = new Set<() => Promise<void>>();
  #installed = false;
  #running = false;

  constructor(
    private readonly target: SignalTarget,
    private readonly timeoutMs = 3000,
  ) {}

  get size(): number {
    return this.#closers.size;
  }

  /** Runs `closer` on an exit signal; the returned function takes it back. */
  add(closer: () => Promise<void>): () => void {
    this.#closers.add(closer);
    this.#install();
    return () => {
      this.#closers.delete(closer);
      if (this.#closers.size === 0 && !this.#running) this.#uninstall();
    };
  }

  readonly #listener = (signal: NodeJS.Signals): void => {
    void this.#onSignal(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
  };

  async #onSignal(signal: ExitSignal): Promise<void> {
    if (this.#running) {
      this.#uninstall();
      this.target.kill(this.target.pid, signal);
      return;
    }
    this.#running = true;
    const others = this.target.listenerCount(signal) - 1;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#closers].map((c) => c())),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.#running = false;
    this.#uninstall();
    if (others <= 0) this.target.kill(this.target.pid, signal);
  }

  #install(): void {
    if (this.#installed) return;
    this.#installed = true;
    for (const s of SIGNALS) this.target.on(s, this.#listener);
  }

  #uninstall(): void {
    if (!this.#installed) return;
    this.#installed = false;
    for (const s of SIGNALS) this.target.removeListener(s, this.#listener);
  }
}

/** The hooks of this process. */
export const processExitHooks = new ExitHooks(process);
