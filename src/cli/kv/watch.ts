/**
 * `cairn kv watch`: Consul's blocking-query loop. The decisions (what to
 * print, which index to wait on, how long to back off) are pure functions;
 * `runWatch` only does the I/O around them.
 */
import type { KvClient, Watched } from './client.js';
import { ConnectionError, ServerError } from './errors.js';
import { decodeValue, messages, recurseLines, valueLine } from './format.js';

/** How long each blocking read asks the server to hold it. */
export const WATCH_WAIT_MS = 5 * 60_000;

export interface WatchState {
  /** The index to wait beyond (0: answer at once). */
  readonly index: number;
  /** Whether the last answer printed found the key (null before the first). */
  readonly lastFound: boolean | null;
}

export const INITIAL_WATCH: WatchState = { index: 0, lastFound: null };

/**
 * What to do with an answer. The index moved: print (except a "deleted" line
 * right after another). The same index: the wait ran out, nothing changed.
 * The index went back (a restored or different server): Consul's rule, start
 * over from 0 — the next read answers at once and is printed.
 */
export function watchStep(
  state: WatchState,
  answer: { readonly found: boolean; readonly index: number },
): { readonly state: WatchState; readonly print: boolean } {
  if (answer.index < state.index) return { state: { ...state, index: 0 }, print: false };
  if (answer.index === state.index) return { state, print: false };
  const print = answer.found || state.lastFound !== false;
  return { state: { index: answer.index, lastFound: answer.found }, print };
}

/** Delay before retry number `failures` (1, 2, ...): 0.5 s doubling, at most `capMs`. */
export function backoffMs(failures: number, baseMs = 500, capMs = 30_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
}

/** What one answer prints. */
export function watchOutput(answer: Watched, recurse: boolean): Uint8Array | string {
  if (!answer.found) return `${recurse ? messages.noKeys404 : messages.deleted404}\n`;
  if (recurse) return recurseLines(answer.pairs);
  const first = answer.pairs[0];
  return first ? valueLine(decodeValue(first.Value)) : `${messages.deleted404}\n`;
}

export interface WatchIo {
  readonly out: (chunk: Uint8Array | string) => void;
  /** One line, without its newline. */
  readonly err: (line: string) => void;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Watches until `signal` aborts (then resolves 0); fails only on an answer no retry can fix (a 4xx). */
export async function runWatch(
  client: KvClient,
  cmd: { readonly key: string; readonly recurse: boolean },
  io: WatchIo,
  signal: AbortSignal,
  waitMs = WATCH_WAIT_MS,
): Promise<number> {
  let state = INITIAL_WATCH;
  let failures = 0;
  while (!signal.aborted) {
    let answer: Watched;
    // After a failure, ask without blocking first: a restarted or different server may be behind
    // our index, and would otherwise hold the read for the whole wait before we could see that.
    const index = failures > 0 ? 0 : state.index;
    try {
      answer = await client.watch(cmd.key, { recurse: cmd.recurse, index, waitMs }, signal);
    } catch (e) {
      if (signal.aborted) break;
      const retry = e instanceof ConnectionError || (e instanceof ServerError && e.status >= 500);
      if (!retry) throw e;
      failures++;
      const ms = backoffMs(failures);
      io.err(`cairn: ${e.message} (retrying in ${ms < 1000 ? `${ms}ms` : `${ms / 1000}s`})`);
      await io.sleep(ms, signal);
      continue;
    }
    failures = 0;
    const step = watchStep(state, answer);
    state = step.state;
    if (step.print) io.out(watchOutput(answer, cmd.recurse));
  }
  return 0;
}

/** A sleep that ends early when `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
