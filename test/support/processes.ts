import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from this file's place in src or dist. */
export const repoRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!dir.endsWith('/test') && dir !== '/') dir = dirname(dir);
  const up = dirname(dir);
  return up.endsWith('/dist') ? dirname(up) : up;
})();

export const distScript = (rel: string) => join(repoRoot, 'dist', rel);

/** A child process we started, stopped only by its own PID. */
export class Child {
  readonly proc: ChildProcess;
  output = '';

  constructor(script: string, args: readonly string[]) {
    this.proc = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer) => {
      this.output += b.toString();
      if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
    };
    this.proc.stdout?.on('data', keep);
    this.proc.stderr?.on('data', keep);
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive) return Promise.resolve();
    return new Promise((resolve) => {
      this.proc.once('exit', () => resolve());
      this.proc.kill(signal);
    });
  }
}

export { freePorts, waitUntil as waitFor } from '../../cluster/index.js';
