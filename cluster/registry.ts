import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, type WriteStream, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, waitUntil } from './local.js';

const CLI = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = dirname(here.endsWith(join('dist', 'cluster')) ? dirname(here) : here);
  return join(root, 'dist', 'src', 'cli', 'main.js');
})();

export interface RegistryClusterOptions {
  readonly size: number;
  /** Each server gets `<baseDir>/<name>` as its data directory, `<name>.log` and `<name>.pid` beside it. */
  readonly baseDir: string;
  readonly logLevel?: string;
  /** Extra `cairn agent` flags for every server. */
  readonly agentArgs?: readonly string[];
  /** Extra flags for each server's node process (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
}

/** One `cairn agent` process of a local cluster. */
export class AgentProcess {
  private proc: ChildProcess | null = null;
  private logFile: WriteStream | null = null;

  constructor(
    readonly name: string,
    readonly httpPort: number,
    readonly serverPort: number,
    private readonly args: readonly string[],
    readonly logPath: string,
    readonly pidPath: string,
    private readonly nodeArgs: readonly string[] = [],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  get serverAddress(): string {
    return `127.0.0.1:${this.serverPort}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.logFile = createWriteStream(this.logPath, { flags: 'a' });
    const proc = spawn(process.execPath, [...this.nodeArgs, CLI, 'agent', ...this.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.pipe(this.logFile, { end: false });
    proc.stderr?.pipe(this.logFile, { end: false });
    this.proc = proc;
    if (proc.pid !== undefined) writeFileSync(this.pidPath, `${proc.pid}\n`);
  }

  /** Stops the process we started, by its PID: SIGKILL is a crash, SIGTERM a clean stop. */
  async stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const proc = this.proc;
    if (proc === null) return;
    if (this.running) {
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill(signal);
      });
    }
    this.proc = null;
    this.logFile?.end();
    this.logFile = null;
    rmSync(this.pidPath, { force: true });
  }

  /** Pauses (SIGSTOP) or resumes (SIGCONT) the process. */
  signal(sig: 'SIGSTOP' | 'SIGCONT'): void {
    this.proc?.kill(sig);
  }

  async leader(): Promise<string> {
    const res = await fetch(`${this.url}/v1/status/leader`, { signal: AbortSignal.timeout(3000) });
    return (await res.json()) as string;
  }
}

/**
 * `size` cairn servers on loopback that form one cluster by
 * `--bootstrap-expect` and `--join`, each a separate process of the compiled
 * CLI. Integration tests, benchmarks and `npm run cluster` use it.
 */
export class RegistryCluster {
  private constructor(readonly servers: readonly AgentProcess[]) {}

  static async create(opts: RegistryClusterOptions): Promise<RegistryCluster> {
    const ports = await freePorts(opts.size * 3);
    const names = Array.from({ length: opts.size }, (_, i) => `s${i + 1}`);
    const serverAddrs = names.map((_, i) => `127.0.0.1:${ports[3 * i]}`);
    const servers = names.map((name, i) => {
      const serverPort = ports[3 * i] as number;
      const httpPort = ports[3 * i + 1] as number;
      const dnsPort = ports[3 * i + 2] as number;
      const dataDir = join(opts.baseDir, name);
      mkdirSync(dataDir, { recursive: true });
      const others = serverAddrs.filter((_, j) => j !== i);
      const args = [
        '--node',
        name,
        '--data-dir',
        dataDir,
        '--server-port',
        String(serverPort),
        '--http-port',
        String(httpPort),
        '--dns-port',
        String(dnsPort),
        '--log-level',
        opts.logLevel ?? 'info',
        ...(opts.size > 1
          ? ['--bootstrap-expect', String(opts.size), '--join', others.join(',')]
          : ['--dev', '--data-dir', dataDir]),
        ...(opts.agentArgs ?? []),
      ];
      return new AgentProcess(
        name,
        httpPort,
        serverPort,
        args,
        join(opts.baseDir, `${name}.log`),
        join(opts.baseDir, `${name}.pid`),
        opts.nodeArgs,
      );
    });
    return new RegistryCluster(servers);
  }

  start(): void {
    for (const s of this.servers) s.start();
  }

  server(name: string): AgentProcess {
    const s = this.servers.find((x) => x.name === name);
    if (!s) throw new Error(`no server ${name}`);
    return s;
  }

  /** The server every running server names as leader, once they agree. */
  async waitForLeader(timeoutMs = 30_000, not?: string): Promise<AgentProcess> {
    return waitUntil(
      'a leader all running servers agree on',
      async () => {
        const running = this.servers.filter((s) => s.running);
        const leaders = await Promise.all(running.map((s) => s.leader()));
        const first = leaders[0];
        if (!first || !leaders.every((l) => l === first)) return undefined;
        const leader = this.servers.find((s) => s.serverAddress === first);
        return leader && leader.name !== not ? leader : undefined;
      },
      timeoutMs,
    );
  }

  async stop(signal: 'SIGKILL' | 'SIGTERM' = 'SIGTERM'): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop(signal)));
  }
}
