import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * /proc counts CPU time in clock ticks. Asked on first use, not at import, so that a benchmark
 * which never reads /proc starts no `getconf`.
 */
let clockTicks: number | null = null;
function ticksPerSecond(): number {
  if (clockTicks === null) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 10_000 });
    const n = Number((r.stdout ?? '').trim());
    clockTicks = Number.isInteger(n) && n > 0 ? n : 100;
  }
  return clockTicks;
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat; null when unknown. */
export function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: count fields from its closing one.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / ticksPerSecond();
  } catch {
    return null;
  }
}

/** CPU seconds each process used between two readings of `cpuSeconds`; null where either is unknown. */
export function cpuSpent(
  before: readonly (number | null)[],
  after: readonly (number | null)[],
): (number | null)[] {
  return before.map((b, i) => {
    const a = after[i];
    return b === null || a === null || a === undefined ? null : a - b;
  });
}

/**
 * CPU seconds the whole machine has been busy (all cores), from /proc/stat; null when unknown.
 * Less what the benchmark's own processes used, it is the load others put on the machine meanwhile.
 */
export function machineBusySeconds(): number | null {
  try {
    const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    return [0, 1, 2, 5, 6, 7].reduce((a, i) => a + (f[i] ?? 0), 0) / ticksPerSecond();
  } catch {
    return null;
  }
}
