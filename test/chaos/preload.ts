/**
 * Loaded into every chaos-run server with `node --import` (test-only: the
 * product never loads it).
 *
 * - Clock skew: cairn reads wall-clock time through `Date.now` (the server's
 *   `now`, injectable only in-process), so this replaces `Date.now` with the
 *   real time plus an offset in milliseconds read from the file named by
 *   CAIRN_CHAOS_CLOCK_FILE, re-read every 100 ms. Monotonic time
 *   (`performance.now`, timers) is left alone: a wall-clock step, like an NTP
 *   step or an operator's `date -s`, does not move it either.
 * - Watchdog: the server exits if the harness that started it is gone (its
 *   parent changed) or once CAIRN_CHAOS_DEADLINE (epoch ms) has passed, so no
 *   run leaves servers behind, even when the harness itself is SIGKILLed.
 */
import { readFileSync } from 'node:fs';

const realNow = Date.now.bind(Date);
const clockFile = process.env.CAIRN_CHAOS_CLOCK_FILE;
let offset = 0;

function loadOffset(): void {
  if (clockFile === undefined) return;
  try {
    const v = Number(readFileSync(clockFile, 'utf8').trim());
    offset = Number.isFinite(v) ? v : 0;
  } catch {
    offset = 0;
  }
}

if (clockFile !== undefined) {
  loadOffset();
  // Polled rather than signalled: a signal could reach a process before this file installed a handler.
  setInterval(loadOffset, 100).unref();
  Date.now = () => realNow() + offset;
}

const parent = Number(process.env.CAIRN_CHAOS_PARENT_PID ?? 0);
const deadline = Number(process.env.CAIRN_CHAOS_DEADLINE ?? 0);
if (parent > 0 || deadline > 0) {
  setInterval(() => {
    if ((parent > 0 && process.ppid !== parent) || (deadline > 0 && realNow() > deadline)) process.exit(70);
  }, 500).unref();
}
