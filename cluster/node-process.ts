import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, rmSync, type WriteStream, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled CLI, whether the caller runs from the sources (under vitest) or from dist/. */
export const CLI = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = dirname(here.endsWith(join('dist', 'cluster')) ? dirname(here) : here);
  return join(root, 'dist', 'src', 'cli', 'main.js');
})();

export interface NodeProcessOptions {
  /** Arguments after `node`: flags for node itself, then the script and its own arguments. */
  readonly argv: readonly string[];
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** stdout and stderr are appended here, across restarts. */
  readonly logPath: string;
  /** Holds the PID while the process runs, so whoever cleans up stops only what we started. */
  readonly pidPath: string;
}

/**
 * A Node.js child process that we started and that only we signal, by its
 * PID: the one way cluster launchers, benchmarks and the chaos harness run
 * servers. It can be restarted; each start appends to the same log.
 */
export class NodeProcess {
  private proc: ChildProcess | null = null;
  private log: WriteStream | null = null;
  /** Stopped with SIGSTOP and not yet continued. */
  paused = false;
  /** How many times it was started. */
  starts = 0;

  constructor(private readonly opts: NodeProcessOptions) {}

  get logPath(): string {
    return this.opts.logPath;
  }

  get pidPath(): string {
    return this.opts.pidPath;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** How the last run ended: its exit status, or null while it runs or if a signal ended it. */
  get exitCode(): number | null {
    return this.proc?.exitCode ?? null;
  }

  /** The signal that ended the last run, if one did. */
  get signalCode(): NodeJS.Signals | null {
    return this.proc?.signalCode ?? null;
  }

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  start(): void {
    if (this.running) throw new Error(`${this.opts.logPath}: the process is already running`);
    this.log = createWriteStream(this.opts.logPath, { flags: 'a' });
    const proc = spawn(process.execPath, [...this.opts.argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(this.opts.env ? { env: { ...process.env, ...this.opts.env } } : {}),
    });
    proc.stdout?.pipe(this.log, { end: false });
    proc.stderr?.pipe(this.log, { end: false });
    this.proc = proc;
    this.paused = false;
    this.starts++;
    if (proc.pid !== undefined) writeFileSync(this.opts.pidPath, `${proc.pid}\n`);
  }

  /** SIGKILL (a crash) or SIGTERM (a clean stop); resolves once the process is gone. */
  async stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const proc = this.proc;
    if (proc === null) return;
    if (this.running) {
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill(signal);
        // A stopped process acts on SIGTERM only once continued.
        if (this.paused && signal === 'SIGTERM') proc.kill('SIGCONT');
      });
    }
    this.proc = null;
    this.paused = false;
    this.log?.end();
    this.log = null;
    rmSync(this.opts.pidPath, { force: true });
  }

  /** SIGHUP: a cairn agent reloads its configuration (the cluster keys). */
  hangup(): void {
    if (this.running) this.proc?.kill('SIGHUP');
  }

  /** SIGSTOP: the process freezes as a VM or a long stall would. */
  pause(): void {
    if (!this.running || this.paused) return;
    this.proc?.kill('SIGSTOP');
    this.paused = true;
  }

  /** SIGCONT after pause(). */
  resume(): void {
    if (!this.paused) return;
    if (this.running) this.proc?.kill('SIGCONT');
    this.paused = false;
  }
}
