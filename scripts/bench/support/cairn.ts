import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentProcess, RegistryCluster } from '../../../cluster/index.js';
import { withTimeout } from './timing.js';

export interface CairnServersOptions {
  readonly size: number;
  /** Of the temporary directory that holds the servers' data and logs. */
  readonly dirPrefix: string;
  /** Flags for each server's node process (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
  /** More `cairn agent` flags for each server. */
  readonly agentArgs?: readonly string[];
  /** Each server also serves HTTPS on a port of its own (agentArgs must give the `--tls-*` files). */
  readonly https?: boolean;
  /** How long the servers get to stop cleanly before they are killed. */
  readonly stopGraceMs: number;
  readonly progress: (msg: string) => void;
}

/**
 * cairn's servers under test, each a process of its own, with their data and logs in a temporary
 * directory that goes away when they stop.
 */
export class CairnServers {
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly cluster: RegistryCluster,
    readonly dir: string,
    private readonly opts: CairnServersOptions,
  ) {}

  /** Creates the servers without starting them: the caller can hold on to them for `stop` first. */
  static async create(opts: CairnServersOptions): Promise<CairnServers> {
    const dir = mkdtempSync(join(tmpdir(), opts.dirPrefix));
    const cluster = await RegistryCluster.create({
      size: opts.size,
      baseDir: dir,
      logLevel: 'warn',
      // All load comes from one address here: the per-client cap would measure itself, not cairn.
      agentArgs: ['--http-max-conns-per-client', '0', ...(opts.agentArgs ?? [])],
      ...(opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {}),
      ...(opts.https ? { https: true } : {}),
    });
    return new CairnServers(cluster, dir, opts);
  }

  get servers(): readonly AgentProcess[] {
    return this.cluster.servers;
  }

  /** Starts every server and resolves with the leader they agree on within 60 s. */
  async startAndWaitForLeader(): Promise<AgentProcess> {
    this.cluster.start();
    return this.cluster.waitForLeader(60_000).catch((e: unknown) => {
      // Say why before the data directory (and the servers' logs) goes away.
      for (const s of this.cluster.servers) {
        let last = '';
        try {
          last = readFileSync(s.logPath, 'utf8').trim().split('\n').pop() ?? '';
        } catch {
          // no log
        }
        this.opts.progress(`  ${s.name} ${s.running ? 'running' : 'exited'}; log: ${last.slice(0, 300)}`);
      }
      throw e;
    });
  }

  /** Stops the servers, killing them if they do not stop in time, and removes their data (once). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      try {
        await withTimeout(this.cluster.stop('SIGTERM'), this.opts.stopGraceMs, 'stopping cairn');
      } catch {
        await withTimeout(this.cluster.stop('SIGKILL'), 5_000, 'killing cairn').catch(() => undefined);
      }
      rmSync(this.dir, { recursive: true, force: true });
    })();
    return this.stopping;
  }
}
