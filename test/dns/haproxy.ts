import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { parseFences } from '../docs/fences.js';

/**
 * HAProxy for the DNS tests: the configuration of docs/dns.md made runnable on this machine, the
 * binary (Debian's `haproxy`, installed by scripts/ensure-test-deps.sh), and its stats socket.
 */

export interface HaproxyPorts {
  /** cairn's DNS port, in place of 8600. */
  readonly dnsPort: number;
  /** Where the frontend listens, on 127.0.0.1, in place of `bind :8080`. */
  readonly bindPort: number;
  /** A unix socket for `show stat`, added in a global section of its own. */
  readonly statsSocket: string;
}

/** The one ```haproxy block of a markdown text. */
export function haproxyBlock(markdown: string): string {
  const blocks = parseFences('docs/dns.md', markdown).filter(
    (f) => f.kind === 'data' && f.language === 'haproxy',
  );
  if (blocks.length !== 1) throw new Error(`expected one haproxy block, found ${blocks.length}`);
  return blocks[0]!.body;
}

/**
 * The documented configuration with its ports moved to the test's and its frontend on loopback.
 * Throws when a line it rewrites is not there, so the test cannot quietly run something else.
 */
export function localConfig(documented: string, ports: HaproxyPorts): string {
  const replace = (text: string, from: RegExp, to: string): string => {
    if (!from.test(text)) throw new Error(`the HAProxy example has no line matching ${from}`);
    return text.replace(from, to);
  };
  let cfg = replace(documented, /127\.0\.0\.1:8600\b/g, `127.0.0.1:${ports.dnsPort}`);
  cfg = replace(cfg, /^(\s*bind\s+):8080\b/m, `$1127.0.0.1:${ports.bindPort}`);
  return `global\n  stats socket ${ports.statsSocket} level admin\n\n${cfg}\n`;
}

/** The haproxy binary: on PATH, else where Debian puts it (/usr/sbin is not on every PATH). */
export function haproxyBinary(): string {
  const onPath = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
  if (onPath.status === 0) return 'haproxy';
  if (existsSync('/usr/sbin/haproxy')) return '/usr/sbin/haproxy';
  throw new Error('haproxy is not installed: run scripts/ensure-test-deps.sh (npm test does)');
}

/** One server's line of `show stat`. */
export interface ServerStat {
  readonly name: string;
  /** `UP`, `DOWN`, `MAINT (resolution)`, ... */
  readonly status: string;
  /** `127.0.0.1:19001`, or '' while it has no address. */
  readonly addr: string;
  /** Sessions it has served. */
  readonly sessions: number;
}

/** The servers of `backend` in the CSV of `show stat`. */
export function serverStats(csv: string, backend: string): ServerStat[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0]?.replace(/^#\s*/, '').split(',') ?? [];
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`show stat has no column ${name}: ${lines[0]}`);
    return i;
  };
  const [px, sv, status, addr, stot] = ['pxname', 'svname', 'status', 'addr', 'stot'].map(col) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return lines
    .slice(1)
    .map((l) => l.split(','))
    .filter((f) => f[px] === backend && f[sv] !== 'BACKEND' && f[sv] !== 'FRONTEND')
    .map((f) => ({ name: f[sv]!, status: f[status]!, addr: f[addr] ?? '', sessions: Number(f[stot]) }));
}

/** Sends one command to a stats socket and returns what HAProxy answers (bounded: 5 s). */
export function statsCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = createConnection(socket);
    let out = '';
    conn.setTimeout(5_000, () => conn.destroy(new Error(`no answer to "${command}" in 5 s`)));
    conn.on('data', (b) => {
      out += b.toString();
    });
    conn.on('end', () => resolve(out));
    conn.on('error', reject);
    conn.write(`${command}\n`);
  });
}

/** `haproxy -db -f cfg` (in the foreground, so it is our child), its output kept. */
export class HaproxyProcess {
  readonly proc: ChildProcess;
  output = '';

  constructor(binary: string, cfgFile: string) {
    this.proc = spawn(binary, ['-db', '-f', cfgFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-50_000);
    };
    this.proc.stdout?.on('data', keep);
    this.proc.stderr?.on('data', keep);
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Stops it by its PID: SIGTERM, and SIGKILL if it is still there after 5 s. */
  stop(): Promise<void> {
    if (!this.alive) return Promise.resolve();
    return new Promise((resolve) => {
      const force = setTimeout(() => this.proc.kill('SIGKILL'), 5_000);
      this.proc.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      this.proc.kill('SIGTERM');
    });
  }
}
