import { readFileSync } from 'node:fs';
import { get } from './http-call.js';
import { NORMAL_SOURCE } from './load.js';

/** Resident memory of a process in MiB, from /proc/<pid>/status; null when unknown (it has gone). */
export function rssMiB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

/** The 1-minute load average: how busy the shared machine was. */
export function loadAverage(): number | null {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}

/** Every sample of the `families` in the server's /metrics, by its full series name (labels included). */
export async function scrape(url: string, families: readonly string[]): Promise<Map<string, number>> {
  const a = await get(`${url}/metrics`, NORMAL_SOURCE, 10_000);
  const out = new Map<string, number>();
  for (const line of a.text.split('\n')) {
    if (line.startsWith('#')) continue;
    const series = line.slice(0, line.lastIndexOf(' '));
    const family = series.split('{')[0] ?? '';
    if (families.includes(family)) out.set(series, Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** What grew between two scrapes, by series. */
export function grown(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [series, v] of after) {
    const d = v - (before.get(series) ?? 0);
    if (d !== 0) out[series] = d;
  }
  return out;
}

/**
 * The kernel's count of connections dropped because a listening socket's accept queue was full
 * (TcpExt ListenOverflows, all sockets of the machine): a client whose handshake is dropped
 * retries its SYN after 1 s, then 3 s, so an overflow shows up as a stall of that size.
 */
export function listenOverflows(): number | null {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('TcpExt:'));
    const names = (lines[0] ?? '').split(/\s+/);
    const values = (lines[1] ?? '').split(/\s+/);
    const i = names.indexOf('ListenOverflows');
    return i < 0 ? null : Number(values[i]);
  } catch {
    return null;
  }
}
