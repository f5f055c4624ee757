import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/errors.js';
import { type Connection, KV_USAGE, type KvCommand, parseKvArgs } from '../../../src/cli/kv/args.js';

const LOCAL: Connection = {
  addr: '127.0.0.1:8500',
  baseUrl: 'http://127.0.0.1:8500',
  tls: null,
  token: null,
};

const parse = (argv: readonly string[], env = {}, user: string | null = 'ada'): KvCommand =>
  parseKvArgs(argv, env, user);

/** The UsageError's message; fails if parsing succeeds or throws anything else. */
function usageError(argv: readonly string[], env = {}, user: string | null = 'ada'): string {
  let thrown: unknown;
  try {
    parseKvArgs(argv, env, user);
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error(`expected a usage error for ${JSON.stringify(argv)}`);
  expect(thrown).toBeInstanceOf(UsageError);
  const message = (thrown as Error).message;
  expect(message).not.toMatch(/[\r\n]/);
  return message;
}

describe('cairn kv arguments: each command', () => {
  it('get KEY, with --detailed and --base64', () => {
    expect(parse(['get', 'a/b'])).toEqual({
      kind: 'get',
      conn: LOCAL,
      key: 'a/b',
      detailed: false,
      base64: false,
    });
    expect(parse(['get', '--detailed', 'a', '--base64'])).toMatchObject({
      key: 'a',
      detailed: true,
      base64: true,
    });
  });

  it('put KEY VALUE: a literal, @file, "\\@" for a literal @, "-" or nothing for stdin', () => {
    expect(parse(['put', 'k', 'v'])).toEqual({
      kind: 'put',
      conn: LOCAL,
      key: 'k',
      value: { kind: 'literal', text: 'v' },
      cas: null,
      flags: null,
      author: 'ada',
    });
    expect(parse(['put', 'k', '@/tmp/x.bin'])).toMatchObject({ value: { kind: 'file', path: '/tmp/x.bin' } });
    expect(parse(['put', 'k', '\\@home'])).toMatchObject({ value: { kind: 'literal', text: '@home' } });
    expect(parse(['put', 'k', '-'])).toMatchObject({ value: { kind: 'stdin', explicit: true } });
    expect(parse(['put', 'k'])).toMatchObject({ value: { kind: 'stdin', explicit: false } });
    expect(parse(['put', 'k', ''])).toMatchObject({ value: { kind: 'literal', text: '' } });
    // A value that looks like an option goes after "--".
    expect(parse(['put', 'k', '--', '-5'])).toMatchObject({ value: { kind: 'literal', text: '-5' } });
  });

  it('put --cas --flags --author', () => {
    expect(parse(['put', 'k', 'v', '--cas', '0', '--flags', '42', '--author', 'grace hopper'])).toMatchObject(
      {
        cas: 0,
        flags: 42,
        author: 'grace hopper',
      },
    );
    expect(parse(['put', 'k', 'v', '--cas=17'])).toMatchObject({ cas: 17 });
    expect(parse(['put', 'k', 'v', '--author', ''])).toMatchObject({ author: '' });
  });

  it('the default author is the OS user, left out when it cannot travel in a header', () => {
    expect(parse(['put', 'k', 'v'], {}, 'root')).toMatchObject({ author: 'root' });
    expect(parse(['put', 'k', 'v'], {}, null)).toMatchObject({ author: null });
    expect(parse(['put', 'k', 'v'], {}, 'josé')).toMatchObject({ author: null });
    expect(parse(['delete', 'k'], {}, 'ops')).toMatchObject({ author: 'ops' });
    expect(parse(['rollback', 'k', '3'], {}, 'ops')).toMatchObject({ author: 'ops' });
  });

  it('delete KEY [--recurse] [--cas N]; an empty prefix only with --recurse', () => {
    expect(parse(['delete', 'k'])).toEqual({
      kind: 'delete',
      conn: LOCAL,
      key: 'k',
      recurse: false,
      cas: null,
      author: 'ada',
    });
    expect(parse(['delete', 'app/', '--recurse'])).toMatchObject({ key: 'app/', recurse: true });
    expect(parse(['delete', '', '--recurse'])).toMatchObject({ key: '', recurse: true });
    expect(parse(['delete', 'k', '--cas', '9'])).toMatchObject({ cas: 9 });
  });

  it('list [PREFIX] [--separator S]', () => {
    expect(parse(['list'])).toEqual({ kind: 'list', conn: LOCAL, prefix: '', separator: '' });
    expect(parse(['list', 'app/', '--separator', '/'])).toMatchObject({ prefix: 'app/', separator: '/' });
  });

  it('history KEY', () => {
    expect(parse(['history', 'k'])).toEqual({ kind: 'history', conn: LOCAL, key: 'k' });
  });

  it('rollback KEY INDEX [--cas N]', () => {
    expect(parse(['rollback', 'k', '12'])).toEqual({
      kind: 'rollback',
      conn: LOCAL,
      key: 'k',
      index: 12,
      cas: null,
      author: 'ada',
    });
    expect(parse(['rollback', 'k', '12', '--cas', '15'])).toMatchObject({ index: 12, cas: 15 });
  });

  it('watch KEY [--recurse]', () => {
    expect(parse(['watch', 'k'])).toEqual({ kind: 'watch', conn: LOCAL, key: 'k', recurse: false });
    expect(parse(['watch', '', '--recurse'])).toMatchObject({ key: '', recurse: true });
  });

  it('help: kv help, kv --help, kv -h, and --help on any command', () => {
    for (const argv of [
      ['help'],
      ['--help'],
      ['-h'],
      ['put', '--help'],
      ['get', '-h'],
      ['rollback', '--help'],
    ]) {
      expect(parse(argv)).toEqual({ kind: 'help' });
    }
  });

  it('the usage names every command and the exit statuses', () => {
    for (const c of ['get', 'put', 'delete', 'list', 'history', 'rollback', 'watch']) {
      expect(KV_USAGE).toContain(`cairn kv ${c} `);
    }
    expect(KV_USAGE).toContain('--http-addr [https://]HOST:PORT');
    expect(KV_USAGE).toContain('--ca-file, --client-cert, --client-key');
    expect(KV_USAGE).toContain('exit status: 0 ok, 1 not found or CAS failed');
  });
});

describe('cairn kv arguments: the server address and token', () => {
  it('--http-addr, else CAIRN_HTTP_ADDR, else 127.0.0.1:8500', () => {
    expect(parse(['get', 'k'], { CAIRN_HTTP_ADDR: '10.0.0.1:8501' })).toMatchObject({
      conn: { addr: '10.0.0.1:8501', baseUrl: 'http://10.0.0.1:8501' },
    });
    expect(
      parse(['get', 'k', '--http-addr', 'localhost:9000'], { CAIRN_HTTP_ADDR: 'not an address' }),
    ).toMatchObject({ conn: { addr: 'localhost:9000', baseUrl: 'http://localhost:9000' } });
    expect(parse(['get', 'k'], { CAIRN_HTTP_ADDR: '' })).toMatchObject({ conn: LOCAL });
  });

  it('accepts a scheme, IPv6 in brackets and a trailing slash', () => {
    expect(parse(['get', 'k', '--http-addr', 'https://cairn.internal:443/'])).toMatchObject({
      conn: { addr: 'cairn.internal:443', baseUrl: 'https://cairn.internal:443' },
    });
    expect(parse(['get', 'k', '--http-addr', '[::1]:8500'])).toMatchObject({
      conn: { addr: '[::1]:8500', baseUrl: 'http://[::1]:8500' },
    });
  });

  it('--http-addr and --token may also come before the command', () => {
    expect(parse(['--http-addr', '10.1.1.1:8500', '--token=t', 'get', 'k'])).toEqual({
      kind: 'get',
      conn: { addr: '10.1.1.1:8500', baseUrl: 'http://10.1.1.1:8500', tls: null, token: 't' },
      key: 'k',
      detailed: false,
      base64: false,
    });
    expect(usageError(['--http-addr', 'h:1'])).toBe(
      'kv: a command is required: get, put, delete, list, history, rollback or watch',
    );
    expect(usageError(['--detailed', 'get', 'k'])).toBe(
      'kv: unknown command "--detailed" (try: cairn kv help)',
    );
  });

  it('--token is carried', () => {
    expect(parse(['list', '--token', 'b1gs3cr3t'])).toMatchObject({ conn: { token: 'b1gs3cr3t' } });
  });
});

describe('cairn kv arguments: each mistake is one line naming it', () => {
  it.each<[string[], string]>([
    [[], 'kv: a command is required: get, put, delete, list, history, rollback or watch'],
    [['frob'], 'kv: unknown command "frob" (try: cairn kv help)'],
    [['get'], 'kv get: KEY is required'],
    [['get', ''], 'kv get: KEY must not be empty'],
    [['get', 'a', 'b'], 'kv get: unexpected argument "b"'],
    [['get', 'k', '--bogus'], 'kv get: unknown option --bogus'],
    [['get', 'k', '-x'], 'kv get: unknown option -x'],
    [['get', 'k', '--recurse'], 'kv get: unknown option --recurse'],
    [['get', 'k', '--detailed=yes'], 'kv get: --detailed does not take a value'],
    [['get', '.'], 'kv get: KEY "." cannot be used (a URL path cannot carry it)'],
    [['get', '..'], 'kv get: KEY ".." cannot be used (a URL path cannot carry it)'],
    [['put'], 'kv put: KEY is required'],
    [['put', '', 'v'], 'kv put: KEY must not be empty'],
    [['put', 'k', 'v', 'w'], 'kv put: unexpected argument "w"'],
    [['put', 'k', 'v', '--cas', 'x'], 'kv put: --cas: "x" is not a non-negative integer'],
    [
      ['put', 'k', 'v', '--cas', '-1'],
      'kv put: --cas needs a value (write --cas=VALUE for one starting with "-")',
    ],
    [['put', 'k', 'v', '--cas=-1'], 'kv put: --cas: "-1" is not a non-negative integer'],
    [['put', 'k', 'v', '--cas', '1.5'], 'kv put: --cas: "1.5" is not a non-negative integer'],
    [
      ['put', 'k', 'v', '--cas', '99999999999999999999'],
      'kv put: --cas: "99999999999999999999" is not a non-negative integer',
    ],
    [['put', 'k', 'v', '--cas'], 'kv put: --cas needs a value'],
    [['put', 'k', 'v', '--flags', 'ten'], 'kv put: --flags: "ten" is not a non-negative integer'],
    [['put', 'k', 'v', '--flags', ''], 'kv put: --flags: "" is not a non-negative integer'],
    [['put', 'k', '@'], 'kv put: @FILE: a file path is required after "@"'],
    [
      ['put', 'k', 'v', '--author', 'a\nb'],
      'kv put: --author: must be printable ASCII, at most 256 characters',
    ],
    [
      ['put', 'k', 'v', '--author', 'x'.repeat(257)],
      'kv put: --author: must be printable ASCII, at most 256 characters',
    ],
    [
      ['put', 'k', 'v', '--author', 'josé'],
      'kv put: --author: must be printable ASCII, at most 256 characters',
    ],
    [['put', 'k', '-5'], 'kv put: unknown option -5'],
    [['put', 'k', 'v', '--recurse'], 'kv put: unknown option --recurse'],
    [['delete'], 'kv delete: KEY is required'],
    [['delete', ''], 'kv delete: KEY must not be empty'],
    [['delete', 'k', '--cas', 'no'], 'kv delete: --cas: "no" is not a non-negative integer'],
    [['delete', 'k', '--recurse', '--cas', '3'], 'kv delete: --cas cannot be used with --recurse'],
    [['delete', '.', '--recurse'], 'kv delete: KEY "." cannot be used (a URL path cannot carry it)'],
    [['delete', 'k', '--flags', '1'], 'kv delete: unknown option --flags'],
    [['list', 'a', 'b'], 'kv list: unexpected argument "b"'],
    [['list', '--separator'], 'kv list: --separator needs a value'],
    [['list', '..'], 'kv list: PREFIX ".." cannot be used (a URL path cannot carry it)'],
    [['list', '--author', 'me'], 'kv list: unknown option --author'],
    [['history'], 'kv history: KEY is required'],
    [['history', 'k', '3'], 'kv history: unexpected argument "3"'],
    [['history', ''], 'kv history: KEY must not be empty'],
    [['rollback'], 'kv rollback: KEY is required'],
    [['rollback', 'k'], 'kv rollback: INDEX is required'],
    [['rollback', 'k', 'x'], 'kv rollback: INDEX: "x" is not a positive integer'],
    [['rollback', 'k', '0'], 'kv rollback: INDEX: "0" is not a positive integer'],
    [['rollback', 'k', '3', '4'], 'kv rollback: unexpected argument "4"'],
    [['rollback', 'k', '3', '--cas', 'y'], 'kv rollback: --cas: "y" is not a non-negative integer'],
    [['watch'], 'kv watch: KEY is required'],
    [['watch', ''], 'kv watch: KEY must not be empty'],
    [['watch', 'k', '--wait', '5m'], 'kv watch: unknown option --wait'],
    [['get', 'k', '--http-addr', 'localhost'], 'kv get: --http-addr: "localhost" is not HOST:PORT'],
    [['get', 'k', '--http-addr', 'h:0'], 'kv get: --http-addr: "h:0" is not HOST:PORT'],
    [['get', 'k', '--http-addr', 'h:65536'], 'kv get: --http-addr: "h:65536" is not HOST:PORT'],
    [['get', 'k', '--http-addr', 'ftp://h:21'], 'kv get: --http-addr: "ftp://h:21" is not HOST:PORT'],
    [['get', 'k', '--http-addr', ''], 'kv get: --http-addr: "" is not HOST:PORT'],
    [['get', 'k', '--http-addr'], 'kv get: --http-addr needs a value'],
    [['get', 'k', '--token', 'has space'], 'kv get: --token: a token must be printable ASCII without spaces'],
    [['get', 'k', '--token', ''], 'kv get: --token: a token must be printable ASCII without spaces'],
  ])('%j → "%s"', (argv, message) => {
    expect(usageError(argv)).toBe(message);
  });

  it('a bad CAIRN_HTTP_ADDR is named as such', () => {
    expect(usageError(['list'], { CAIRN_HTTP_ADDR: 'nowhere' })).toBe(
      'kv list: CAIRN_HTTP_ADDR: "nowhere" is not HOST:PORT',
    );
  });
});
