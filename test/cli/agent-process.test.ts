import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type HealthEntry, http } from '../support/http.js';
import { Child, distScript, freePorts, waitFor } from '../support/processes.js';

const CLI = distScript('src/cli/main.js');

function exitOf(child: Child, timeoutMs = 30_000): Promise<{ code: number | null; signal: string | null }> {
  if (!child.alive) {
    return Promise.resolve({ code: child.proc.exitCode, signal: child.proc.signalCode });
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`pid ${child.pid} did not exit in ${timeoutMs}ms`)),
      timeoutMs,
    );
    child.proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** stderr alone (Child.output mixes in stdout, where pino logs). */
function collectStderr(child: Child): () => string {
  let err = '';
  child.proc.stderr?.on('data', (b: Buffer) => {
    err += b.toString();
  });
  return () => err;
}

describe('cairn CLI as a process', () => {
  let child: Child | null = null;
  let blocker: Server | null = null;
  afterEach(async () => {
    await child?.kill('SIGKILL');
    child = null;
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
    blocker = null;
  });

  it.each<[string[], RegExp]>([
    [['agent', '--http-port', 'abc', '--dev'], /^cairn: --http-port: "abc" is not a port/],
    [['agent', '--bogus'], /^cairn: Unknown option '--bogus'/],
    [['frobnicate'], /^cairn: unknown command "frobnicate"/],
    [['agent', '--bind', 'nope', '--dev'], /^cairn: --bind: "nope" is not an IPv4 address/],
    [['agent', '--node', 'a'], /^cairn: --data-dir: a data directory is required/],
    [['agent', '--dev', '--config-file', '/nonexistent/cairn.json'], /^cairn: --config-file: cannot read/],
    [['raft-demo'], /^cairn: --node: a server id is required/],
    [['raft-demo', '--dev', '--raft-port', 'x'], /^cairn: --raft-port: "x" is not a port/],
  ])('%j exits 2 with one line naming the problem', (args, message) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('no command prints the usage of both commands and exits 2; help exits 0', () => {
    const none = spawnSync(process.execPath, [CLI], { encoding: 'utf8', timeout: 20_000 });
    expect(none.status).toBe(2);
    expect(none.stdout).toContain('usage: cairn agent');
    expect(none.stdout).toContain('usage: cairn raft-demo');
    const help = spawnSync(process.execPath, [CLI, 'help'], { encoding: 'utf8', timeout: 20_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--http-port');
  });

  it.each([
    ['agent', 'usage: cairn agent [flags]'],
    ['watch', 'usage: cairn watch service NAME'],
    ['raft-demo', 'usage: cairn raft-demo'],
    ['keygen', 'usage: cairn keygen'],
    ['kv', 'usage: cairn kv get KEY'],
    ['tls', 'usage: cairn tls ca create'],
  ])('cairn %s --help prints its usage and exits 0', (command, usage) => {
    const r = spawnSync(process.execPath, [CLI, command, '--help'], { encoding: 'utf8', timeout: 20_000 });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(usage);
  });

  it('raft-demo --dev serves the demo state machine under /raft/* and stops cleanly on SIGTERM', async () => {
    const [httpPort, raftPort] = (await freePorts(2)) as [number, number];
    child = new Child(CLI, [
      'raft-demo',
      '--dev',
      '--http-port',
      String(httpPort),
      '--raft-port',
      String(raftPort),
    ]);
    const url = `http://127.0.0.1:${httpPort}`;
    await waitFor('the dev node to lead', async () => {
      const s = (await (await fetch(`${url}/raft/status`)).json()) as { role: string };
      return s.role === 'leader' ? true : undefined;
    });
    const put = await fetch(`${url}/raft/propose`, {
      method: 'PUT',
      body: JSON.stringify({ k: 'greeting', v: 'hi' }),
    });
    expect(put.status).toBe(200);
    const got = (await (await fetch(`${url}/raft/state?linearizable&key=greeting`)).json()) as {
      value: string;
    };
    expect(got.value).toBe('hi');
    const empty = await fetch(`${url}/raft/propose`, { method: 'PUT' });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: string }).error).toMatch(/^body/);

    const exited = exitOf(child);
    child.proc.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(child.output).toContain('raft node stopped');
  });

  it("starts from a Consul server's HCL configuration, warning about what it does not use", async () => {
    const [httpPort, serverPort, dnsPort] = (await freePorts(3)) as [number, number, number];
    const dir = mkdtempSync(join(tmpdir(), 'cairn-hcl-'));
    try {
      const file = join(dir, 'consul.hcl');
      writeFileSync(
        file,
        [
          'server = true',
          'bootstrap_expect = 1',
          'node_name = "from-hcl"',
          `data_dir = "${join(dir, 'data')}"`,
          'bind_addr = "127.0.0.1"',
          'log_level = "WARN"',
          'ports {',
          `  http = ${httpPort}`,
          `  dns = ${dnsPort}`,
          `  server = ${serverPort}`,
          '  grpc = 8502',
          '}',
          'ui_config {',
          '  enabled = true',
          '}',
        ].join('\n'),
      );
      child = new Child(CLI, ['agent', '--config-file', file]);
      const url = `http://127.0.0.1:${httpPort}`;
      await waitFor('the HCL-configured agent to lead', async () => {
        const r = await http<string>('GET', `${url}/v1/status/leader`, undefined, 2_000);
        return r.json === `127.0.0.1:${serverPort}` ? true : undefined;
      });
      const self = await http<{ Config: { NodeName: string } }>('GET', `${url}/v1/agent/self`);
      expect(self.json.Config.NodeName).toBe('from-hcl');
      expect(child.output).toContain('ports.grpc: cairn has no such listener; ignored');
      expect(child.output).toContain('ui_config: a Consul setting cairn does not use; ignored');
    } finally {
      await child?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('agent --dev serves the Consul HTTP API: register, TTL pass, health, 400s, SIGTERM exits 0', async () => {
    const [httpPort, serverPort, dnsPort] = (await freePorts(3)) as [number, number, number];
    child = new Child(CLI, [
      'agent',
      '--dev',
      '--http-port',
      String(httpPort),
      '--server-port',
      String(serverPort),
      '--dns-port',
      String(dnsPort),
    ]);
    const url = `http://127.0.0.1:${httpPort}`;
    await waitFor('the dev agent to lead', async () => {
      const r = await http<string>('GET', `${url}/v1/status/leader`, undefined, 2_000);
      return r.json === `127.0.0.1:${serverPort}` ? true : undefined;
    });

    const reg = await http('PUT', `${url}/v1/agent/service/register`, {
      Name: 'web',
      ID: 'web-1',
      Port: 8080,
      Tags: ['v1'],
      Check: { TTL: '30s' },
    });
    expect(reg.status).toBe(200);

    // A TTL check starts critical: not in ?passing until heartbeated.
    const before = await http<HealthEntry[]>('GET', `${url}/v1/health/service/web?passing`);
    expect(before.status).toBe(200);
    expect(before.json).toEqual([]);

    const pass = await http('PUT', `${url}/v1/agent/check/pass/service:web-1?note=ok`);
    expect(pass.status).toBe(200);

    const health = await http<HealthEntry[]>('GET', `${url}/v1/health/service/web?passing`);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Array.isArray(health.json)).toBe(true);
    expect(health.json).toHaveLength(1);
    const [entry] = health.json;
    expect(entry?.Service).toMatchObject({ ID: 'web-1', Service: 'web', Port: 8080, Tags: ['v1'] });
    expect(entry?.Node.Node).toBe('dev');
    expect(entry?.Checks.find((c) => c.CheckID === 'service:web-1')?.Status).toBe('passing');
    const index = Number(health.headers.get('x-consul-index'));
    expect(health.headers.has('x-consul-index')).toBe(true);
    expect(Number.isInteger(index) && index >= 1).toBe(true);

    const badPort = await http('PUT', `${url}/v1/agent/service/register`, { Name: 'web', Port: 'eighty' });
    expect(badPort.status).toBe(400);
    expect(badPort.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(badPort.text).toMatch(/^Port: /);
    const badCheck = await http('PUT', `${url}/v1/agent/service/register`, {
      Name: 'api',
      Checks: [{ TTL: '10s' }, { Args: ['/bin/true'], Interval: '10s' }],
    });
    expect(badCheck.status).toBe(400);
    expect(badCheck.text).toMatch(/^Checks\[1\]\.Args: /);
    const notJson = await http('PUT', `${url}/v1/agent/service/register`, '{"Name": ');
    expect(notJson.status).toBe(400);
    expect(notJson.text).toMatch(/^body: Request decode failed/);
    // the refused registrations left nothing behind
    const api = await http<HealthEntry[]>('GET', `${url}/v1/health/service/api`);
    expect(api.json).toEqual([]);

    const exited = exitOf(child);
    child.proc.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(child.output).toContain('stopping');
  });

  it('agent --dev on a port already in use exits non-zero with one line on stderr', async () => {
    const [busy, serverPort, dnsPort] = (await freePorts(3)) as [number, number, number];
    const server = createServer();
    blocker = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(busy, '127.0.0.1', () => resolve());
    });
    child = new Child(CLI, [
      'agent',
      '--dev',
      '--http-port',
      String(busy),
      '--server-port',
      String(serverPort),
      '--dns-port',
      String(dnsPort),
      '--log-level',
      'silent',
    ]);
    const stderr = collectStderr(child);
    const { code } = await exitOf(child);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const lines = stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cairn: .*EADDRINUSE/);
    expect(lines[0]).toContain(String(busy));
  });
});
