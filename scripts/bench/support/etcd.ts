import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './children.js';
import { sleep } from './timing.js';

const portFree = (port: number) =>
  new Promise<boolean>((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });

/**
 * etcd-cluster.sh uses fixed ports (member i: clients on 32369 + 10 i, peers on the next one).
 * Something already there would answer its health check and be measured as our etcd: refuse.
 */
export async function checkEtcdPortsFree(members: number): Promise<void> {
  for (let i = 1; i <= members; i++) {
    const c = 32369 + i * 10;
    for (const p of [c, c + 1])
      if (!(await portFree(p)))
        throw new Error(`port ${p} (etcd-cluster.sh's) is in use: stop what holds it`);
  }
}

/** The first line of `etcd --version`, for the record of what cairn was measured against. */
export function etcdVersion(): string {
  const r = spawnSync('etcd', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return (r.stdout?.split('\n')[0] ?? '').trim();
}

/** PIDs of processes whose command line has `--data-dir <dir>/...`: the etcd members started for `dir`. */
function etcdPidsUnder(dir: string): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of entries) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const i = args.indexOf('--data-dir');
      if (i >= 0 && (args[i + 1] ?? '').startsWith(`${dir}/`)) out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * An etcd cluster started with the shared harness's etcd-cluster.sh in a data directory of its own.
 * The directory exists from construction on, so a run interrupted while the members start can
 * still find and stop them.
 */
export class EtcdCluster {
  readonly dir: string;
  /** Client URLs, one per member, once `start` has resolved. */
  urls: readonly string[] = [];
  /** The members' PIDs as the start script recorded them, once `start` has resolved. */
  pids: readonly number[] = [];
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly script: string,
    dirPrefix: string,
    private readonly progress: (msg: string) => void,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), dirPrefix));
  }

  /** Starts `members` members and waits (the script does) until the cluster is healthy. */
  async start(members: number): Promise<void> {
    // The script installs etcd-server when it is missing: minutes on a slow mirror.
    const r = await run('bash', [this.script, 'start', String(members), this.dir], 400_000);
    if (r.code !== 0 || r.timedOut)
      throw new Error(
        `etcd-cluster.sh start failed: ${r.timedOut ? 'timed out' : r.stderr.trim().split('\n').pop()}`,
      );
    const urls = (r.stdout.trim().split('\n').pop() ?? '').split(',').filter((u) => u.startsWith('http'));
    if (urls.length !== members)
      throw new Error(`etcd-cluster.sh printed no ${members} client URLs: ${r.stdout.trim()}`);
    this.urls = urls;
    this.pids = readFileSync(join(this.dir, 'pids'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map(Number);
  }

  /** Stops the members and removes their data (once; a second caller waits for the first stop). */
  stop(): Promise<void> {
    this.stopping ??= this.stopMembers();
    return this.stopping;
  }

  private async stopMembers(): Promise<void> {
    const r = await run('bash', [this.script, 'stop', this.dir], 30_000).catch(() => null);
    if (r === null || r.code !== 0) this.progress(`etcd-cluster.sh stop ${this.dir} did not finish cleanly`);
    // A member whose PID the start script had not recorded yet (interrupted start) is still ours:
    // it runs on this cluster's own data directory. Stop it by its PID too.
    for (let i = 0; i < 30; i++) {
      const left = etcdPidsUnder(this.dir);
      if (left.length === 0) break;
      for (const pid of left) {
        try {
          process.kill(pid, i < 20 ? 'SIGTERM' : 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await sleep(200);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const hasCommand = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;

/** etcd's tools and ports, checked before any measuring. */
export async function prepareEtcd(progress: (msg: string) => void, members = 3): Promise<void> {
  // etcd-cluster.sh installs etcd-server itself, but its health check runs etcdctl, which Debian
  // ships in etcd-client (only suggested by etcd-server): without it the cluster never reports healthy.
  if (!hasCommand('etcdctl')) {
    progress("etcdctl missing: installing Debian's etcd-client (etcd-cluster.sh's health check needs it)");
    const install = ['-y', '-qq', 'install', 'etcd-client'];
    let r = await run('apt-get', install, 300_000);
    if (r.code !== 0) {
      await run('apt-get', ['-qq', 'update'], 300_000);
      r = await run('apt-get', install, 300_000);
    }
    if (r.code !== 0 || !hasCommand('etcdctl'))
      throw new Error(`cannot install etcd-client: ${r.stderr.trim().split('\n').pop() ?? ''}`);
  }
  await checkEtcdPortsFree(members);
}
