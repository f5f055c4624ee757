import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentArgv, freePorts, waitUntil } from '../../cluster/index.js';
import { type Dig, dig } from './dig.js';
import { http } from './http.js';
import { Child, distScript } from './processes.js';

/** One `cairn agent --dev` process on free loopback ports, for tests. */
export class DevAgent {
  private constructor(
    readonly child: Child,
    readonly httpPort: number,
    readonly serverPort: number,
    readonly dnsPort: number,
    private readonly dir: string,
  ) {}

  static async start(extra: readonly string[] = []): Promise<DevAgent> {
    const [httpPort, serverPort, dnsPort] = (await freePorts(3)) as [number, number, number];
    const dir = mkdtempSync(join(tmpdir(), 'cairn-dev-test-'));
    const child = new Child(distScript('src/cli/main.js'), [
      'agent',
      ...agentArgv({ dev: true, dataDir: dir, httpPort, serverPort, dnsPort, logLevel: 'warn' }),
      ...extra,
    ]);
    const agent = new DevAgent(child, httpPort, serverPort, dnsPort, dir);
    await waitUntil('the dev agent to lead', async () => {
      if (!child.alive) throw new Error(`agent exited: ${child.output}`);
      const r = await http<string>('GET', `${agent.url}/v1/status/leader`);
      return r.json === `127.0.0.1:${serverPort}` ? true : undefined;
    });
    return agent;
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** A PUT that must answer 200. */
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
