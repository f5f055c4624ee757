import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http } from '../support/http.js';
import { Child, distScript, freePorts, waitFor } from '../support/processes.js';

/** `cairn agent --dev` on free loopback ports, with its DNS port known (test/support's DevAgent hides it). */
export class DnsAgent {
  private constructor(
    readonly child: Child,
    readonly httpPort: number,
    readonly dnsPort: number,
    private readonly dir: string,
  ) {}

  static async start(extra: readonly string[] = []): Promise<DnsAgent> {
    const [httpPort, serverPort, dnsPort] = (await freePorts(3)) as [number, number, number];
    const dir = mkdtempSync(join(tmpdir(), 'cairn-dns-test-'));
    const child = new Child(distScript('src/cli/main.js'), [
      'agent',
      '--dev',
      '--data-dir',
      dir,
      '--http-port',
      String(httpPort),
      '--server-port',
      String(serverPort),
      '--dns-port',
      String(dnsPort),
      '--log-level',
      'warn',
      ...extra,
    ]);
    const agent = new DnsAgent(child, httpPort, dnsPort, dir);
    await waitFor('the dev agent to lead', async () => {
      if (!child.alive) throw new Error(`agent exited: ${child.output}`);
      const r = await http<string>('GET', `${agent.url}/v1/status/leader`);
      return r.json === `127.0.0.1:${serverPort}` ? true : undefined;
    });
    return agent;
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  async put(path: string, body?: unknown): Promise<void> {
    const r = await http('PUT', `${this.url}${path}`, body);
    if (r.status !== 200) throw new Error(`PUT ${path}: ${r.status} ${r.text}`);
  }

  /** Runs `dig @127.0.0.1 -p <dns port> ...args` once (one try, 2 s). */
  dig(...args: string[]): Promise<Dig> {
    return dig(this.dnsPort, args);
  }

  async stop(): Promise<void> {
    await this.child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

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
