import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stageClientPackage } from '../../scripts/pack-client.js';
import { repoRoot } from '../support/processes.js';
import type { RunFence } from './fences.js';

/** What one example did. */
export interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
}

/**
 * Where the examples run: a `cairn` command on PATH (the compiled CLI), a curlrc that makes every
 * curl fail on an HTTP error (a doc example answered 4xx/5xx is wrong, not "shown"), and the JS
 * examples' files inside the repository so that `cairn/client`, `consul` and `ws` resolve as they
 * do for a user who installed them.
 */
export class ExampleEnv {
  private readonly home: string;
  private readonly jsDir: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly background: ChildProcess[] = [];
  private seq = 0;

  constructor(httpPort: number) {
    this.home = mkdtempSync(join(tmpdir(), 'cairn-docs-'));
    const bin = join(this.home, 'bin');
    mkdirSync(bin);
    const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
    writeFileSync(join(bin, 'cairn'), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`);
    chmodSync(join(bin, 'cairn'), 0o755);
    // curl reads $CURL_HOME/.curlrc; each answer ends with a newline so outputs do not run together.
    writeFileSync(join(this.home, '.curlrc'), 'fail-with-body\nsilent\nshow-error\nwrite-out = "\\n"\n');
    mkdirSync(join(repoRoot, 'tmp'), { recursive: true });
    this.jsDir = mkdtempSync(join(repoRoot, 'tmp', 'docs-examples-'));
    // `@cairn-registry/client` resolves to the package as `npm run pack:client` stages it (its
    // dependencies from the repository's node_modules), as it would for an application.
    stageClientPackage(join(this.jsDir, 'node_modules', '@cairn-registry', 'client'), repoRoot);
    this.env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      CURL_HOME: this.home,
      CAIRN_HTTP_ADDR: `127.0.0.1:${httpPort}`,
    };
  }

  /** Runs a foreground example to its end (or kills it after `stallMs`, which is a failure). */
  run(fence: RunFence, body: string, stallMs: number): Promise<Outcome> {
    const child = this.spawn(fence, body);
    return new Promise((resolve) => {
      let output = '';
      const keep = (b: Buffer) => {
        output += b.toString();
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      const guard = setTimeout(() => {
        output += `\n[docs test: still running after ${stallMs} ms; killed]`;
        child.kill('SIGKILL');
      }, stallMs);
      child.once('close', (code, signal) => {
        clearTimeout(guard);
        resolve({ code, signal, output });
      });
    });
  }

  /**
   * Starts a `background:` example and resolves once its output contains its ready text; rejects
   * if it exits first or stays silent for `stallMs`.
   */
  start(fence: RunFence, body: string, stallMs: number): Promise<{ output: () => string }> {
    const child = this.spawn(fence, body);
    this.background.push(child);
    let output = '';
    return new Promise((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`not ready after ${stallMs} ms:\n${output}`)), stallMs);
      const keep = (b: Buffer) => {
        output += b.toString();
        if (fence.readyText !== null && output.includes(fence.readyText)) {
          clearTimeout(guard);
          resolve({ output: () => output });
        }
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      child.once('close', (code, signal) => {
        clearTimeout(guard);
        reject(new Error(`exited (${code ?? signal}) before it was ready:\n${output}`));
      });
    });
  }

  /** Stops the background examples with SIGTERM, as a user's Ctrl-C or service manager would. */
  async stopBackground(): Promise<void> {
    await Promise.all(this.background.splice(0).map((c) => stop(c)));
  }

  async close(): Promise<void> {
    await this.stopBackground();
    rmSync(this.home, { recursive: true, force: true });
    rmSync(this.jsDir, { recursive: true, force: true });
  }

  private spawn(fence: RunFence, body: string): ChildProcess {
    const opts = {
      cwd: repoRoot,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
    };
    if (fence.language === 'js') {
      const file = join(this.jsDir, `example-${++this.seq}.mjs`);
      writeFileSync(file, body);
      return spawn(process.execPath, [file], opts);
    }
    // -e: the first failing command fails the example, and says which one it was.
    const script = `set -eo pipefail\ntrap 'echo "[docs test: failed: $BASH_COMMAND]" >&2' ERR\n${body}\n`;
    return spawn('bash', ['-c', script], opts);
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('close', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
