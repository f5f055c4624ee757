import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { freePorts, waitUntil } from '../../cluster/index.js';
import { Child, distScript } from '../support/processes.js';

const CLI = distScript('src/cli/main.js');

describe('cairn CLI as a process', () => {
  let child: Child | null = null;
  afterEach(async () => {
    await child?.kill('SIGKILL');
    child = null;
  });

  it.each([
    [['agent', '--http-port', 'abc', '--dev'], /^cairn: --http-port: "abc" is not a port/],
    [['agent', '--bogus'], /^cairn: Unknown option '--bogus'/],
    [['frobnicate'], /^cairn: unknown command "frobnicate"/],
    [['agent'], /^cairn: --node: a server id is required/],
  ])('%j exits 2 with one line naming the problem', (args, message) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('agent --dev serves the demo state machine and stops cleanly on SIGTERM', async () => {
    const [http, raft] = (await freePorts(2)) as [number, number];
    child = new Child(CLI, ['agent', '--dev', '--http-port', String(http), '--raft-port', String(raft)]);
    const url = `http://127.0.0.1:${http}`;
    await waitUntil('the dev node to lead', async () => {
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

    const exited = new Promise<number | null>((resolve) => child?.proc.once('exit', (code) => resolve(code)));
    child.proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(child.output).toContain('raft node stopped');
  });
});
