import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type Agent, type AgentConfig, startAgent } from '../../src/agent/index.js';
import { parseAgentArgs } from '../../src/cli/agent-args.js';
import { until } from '../support/in-process.js';

/** A dev agent's config on ports the OS picks (0), loopback only. */
const devConfig = (over: Partial<AgentConfig> = {}): AgentConfig => ({
  ...parseAgentArgs(['--dev', '--node', 'solo', '--log-level', 'silent']),
  httpPort: 0,
  dnsPort: 0,
  serverPort: 0,
  ...over,
});

/** A logger whose JSON lines the test can read. */
function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l !== '') lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

const boundPort = (agent: Agent): number => {
  const a = agent.app.server.address();
  if (a === null || typeof a === 'string') throw new Error('HTTP is not listening on a TCP port');
  return a.port;
};

describe('startAgent (the wiring `cairn agent` runs)', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('a dev agent leads, serves HTTP and DNS on loopback, logs ready, and removes its temporary data dir on stop', async () => {
    const { logger, lines } = capture();
    const agent = await startAgent(devConfig(), logger);
    cleanup.push(() => agent.stop());
    expect(agent.listeners.map((l) => l.name)).toEqual(['http', 'dns']);
    expect(existsSync(agent.dataDir)).toBe(true);
    const ready = lines.find((l) => l.msg === 'cairn agent ready');
    expect(ready).toMatchObject({
      http: '127.0.0.1:0',
      dns: '127.0.0.1:0',
      server: agent.server.serverAddress,
      dataDir: agent.dataDir,
      dev: true,
      datacenter: 'dc1',
    });
    const url = `http://127.0.0.1:${boundPort(agent)}`;
    const leader = await until('the dev agent to lead', async () => {
      const r = await fetch(`${url}/v1/status/leader`);
      const body = (await r.json()) as string;
      return body !== '' ? body : undefined;
    });
    expect(leader).toBe(agent.server.serverAddress);
    await agent.stop();
    expect(existsSync(agent.dataDir)).toBe(false);
    // Stopping twice is one stop.
    await agent.stop();
    await expect(fetch(`${url}/v1/status/leader`)).rejects.toThrow();
  });

  it('a port already in use fails the start with its error, stops what started, and keeps a given data dir', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => busy.close(() => resolve())));
    const port = (busy.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'cairn-agent-test-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const { logger } = capture();

    await expect(startAgent(devConfig({ dataDir: dir, httpPort: port }), logger)).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    expect(existsSync(dir)).toBe(true);
    // The failed start closed its storage: the same data dir opens again.
    const again = await startAgent(devConfig({ dataDir: dir }), logger);
    cleanup.push(() => again.stop());
    expect(again.dataDir).toBe(dir);
    await again.stop();
    expect(existsSync(dir), 'a data dir the operator gave is never removed').toBe(true);
  });
});
