import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/errors.js';
import { type KvCommand, parseKvArgs } from '../../../src/cli/kv/args.js';
import { KvClient } from '../../../src/cli/kv/client.js';
import { runCommand } from '../../../src/cli/kv/commands.js';
import { CasFailedError, NotFoundError, RefusedError } from '../../../src/cli/kv/errors.js';
import type { InputIo } from '../../../src/cli/kv/input.js';
import { json, missing, scripted } from './fake-fetch.js';

const noInput: InputIo = {
  stdinIsTTY: false,
  readStdin: async () => {
    throw new Error('unexpected stdin read');
  },
  readFile: async (p) => {
    throw new Error(`ENOENT: no such file or directory, open '${p}'`);
  },
};

/** Parses argv, runs it against a scripted server; what was printed, and the URLs asked. */
async function run(
  argv: string[],
  steps: Parameters<typeof scripted>[0],
  o: { input?: InputIo; tty?: boolean } = {},
): Promise<{ out: Buffer; urls: string[]; bodies: unknown[] }> {
  const cmd = parseKvArgs(argv, {}, 'ada') as Exclude<KvCommand, { kind: 'help' | 'watch' }>;
  const { fetch, seen } = scripted(steps);
  const client = new KvClient(cmd.conn, { fetch, author: 'author' in cmd ? cmd.author : null });
  const chunks: Buffer[] = [];
  await runCommand(cmd, client, {
    out: (c) => chunks.push(Buffer.from(c)),
    stdoutIsTTY: o.tty ?? false,
    input: o.input ?? noInput,
  });
  return { out: Buffer.concat(chunks), urls: seen.map((s) => s.url), bodies: seen.map((s) => s.init.body) };
}

async function failure(
  argv: string[],
  steps: Parameters<typeof scripted>[0],
  input = noInput,
): Promise<Error> {
  try {
    await run(argv, steps, { input });
  } catch (e) {
    return e as Error;
  }
  throw new Error(`expected ${JSON.stringify(argv)} to fail`);
}

const b64 = (b: Uint8Array | string) => Buffer.from(b).toString('base64');
const pair = (key: string, value: Uint8Array | string, index = 5) => ({
  Key: key,
  Value: b64(value),
  Flags: 0,
  CreateIndex: 2,
  ModifyIndex: index,
  LockIndex: 0,
});

