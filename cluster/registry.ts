import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { agentArgv } from './agent-argv.js';
import { freePorts, waitUntil } from './local.js';
import { CLI, NodeProcess } from './node-process.js';

export interface RegistryClusterOptions {
  readonly size: number;
  /** Each server gets `<baseDir>/<name>` as its data directory, `<name>.log` and `<name>.pid` beside it. */
  readonly baseDir: string;
  readonly logLevel?: string;
  /** Extra `cairn agent` flags for every server. */
  readonly agentArgs?: readonly string[];
  /** Extra flags for one server (its own certificate files, say), after agentArgs. */
  readonly agentArgsFor?: (name: string) => readonly string[];
  /** Extra flags for each server's node process (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
  /** The cluster key every server gets (`--encrypt`): a new random one unless given; null for none. */
  readonly encrypt?: string | null;
  /** Each server also serves the API over HTTPS on a port of its own (needs the `--tls-*` files in agentArgs). */
  readonly https?: boolean;
}

/** One `cairn agent` process of a local cluster. */
export class AgentProcess extends NodeProcess {
  constructor(
    readonly name: string,
    readonly httpPort: number,
    readonly serverPort: number,
    args: readonly string[],
    logPath: string,
    pidPath: string,
    nodeArgs: readonly string[] = [],
    /** Where it answers DNS, when the launcher knows (benchmarks that query it need it). */
    readonly dnsPort: number | null = null,
    /** Where it serves HTTPS (`--https-port`, given in `args`), or null for no HTTPS. */
    readonly httpsPort: number | null = null,
  ) {
    super({ argv: [...nodeArgs, CLI, 'agent', ...args], logPath, pidPath });
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** The HTTPS API's address; the certificates `cairn tls cert create` makes name 127.0.0.1. */
  get httpsUrl(): string | null {
    return this.httpsPort === null ? null : `https://127.0.0.1:${this.httpsPort}`;
  }

  get serverAddress(): string {
    return `127.0.0.1:${this.serverPort}`;
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
  private constructor(
    readonly servers: readonly AgentProcess[],
    /** The cluster key the servers share, or null. */
    readonly key: string | null,
  ) {}

  static async create(opts: RegistryClusterOptions): Promise<RegistryCluster> {
    const per = opts.https ? 4 : 3;
    const ports = await freePorts(opts.size * per);
    const names = Array.from({ length: opts.size }, (_, i) => `s${i + 1}`);
    const serverAddrs = names.map((_, i) => `127.0.0.1:${ports[per * i]}`);
    // A key by default: a local cluster is set up the way a real one should be.
    const key = opts.encrypt === undefined ? randomBytes(32).toString('base64') : opts.encrypt;
    const servers = names.map((name, i) => {
      const serverPort = ports[per * i] as number;
      const httpPort = ports[per * i + 1] as number;
      const dnsPort = ports[per * i + 2] as number;
      const httpsPort = opts.https ? (ports[per * i + 3] as number) : null;
      const dataDir = join(opts.baseDir, name);
      mkdirSync(dataDir, { recursive: true });
      const others = serverAddrs.filter((_, j) => j !== i);
      const args = [
        ...agentArgv({
          node: name,
          dataDir,
          serverPort,
          httpPort,
          dnsPort,
          logLevel: opts.logLevel ?? 'info',
          ...(key !== null ? { encrypt: key } : {}),
        }),
        ...(opts.size > 1
          ? ['--bootstrap-expect', String(opts.size), '--join', others.join(',')]
          : ['--dev', '--data-dir', dataDir]),
        ...(httpsPort !== null ? ['--https-port', String(httpsPort)] : []),
        ...(opts.agentArgs ?? []),
        ...(opts.agentArgsFor?.(name) ?? []),
      ];
      return new AgentProcess(
        name,
        httpPort,
        serverPort,
        args,
        join(opts.baseDir, `${name}.log`),
        join(opts.baseDir, `${name}.pid`),
        opts.nodeArgs ?? [],
        dnsPort,
        httpsPort,
      );
    });
    return new RegistryCluster(servers, key);
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
