import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Every child process the benchmark has running. They are stopped through these handles, that is
 * by their own PID: never by name, which would hit other people's servers on a shared machine.
 */
const children = new Set<ChildProcess>();

/** Adds a child started elsewhere (a server, a load process) to those `killChildren` stops. */
export function trackChild<C extends ChildProcess>(child: C): C {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGKILLs every child still running: for an interrupted or failed run, where waiting helps no one. */
export function killChildren(): void {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
}

export interface Ran {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** Runs a command to its end, or kills it (by its PID) after `timeoutMs`. */
export function run(cmd: string, args: readonly string[], timeoutMs: number): Promise<Ran> {
  return new Promise((done, reject) => {
    const child = trackChild(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      // A command that never started emits no 'exit'.
      children.delete(child);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, timedOut });
    });
  });
}