describe('one-shot kv commands against a scripted server', () => {
  it('get prints the exact bytes; --base64 a line of base64', async () => {
    const bin = new Uint8Array([0, 255, 10, 13]);
    expect((await run(['get', 'b'], [json([pair('b', bin)], 5)])).out).toEqual(Buffer.from(bin));
    expect((await run(['get', 'b', '--base64'], [json([pair('b', bin)], 5)])).out.toString()).toBe(
      `${b64(bin)}\n`,
    );
    expect((await run(['get', 'b'], [json([pair('b', 'x')], 5)], { tty: true })).out.toString()).toBe('x\n');
  });

  it('get of a missing key: NotFoundError (exit 1)', async () => {
    const e = await failure(['get', 'nope'], [missing(3)]);
    expect(e).toEqual(new NotFoundError('key "nope" not found'));
    expect((e as NotFoundError).exitCode).toBe(1);
  });

  it('put sends the bytes of the argument, a file or stdin', async () => {
    const file = new Uint8Array([1, 2, 3, 0]);
    const input: InputIo = {
      stdinIsTTY: false,
      readStdin: async () => new Uint8Array([9, 8]),
      readFile: async (p) => {
        if (p !== '/v.bin') throw new Error('wrong path');
        return file;
      },
    };
    const a = await run(['put', 'k', 'héllo'], [json(true, 0)]);
    expect(a.out.toString()).toBe('Success! Data written to: k\n');
    expect(a.bodies[0]).toEqual(new TextEncoder().encode('héllo'));
    expect((await run(['put', 'k', '@/v.bin'], [json(true, 0)], { input })).bodies[0]).toEqual(file);
    expect((await run(['put', 'k', '-'], [json(true, 0)], { input })).bodies[0]).toEqual(
      new Uint8Array([9, 8]),
    );
    expect((await run(['put', 'k'], [json(true, 0)], { input })).bodies[0]).toEqual(new Uint8Array([9, 8]));
  });

  it('put with no value and stdin a terminal, or an unreadable file: UsageError', async () => {
    expect(await failure(['put', 'k'], [], { ...noInput, stdinIsTTY: true })).toEqual(
      new UsageError('kv put: no VALUE given and stdin is a terminal (give VALUE, @FILE, or - for stdin)'),
    );
    expect(await failure(['put', 'k', '@/missing'], [])).toEqual(
      new UsageError(`kv put: cannot read "/missing": ENOENT: no such file or directory, open '/missing'`),
    );
  });

  it('put --cas answered false: CasFailedError; false without --cas: RefusedError', async () => {
    expect(await failure(['put', 'k', 'v', '--cas', '0'], [json(false, 0)])).toEqual(
      new CasFailedError('CAS failed: k was modified (or exists)'),
    );
    expect(await failure(['put', 'k', 'v'], [json(false, 0)])).toEqual(
      new RefusedError('the server did not write "k"'),
    );
  });

  it('delete, delete --recurse, delete --cas that fails', async () => {
    const one = await run(['delete', 'k'], [json(true, 0)]);
    expect(one.out.toString()).toBe('Success! Deleted key: k\n');
    const tree = await run(['delete', 'app/', '--recurse'], [json(true, 0)]);
    expect(tree.out.toString()).toBe('Success! Deleted keys with prefix: app/\n');
    expect(tree.urls).toEqual(['http://127.0.0.1:8500/v1/kv/app%2F?recurse']);
    expect(await failure(['delete', 'k', '--cas', '4'], [json(false, 0)])).toEqual(
      new CasFailedError('CAS failed: k was modified (or deleted)'),
    );
  });

  it('list prints keys one per line; an empty root prints nothing; a missing prefix fails', async () => {
    const r = await run(['list', 'app/', '--separator', '/'], [json(['app/a/', 'app/b'], 4)]);
    expect(r.out.toString()).toBe('app/a/\napp/b\n');
    expect(r.urls).toEqual(['http://127.0.0.1:8500/v1/kv/app%2F?keys&separator=%2F']);
    expect((await run(['list'], [json([], 1)])).out.toString()).toBe('');
    expect(await failure(['list', 'nothing/'], [missing(4)])).toEqual(
      new NotFoundError('no keys under "nothing/"'),
    );
  });

  it('history prints the table; no versions is NotFoundError', async () => {
    const r = await run(
      ['history', 'k'],
      [
        json(
          [
            {
              Key: 'k',
              ModifyIndex: 8,
              Op: 'set',
              Flags: 0,
              Value: b64('v'),
              Time: '2026-01-01T00:00:00.000Z',
              Author: 'ada',
            },
          ],
          8,
        ),
      ],
    );
    expect(r.out.toString()).toBe(
      'INDEX  TIME                      OP   AUTHOR  FLAGS  VALUE\n8      2026-01-01T00:00:00.000Z  set  ada     0      "v"\n',
    );
    expect(r.urls).toEqual(['http://127.0.0.1:8500/v1/kv/k?history']);
    expect(await failure(['history', 'k'], [json([], 1)])).toEqual(
      new NotFoundError('key "k" has no history'),
    );
  });

  it('rollback: success, no such version, CAS failed', async () => {
    const r = await run(['rollback', 'k', '8', '--cas', '9'], [json(true, 0)]);
    expect(r.out.toString()).toBe('Success! Rolled back k to version 8\n');
    expect(r.urls).toEqual(['http://127.0.0.1:8500/v1/kv/k?rollback=8&cas=9']);
    expect(await failure(['rollback', 'k', '99'], [missing(1)])).toEqual(
      new NotFoundError('key "k" has no version 99'),
    );
    expect(await failure(['rollback', 'k', '8', '--cas', '1'], [json(false, 0)])).toEqual(
      new CasFailedError('CAS failed: k was modified (or exists)'),
    );
  });
});
