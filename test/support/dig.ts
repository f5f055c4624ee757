import { execFile } from 'node:child_process';

/** `dig` against a cairn DNS port, and its default output parsed. */
export interface Dig {
  readonly stdout: string;
  readonly status: string;
  readonly flags: string[];
  /** Record lines of each section: [name, ttl, class, type, ...data]. */
  readonly answer: string[][];
  readonly authority: string[][];
  readonly additional: string[][];
}

export function dig(port: number, args: readonly string[]): Promise<Dig> {
  return new Promise((resolve, reject) => {
    execFile(
      'dig',
      ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=2', ...args],
      { timeout: 10_000 },
      (err, stdout) => {
        if (err && !stdout) {
          const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
          reject(
            missing
              ? new Error('dig is not installed: run scripts/ensure-test-deps.sh (npm test does)')
              : err,
          );
          return;
        }
        resolve(parseDig(stdout));
      },
    );
  });
}

/** Reads dig's default output; with a TCP retry, the last answer counts. */
export function parseDig(stdout: string): Dig {
  const headers = [...stdout.matchAll(/status: (\w+)/g)];
  const flagLines = [...stdout.matchAll(/;; flags: ([a-z ]+);/g)];
  const last = stdout.lastIndexOf(';; ->>HEADER<<-');
  const tail = last >= 0 ? stdout.slice(last) : stdout;
  const section = (title: string): string[][] => {
    const at = tail.indexOf(`;; ${title} SECTION:`);
    if (at < 0) return [];
    const lines: string[][] = [];
    for (const line of tail.slice(at).split('\n').slice(1)) {
      if (line.trim() === '') break;
      lines.push(line.trim().split(/\s+/));
    }
    return lines;
  };
  return {
    stdout,
    status: headers.at(-1)?.[1] ?? '',
    flags: (flagLines.at(-1)?.[1] ?? '').trim().split(/\s+/),
    answer: section('ANSWER'),
    authority: section('AUTHORITY'),
    additional: section('ADDITIONAL'),
  };
}
