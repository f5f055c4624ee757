import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { CLI, NodeProcess } from './node-process.js';

export interface LocalClusterOptions {
  readonly size: number;
  /** Extra servers that know the others but are not founding members: they join by membership change. */
  readonly spares?: number;
  /** Each server gets `<baseDir>/<id>` as its data directory, `<id>.log` and `<id>.pid` beside it. */
  readonly baseDir: string;
  readonly snapshotEvery?: number;
  readonly trailingLogs?: number;
  readonly logLevel?: string;
  /** Extra flags for each server's node process (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
}

/** The JSON of GET /raft/status. */
export interface NodeStatus {
  readonly id: string;
  readonly term: number;
  readonly lead: string | null;
  readonly role: string;
  readonly commit: number;
  readonly applied: number;
}

/** One server process of a local cluster, started from the compiled CLI. */
export class LocalServer extends NodeProcess {
  constructor(
    readonly id: string,
    readonly httpPort: number,
    readonly raftPort: number,
    args: readonly string[],
    logPath: string,
    pidPath: string,
    nodeArgs: readonly string[] = [],
  ) {
    super({ argv: [...nodeArgs, CLI, 'raft-demo', ...args], logPath, pidPath });
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  async status(): Promise<NodeStatus> {
    return (await this.get('/raft/status')) as NodeStatus;
  }

  async get(path: string): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(5000) });
    const body: unknown = await res.json();
    if (!res.ok) throw new Error(`GET ${path} on ${this.id}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  }

  async post(path: string, body?: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.url}${path}`, {
      method: 'POST',
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(60_000),
    });
    return { status: res.status, body: await res.json() };
  }
}

/**
 * A cluster of `size` servers on loopback with real TCP and real LevelDB,
 * each a separate process of the compiled CLI. Tests, benchmarks and
 * `npm run cluster` use it.
 */
export class LocalCluster {
  private constructor(
    readonly servers: readonly LocalServer[],
    private readonly founders: number,
  ) {}

  static async create(opts: LocalClusterOptions): Promise<LocalCluster> {
    const total = opts.size + (opts.spares ?? 0);
    const ports = await freePorts(total * 2);
    const ids = Array.from({ length: total }, (_, i) => `s${i + 1}`);
    const founders = ids.slice(0, opts.size);
    const servers = ids.map((id, i) => {
      const raftPort = ports[2 * i] as number;
      const httpPort = ports[2 * i + 1] as number;
      const peers = ids
        .map((other, j) => (other === id ? null : `${other}=127.0.0.1:${ports[2 * j]}`))
        .filter((p): p is string => p !== null);
      const dataDir = join(opts.baseDir, id);
      mkdirSync(dataDir, { recursive: true });
      const args = [
        '--node',
        id,
        '--data-dir',
        dataDir,
        '--raft-port',
        String(raftPort),
        '--http-port',
        String(httpPort),
        ...(i < opts.size ? ['--bootstrap', founders.join(',')] : []),
        '--log-level',
        opts.logLevel ?? 'info',
        ...(peers.length > 0 ? ['--peer', peers.join(',')] : []),
        ...(opts.snapshotEvery !== undefined ? ['--snapshot-every', String(opts.snapshotEvery)] : []),
        ...(opts.trailingLogs !== undefined ? ['--trailing-logs', String(opts.trailingLogs)] : []),
      ];
      return new LocalServer(
        id,
        httpPort,
        raftPort,
        args,
        join(opts.baseDir, `${id}.log`),
        join(opts.baseDir, `${id}.pid`),
        opts.nodeArgs,
      );
    });
    return new LocalCluster(servers, opts.size);
  }

  /** Starts the founding servers (spares are started by the caller when it wants them to join). */
  start(): void {
    for (const s of this.servers.slice(0, this.founders)) s.start();
  }

  server(id: string): LocalServer {
    const s = this.servers.find((x) => x.id === id);
    if (!s) throw new Error(`no server ${id}`);
    return s;
  }

  /** The server that every running server agrees leads, once they do. */
  async waitForLeader(timeoutMs = 20_000, not?: string): Promise<LocalServer> {
    return waitUntil(
      'a leader all running servers agree on',
      async () => {
        const running = this.servers.filter((s) => s.running);
        const statuses = await Promise.all(running.map((s) => s.status()));
        const lead = statuses[0]?.lead;
        if (!lead || lead === not || !statuses.every((st) => st.lead === lead)) return undefined;
        const leader = this.server(lead);
        return (await leader.status()).role === 'leader' ? leader : undefined;
      },
      timeoutMs,
    );
  }

  async stop(signal: 'SIGKILL' | 'SIGTERM' = 'SIGTERM'): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop(signal)));
  }
}

export async function waitUntil<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
  pollMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Ports the OS says are free right now on 127.0.0.1. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const a = s.address();
    if (a === null || typeof a === 'string') throw new Error('no port');
    return a.port;
  });
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
