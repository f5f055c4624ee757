import { randomBytes } from 'node:crypto';
/**
 * A chaos cluster: `size` real `cairn agent` processes on loopback, each
 * behind its own fault proxy (proxy.ts) for server-to-server traffic, with
 * the test-only preload (preload.ts) for clock skew and a watchdog. Every
 * process is started, signalled and stopped by its own PID; each has a
 * pidfile beside its log while it runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentArgv, CLI, freePorts, NodeProcess, waitUntil } from '../../cluster/index.js';
import { distScript } from '../support/processes.js';
import { FaultNetwork, type FaultProxy } from './proxy.js';

const PRELOAD = distScript('test/chaos/preload.js');

/** One server process, started from the compiled CLI with the test-only preload. */
export class ServerProcess extends NodeProcess {
  constructor(
    readonly name: string,
    args: readonly string[],
    env: Readonly<Record<string, string>>,
    logPath: string,
    pidPath: string,
  ) {
    super({ argv: ['--import', PRELOAD, CLI, 'agent', ...args], env, logPath, pidPath });
  }
}

export interface ChaosNode {
  readonly name: string;
  readonly url: string;
  readonly httpPort: number;
  readonly serverPort: number;
  readonly proxy: FaultProxy;
  readonly proc: ServerProcess;
  readonly clockFile: string;
  clockOffsetMs: number;
}

export interface ChaosClusterOptions {
  readonly size: number;
  readonly dir: string;
  readonly logLevel?: string;
  /** Epoch ms after which every server exits by itself (the watchdog in preload.ts). */
  readonly deadline: number;
  readonly agentArgs?: readonly string[];
}

export class ChaosCluster {
  /** Set by stop(): nothing is started any more. */
  private closed = false;

  private constructor(
    readonly nodes: readonly ChaosNode[],
    readonly network: FaultNetwork,
  ) {}

  static async create(opts: ChaosClusterOptions): Promise<ChaosCluster> {
    const network = new FaultNetwork();
    const ports = await freePorts(opts.size * 3);
    const names = Array.from({ length: opts.size }, (_, i) => `n${i + 1}`);
    const proxies: FaultProxy[] = [];
    for (const [i, name] of names.entries())
      proxies.push(await network.addProxy(name, ports[3 * i] as number));
    // Faults then also hit the key handshake: resets and stalls in the middle of it.
    const key = randomBytes(32).toString('base64');
    const nodes = names.map((name, i): ChaosNode => {
      const serverPort = ports[3 * i] as number;
      const httpPort = ports[3 * i + 1] as number;
      const dnsPort = ports[3 * i + 2] as number;
      const proxy = proxies[i] as FaultProxy;
      const dataDir = join(opts.dir, name);
      mkdirSync(dataDir, { recursive: true });
      const clockFile = join(opts.dir, `${name}.clock`);
      writeFileSync(clockFile, '0\n');
      const others = proxies.filter((_, j) => j !== i).map((p) => p.address);
      const args = [
        ...agentArgv({
          node: name,
          dataDir,
          serverPort,
          httpPort,
          dnsPort,
          logLevel: opts.logLevel ?? 'info',
          encrypt: key,
        }),
        '--advertise',
        proxy.address,
        '--bootstrap-expect',
        String(opts.size),
        '--join',
        others.join(','),
        ...(opts.agentArgs ?? []),
      ];
      const env = {
        CAIRN_CHAOS_CLOCK_FILE: clockFile,
        CAIRN_CHAOS_PARENT_PID: String(process.pid),
        CAIRN_CHAOS_DEADLINE: String(opts.deadline),
      };
      const proc = new ServerProcess(
        name,
        args,
        env,
        join(opts.dir, `${name}.log`),
        join(opts.dir, `${name}.pid`),
      );
      return {
        name,
        url: `http://127.0.0.1:${httpPort}`,
        httpPort,
        serverPort,
        proxy,
        proc,
        clockFile,
        clockOffsetMs: 0,
      };
    });
    return new ChaosCluster(nodes, network);
  }

  get names(): string[] {
    return this.nodes.map((n) => n.name);
  }

  node(name: string): ChaosNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  start(): void {
    if (this.closed) return;
    for (const n of this.nodes) n.proc.start();
  }

  /** Which node an advertised address (a proxy address) belongs to. */
  nameOf(address: string): string | null {
    return this.nodes.find((n) => n.proxy.address === address)?.name ?? null;
  }

  /** The leader named by a majority of the servers that answer within `timeoutMs`, if any. */
  async leader(timeoutMs = 1000): Promise<string | null> {
    const answers = await Promise.all(
      this.nodes
        .filter((n) => n.proc.running && !n.proc.paused)
        .map(async (n) => {
          try {
            const res = await fetch(`${n.url}/v1/status/leader`, { signal: AbortSignal.timeout(timeoutMs) });
            return this.nameOf((await res.json()) as string);
          } catch {
            return null;
          }
        }),
    );
    const votes = new Map<string, number>();
    for (const a of answers) if (a !== null) votes.set(a, (votes.get(a) ?? 0) + 1);
    for (const [name, v] of votes) if (v > this.nodes.length / 2) return name;
    return null;
  }

  /** Waits until every server is up and all name the same leader. */
  async waitForLeader(timeoutMs: number): Promise<string> {
    return waitUntil(
      'every server to name the same leader',
      async () => {
        const answers = await Promise.all(
          this.nodes.map(async (n) => {
            const res = await fetch(`${n.url}/v1/status/leader`, { signal: AbortSignal.timeout(1000) });
            return this.nameOf((await res.json()) as string);
          }),
        );
        const first = answers[0];
        return first && answers.every((a) => a === first) ? first : undefined;
      },
      timeoutMs,
    );
  }

  kill(name: string): Promise<void> {
    return this.node(name).proc.stop('SIGKILL');
  }

  restart(name: string): void {
    const p = this.node(name).proc;
    if (!p.running && !this.closed) p.start();
  }

  pause(name: string): void {
    this.node(name).proc.pause();
  }

  resume(name: string): void {
    this.node(name).proc.resume();
  }

  /** Skews `name`'s wall clock by `offsetMs` (through preload.ts). */
  setClock(name: string, offsetMs: number): void {
    const n = this.node(name);
    n.clockOffsetMs = offsetMs;
    // preload.ts polls the file every 100 ms.
    writeFileSync(n.clockFile, `${offsetMs}\n`);
  }

  /** Undoes every fault: resumes, restarts, reconnects and resets clocks. */
  heal(): void {
    for (const n of this.nodes) {
      if (n.clockOffsetMs !== 0) this.setClock(n.name, 0);
      n.proc.resume();
      if (!n.proc.running && !this.closed) n.proc.start();
    }
    this.network.heal();
  }

  /** Stops every server (by PID) and the proxies. */
  async stop(): Promise<void> {
    this.closed = true;
    await Promise.all(this.nodes.map((n) => n.proc.stop('SIGKILL')));
    await this.network.close();
  }
}
