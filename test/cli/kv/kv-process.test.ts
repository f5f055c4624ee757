/**
 * `cairn kv ...` as a process against a real `cairn agent --dev`: every
 * command end to end, exit statuses and the one-line messages.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentArgv, freePorts, waitUntil } from '../../../cluster/index.js';
import { isAuthor } from '../../../src/cli/kv/args.js';
import { osUserName } from '../../../src/cli/kv/index.js';
import { Child, distScript } from '../../support/processes.js';

const CLI = distScript('src/cli/main.js');

let agent: Child | null = null;
let addr = '';
let dir = '';
const watchers: Child[] = [];

beforeAll(async () => {
  const [httpPort, serverPort, dnsPort] = (await freePorts(3)) as [number, number, number];
  addr = `127.0.0.1:${httpPort}`;
  dir = mkdtempSync(join(tmpdir(), 'cairn-kv-cli-'));
  agent = new Child(CLI, [
    'agent',
    ...agentArgv({ dev: true, httpPort, serverPort, dnsPort, logLevel: 'warn' }),
  ]);
  const started = agent;
  const outcome = await waitUntil('the dev agent to lead', async () => {
    if (!started.alive) return 'exited';
    const res = await fetch(`http://${addr}/v1/status/leader`, { signal: AbortSignal.timeout(2000) });
    return (await res.json()) === `127.0.0.1:${serverPort}` ? 'leading' : undefined;
  });
  if (outcome === 'exited') throw new Error(`the dev agent exited: ${started.output.slice(-2000)}`);
});

afterEach(async () => {
  // Only watchers this file started, each by its own PID.
  for (const w of watchers.splice(0)) await w.kill('SIGKILL');
});

afterAll(async () => {
  if (agent) {
    const stopping = agent.kill('SIGTERM');
    const timer = setTimeout(() => void agent?.kill('SIGKILL'), 10_000);
    await stopping;
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  readonly status: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** `cairn kv <command> --http-addr ADDR ...args`, stdin from `input` (an empty pipe if none). */
function kv(command: string, args: readonly string[] = [], input: Buffer | string = ''): Run {
  const r = spawnSync(process.execPath, [CLI, 'kv', command, '--http-addr', addr, ...args], {
    input,
    timeout: 20_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

const out = (r: Run) => r.stdout.toString();

/** Expects exactly one line on stderr and returns it. */
function oneLine(r: Run): string {
  const lines = r.stderr.split('\n');
  expect(lines, r.stderr).toHaveLength(2);
  expect(lines[1]).toBe('');
  return lines[0] as string;
}

function ok(r: Run): Run {
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r;
}

/** The fields of one `get --detailed` (one process for all of them: each start costs seconds under load). */
function detailed(key: string): (name: string) => string {
  const lines = out(ok(kv('get', [key, '--detailed']))).split('\n');
  return (name) => {
    const line = lines.find((l) => l.startsWith(`${name} `));
    if (line === undefined) throw new Error(`no ${name} in get --detailed`);
    return line.slice(name.length).trim();
  };
}

describe('cairn kv against a dev agent', () => {
  it('put then get returns the value exactly, without an added newline', () => {
    expect(out(ok(kv('put', ['greeting', 'hello world'])))).toBe('Success! Data written to: greeting\n');
    expect(ok(kv('get', ['greeting'])).stdout).toEqual(Buffer.from('hello world'));
    expect(out(ok(kv('get', ['greeting', '--base64'])))).toBe(
      `${Buffer.from('hello world').toString('base64')}\n`,
    );
  });

  it('binary bytes round-trip from a file (@path), from stdin with "-" and with no value', () => {
    const bin = Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 7 + 3) % 256));
    const file = join(dir, 'value.bin');
    writeFileSync(file, bin);
    ok(kv('put', ['bin/file', `@${file}`]));
    expect(ok(kv('get', ['bin/file'])).stdout).toEqual(bin);
    const reversed = Buffer.from(bin).reverse();
    ok(kv('put', ['bin/stdin', '-'], reversed));
    expect(ok(kv('get', ['bin/stdin'])).stdout).toEqual(reversed);
    ok(kv('put', ['bin/implicit'], Buffer.from([0, 10, 0, 13])));
    expect(ok(kv('get', ['bin/implicit'])).stdout).toEqual(Buffer.from([0, 10, 0, 13]));
    // Keys with characters that mean something in a URL.
    ok(kv('put', ['odd/sp ace?q#h%', 'x']));
    expect(out(ok(kv('get', ['odd/sp ace?q#h%'])))).toBe('x');
  });

  it('--flags and get --detailed', () => {
    ok(kv('put', ['flagged', 'v', '--flags', '42']));
    const field = detailed('flagged');
    expect(field('Flags')).toBe('42');
    expect(field('Key')).toBe('flagged');
    expect(field('Session')).toBe('-');
    expect(Number(field('ModifyIndex'))).toBeGreaterThan(0);
  });

  it('CAS: create-only succeeds once, then fails with exit 1; the right index succeeds', () => {
    ok(kv('put', ['cas/k', 'v1', '--cas', '0']));
    const again = kv('put', ['cas/k', 'v2', '--cas', '0']);
    expect(again.status).toBe(1);
    expect(oneLine(again)).toBe('cairn: CAS failed: cas/k was modified (or exists)');
    const index = detailed('cas/k')('ModifyIndex');
    const stale = kv('put', ['cas/k', 'v2', '--cas', String(Number(index) - 1)]);
    expect(stale.status).toBe(1);
    expect(oneLine(stale)).toBe('cairn: CAS failed: cas/k was modified (or exists)');
    ok(kv('put', ['cas/k', 'v3', '--cas', index]));
    expect(out(ok(kv('get', ['cas/k'])))).toBe('v3');
    const del = kv('delete', ['cas/k', '--cas', index]);
    expect(del.status).toBe(1);
    expect(oneLine(del)).toBe('cairn: CAS failed: cas/k was modified (or deleted)');
  });

  it('get of a missing key exits 1 with one line and prints nothing', () => {
    const r = kv('get', ['no/such/key']);
    expect(r.status).toBe(1);
    expect(r.stdout.length).toBe(0);
    expect(oneLine(r)).toBe('cairn: key "no/such/key" not found');
  });

  it('list: every key under a prefix, folded at --separator; a missing prefix exits 1', () => {
    for (const k of ['app/a/x', 'app/a/y', 'app/b', 'app/c/z']) ok(kv('put', [k, k]));
    expect(out(ok(kv('list', ['app/'])))).toBe('app/a/x\napp/a/y\napp/b\napp/c/z\n');
    expect(out(ok(kv('list', ['app/', '--separator', '/'])))).toBe('app/a/\napp/b\napp/c/\n');
    const none = kv('list', ['nothing/']);
    expect(none.status).toBe(1);
    expect(oneLine(none)).toBe('cairn: no keys under "nothing/"');
  });

  it('history shows both versions with their authors; rollback restores the first value', () => {
    ok(kv('put', ['hist/k', 'first value', '--author', 'alice']));
    ok(kv('put', ['hist/k', 'second\nvalue', '--author', 'bob', '--flags', '3']));
    const lines = out(ok(kv('history', ['hist/k'])))
      .trimEnd()
      .split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^INDEX\s+TIME\s+OP\s+AUTHOR\s+FLAGS\s+VALUE$/);
    expect(lines[1]).toMatch(/^\d+\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+set\s+bob\s+3\s+"second\\nvalue"$/);
    expect(lines[2]).toMatch(/^\d+\s+\S+\s+set\s+alice\s+0\s+"first value"$/);
    const firstIndex = (lines[2] as string).split(/\s+/)[0] as string;

    const back = ok(kv('rollback', ['hist/k', firstIndex]));
    expect(out(back)).toBe(`Success! Rolled back hist/k to version ${firstIndex}\n`);
    expect(out(ok(kv('get', ['hist/k'])))).toBe('first value');
    const after = out(ok(kv('history', ['hist/k'])))
      .trimEnd()
      .split('\n');
    expect(after).toHaveLength(4);
    // The rollback is a new version, written by this OS user (the default author).
    const me = osUserName();
    expect(after[1]).toContain(` ${me !== null && isAuthor(me) ? me : '-'} `);
    expect(after[1]).toMatch(/"first value"$/);

    const missing = kv('rollback', ['hist/k', '999999']);
    expect(missing.status).toBe(1);
    expect(oneLine(missing)).toBe('cairn: key "hist/k" has no version 999999');
    const noHistory = kv('history', ['hist/none']);
    expect(noHistory.status).toBe(1);
    expect(oneLine(noHistory)).toBe('cairn: key "hist/none" has no history');
  });

  it('delete --recurse removes a prefix; delete removes one key', () => {
    for (const k of ['tree/a', 'tree/b/c', 'treehouse']) ok(kv('put', [k, '1']));
    expect(out(ok(kv('delete', ['tree/', '--recurse'])))).toBe('Success! Deleted keys with prefix: tree/\n');
    expect(kv('list', ['tree/']).status).toBe(1);
    expect(out(ok(kv('get', ['treehouse'])))).toBe('1');
    expect(out(ok(kv('delete', ['treehouse'])))).toBe('Success! Deleted key: treehouse\n');
    expect(kv('get', ['treehouse']).status).toBe(1);
  });

  it('watch prints the current value, then each new one, and exits 0 on SIGTERM', async () => {
    ok(kv('put', ['watched', 'one']));
    const w = new Child(CLI, ['kv', 'watch', 'watched', '--http-addr', addr]);
    watchers.push(w);
    let stdout = '';
    w.proc.stdout?.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    await waitUntil('the initial value', async () => (stdout === 'one\n' ? true : undefined));
    ok(kv('put', ['watched', 'two']));
    await waitUntil('the new value', async () => (stdout === 'one\ntwo\n' ? true : undefined));
    ok(kv('delete', ['watched']));
    await waitUntil('the delete', async () => (stdout === 'one\ntwo\n(deleted)\n' ? true : undefined));
    ok(kv('put', ['watched', 'three']));
    await waitUntil('the value after the delete', async () =>
      stdout === 'one\ntwo\n(deleted)\nthree\n' ? true : undefined,
    );
    await w.kill('SIGTERM');
    expect(w.proc.exitCode).toBe(0);
    expect(w.output).toBe(stdout); // nothing on stderr
  });

  it('watch --recurse prints key=value lines for the prefix on every change', async () => {
    ok(kv('put', ['wr/a', '1']));
    const w = new Child(CLI, ['kv', 'watch', 'wr/', '--recurse', '--http-addr', addr]);
    watchers.push(w);
    await waitUntil('the initial lines', async () => (w.output === 'wr/a=1\n' ? true : undefined));
    ok(kv('put', ['wr/b', 'x\ny']));
    await waitUntil('the new lines', async () =>
      w.output === 'wr/a=1\nwr/a=1\nwr/b=x\\ny\n' ? true : undefined,
    );
    await w.kill('SIGINT');
    expect(w.proc.exitCode).toBe(0);
  });

  it('an unreachable --http-addr exits 2 with one line; watch retries and still exits 0', async () => {
    const [dead] = (await freePorts(1)) as [number];
    const r = spawnSync(process.execPath, [CLI, 'kv', 'get', 'k', '--http-addr', `127.0.0.1:${dead}`], {
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr.toString()).toMatch(
      new RegExp(`^cairn: cannot reach 127\\.0\\.0\\.1:${dead}: .*ECONNREFUSED.*\\n$`),
    );

    const w = new Child(CLI, ['kv', 'watch', 'k', '--http-addr', `127.0.0.1:${dead}`]);
    watchers.push(w);
    await waitUntil('two retries', async () => (w.output.split('\n').length >= 3 ? true : undefined));
    expect(w.output.split('\n')[0]).toBe(
      `cairn: cannot reach 127.0.0.1:${dead}: connect ECONNREFUSED 127.0.0.1:${dead} (retrying in 500ms)`,
    );
    expect(w.output.split('\n')[1]).toMatch(/\(retrying in 1s\)$/);
    await w.kill('SIGTERM');
    expect(w.proc.exitCode).toBe(0);
  });

  it('usage errors exit 2 with one line; CAIRN_HTTP_ADDR is used without --http-addr', () => {
    const bad = spawnSync(process.execPath, [CLI, 'kv', 'put', 'k', 'v', '--cas', 'x'], { timeout: 20_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr.toString()).toBe('cairn: kv put: --cas: "x" is not a non-negative integer\n');
    ok(kv('put', ['env/k', 'from env']));
    const viaEnv = spawnSync(process.execPath, [CLI, 'kv', 'get', 'env/k'], {
      timeout: 20_000,
      env: { ...process.env, CAIRN_HTTP_ADDR: addr },
    });
    expect(viaEnv.status).toBe(0);
    expect(viaEnv.stdout.toString()).toBe('from env');
    const help = spawnSync(process.execPath, [CLI, 'kv', 'help'], { timeout: 20_000 });
    expect(help.status).toBe(0);
    expect(help.stdout.toString()).toContain('usage: cairn kv get KEY');
  });
});
