import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { distScript, freePorts, waitFor } from '../support/processes.js';

/**
 * `cairn agent --dev` on a pseudo-terminal (util-linux `script`): readable log lines by default,
 * JSON with --log-json. (Off a terminal JSON is the default, which every other process test reads.)
 */
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasScript)
  console.warn('test/cli/agent-tty: no util-linux script here; the terminal format is tested directly only');

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe.skipIf(!hasScript)('cairn agent on a terminal', () => {
  let term: ChildProcess | null = null;
  afterEach(async () => {
    const t = term;
    term = null;
    if (t === null || t.exitCode !== null || t.signalCode !== null) return;
    // script stops the agent it runs (SIGTERM, then SIGKILL) before it exits itself.
    const exited = new Promise((r) => t.once('exit', r));
    t.kill('SIGTERM');
    await exited;
  });

  async function agentOnTerminal(extra: readonly string[]): Promise<() => string> {
    const [http, dns, server] = (await freePorts(3)) as [number, number, number];
    const argv = [
      process.execPath,
      distScript('src/cli/main.js'),
      'agent',
      '--dev',
      '--http-port',
      String(http),
      '--dns-port',
      String(dns),
      '--server-port',
      String(server),
      ...extra,
    ];
    // exec: the agent itself is the terminal's process, so script's SIGTERM reaches it.
    term = spawn('script', ['-q', '-e', '-c', `exec ${argv.map(quote).join(' ')}`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    term.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    term.stderr?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    return () => out.replace(/\r/g, '');
  }

  it('prints readable lines: time, level, node, message, fields', async () => {
    const output = await agentOnTerminal([]);
    const line = await waitFor(
      'a readable "leader changed" line',
      () =>
        output()
          .split('\n')
          .find((l) => / INFO {2}\[dev\] leader changed .*term=\d+/.test(l)),
      30_000,
    );
    expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO {2}\[dev\] leader changed leader=dev/);
    expect(output()).not.toMatch(/^\{"level"/m);
  });

  it('prints JSON with --log-json', async () => {
    const output = await agentOnTerminal(['--log-json']);
    const line = await waitFor(
      'a JSON "leader changed" line',
      () =>
        output()
          .split('\n')
          .find((l) => l.startsWith('{') && l.includes('"leader changed"')),
      30_000,
    );
    expect(JSON.parse(line)).toMatchObject({ level: 30, node: 'dev', msg: 'leader changed', leader: 'dev' });
  });
});
