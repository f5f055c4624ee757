/**
 * `cairn kv ...` arguments → a typed command. Pure: the environment and the
 * OS user name come in as parameters; every mistake is a UsageError whose
 * message is one line starting with the command ("kv put: ...").
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import {
  type CliEnvironment,
  type HttpTarget,
  httpTarget,
  TARGET_USAGE,
  TLS_OPTIONS,
  tokenSetting,
  VALUE_FLAGS,
} from '../http-target.js';

export { DEFAULT_HTTP_ADDR } from '../http-target.js';
/** The server truncates X-Cairn-Author to this many characters. */
export const MAX_AUTHOR = 256;

export const KV_USAGE = `usage: cairn kv get KEY [--detailed] [--base64]
       cairn kv put KEY [VALUE | @FILE | -] [--cas INDEX] [--flags N] [--author NAME]
       cairn kv delete KEY [--recurse] [--cas INDEX] [--author NAME]
       cairn kv list [PREFIX] [--separator SEP]
       cairn kv history KEY
       cairn kv rollback KEY INDEX [--cas INDEX] [--author NAME]
       cairn kv watch KEY [--recurse]
  every kv command also takes --token TOKEN (sent as X-Consul-Token) and
  ${TARGET_USAGE};
  these may come before or after the command name.
  put reads stdin when VALUE is "-", or omitted and stdin is not a terminal; "\\@x" is the literal "@x".
  --cas 0 creates only; --author (default: your OS user name) is recorded in the key's history.
  exit status: 0 ok, 1 not found or CAS failed (or refused by the server), 2 usage or connection error`;

/** Where and how to reach the server. */
export interface Connection extends HttpTarget {
  readonly token: string | null;
}

/** Where `put` takes the value from. */
export type ValueSource =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'file'; readonly path: string }
  /** explicit: "-" was given; otherwise the value was omitted (stdin must not be a terminal). */
  | { readonly kind: 'stdin'; readonly explicit: boolean };

export type KvCommand =
  | { readonly kind: 'help' }
  | {
      readonly kind: 'get';
      readonly conn: Connection;
      readonly key: string;
      readonly detailed: boolean;
      readonly base64: boolean;
    }
  | {
      readonly kind: 'put';
      readonly conn: Connection;
      readonly key: string;
      readonly value: ValueSource;
      readonly cas: number | null;
      readonly flags: number | null;
      readonly author: string | null;
    }
  | {
      readonly kind: 'delete';
      readonly conn: Connection;
      readonly key: string;
      readonly recurse: boolean;
      readonly cas: number | null;
      readonly author: string | null;
    }
  | {
      readonly kind: 'list';
      readonly conn: Connection;
      readonly prefix: string;
      readonly separator: string;
    }
  | { readonly kind: 'history'; readonly conn: Connection; readonly key: string }
  | {
      readonly kind: 'rollback';
      readonly conn: Connection;
      readonly key: string;
      readonly index: number;
      readonly cas: number | null;
      readonly author: string | null;
    }
  | { readonly kind: 'watch'; readonly conn: Connection; readonly key: string; readonly recurse: boolean };

export type KvCommandName = Exclude<KvCommand['kind'], 'help'>;

const GLOBAL = {
  'http-addr': { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...TLS_OPTIONS,
} as const;
const AUTHOR = { author: { type: 'string' } } as const;
const CAS = { cas: { type: 'string' } } as const;

const OPTIONS = {
  get: { ...GLOBAL, detailed: { type: 'boolean' }, base64: { type: 'boolean' } },
  put: { ...GLOBAL, ...AUTHOR, ...CAS, flags: { type: 'string' } },
  delete: { ...GLOBAL, ...AUTHOR, ...CAS, recurse: { type: 'boolean' } },
  list: { ...GLOBAL, separator: { type: 'string' } },
  history: { ...GLOBAL },
  rollback: { ...GLOBAL, ...AUTHOR, ...CAS },
  watch: { ...GLOBAL, recurse: { type: 'boolean' } },
} as const;

/** Positional arguments each command takes: names of the required ones, then the optional ones. */
const POSITIONALS: Record<KvCommandName, { required: readonly string[]; optional: readonly string[] }> = {
  get: { required: ['KEY'], optional: [] },
  put: { required: ['KEY'], optional: ['VALUE'] },
  delete: { required: ['KEY'], optional: [] },
  list: { required: [], optional: ['PREFIX'] },
  history: { required: ['KEY'], optional: [] },
  rollback: { required: ['KEY', 'INDEX'], optional: [] },
  watch: { required: ['KEY'], optional: [] },
};

type Values = Record<string, string | boolean | undefined>;

/** What the environment offers: CAIRN_HTTP_ADDR (or CONSUL_HTTP_ADDR), the TLS files and HTTP_SSL. */
export type KvEnvironment = CliEnvironment;

export function parseKvArgs(
  argv: readonly string[],
  env: KvEnvironment = {},
  osUser: string | null = null,
): KvCommand {
  const { name, rest } = splitCommand(argv);
  if (name === undefined) {
    throw new UsageError('kv: a command is required: get, put, delete, list, history, rollback or watch');
  }
  if (name === 'help' || name === '--help' || name === '-h') return { kind: 'help' };
  if (!Object.hasOwn(OPTIONS, name))
    throw new UsageError(`kv: unknown command ${q(name)} (try: cairn kv help)`);
  const command = name as KvCommandName;
  const where = `kv ${command}`;
  const { values, positionals } = parse(where, OPTIONS[command], rest);
  if (values.help === true) return { kind: 'help' };

  const spec = POSITIONALS[command];
  const max = spec.required.length + spec.optional.length;
  if (positionals.length < spec.required.length) {
    throw new UsageError(`${where}: ${spec.required[positionals.length]} is required`);
  }
  if (positionals.length > max)
    throw new UsageError(`${where}: unexpected argument ${q(positionals[max] as string)}`);

  const conn = connection(where, values, env);
  const str = (k: string) => values[k] as string | undefined;
  const bool = (k: string) => values[k] === true;
  const author = () => authorOf(where, str('author'), osUser);
  const cas = () => optionalUint(where, '--cas', str('cas'));
  const [first = '', second] = positionals;

  switch (command) {
    case 'get':
      return {
        kind: 'get',
        conn,
        key: key(where, first),
        detailed: bool('detailed'),
        base64: bool('base64'),
      };
    case 'put':
      return {
        kind: 'put',
        conn,
        key: key(where, first),
        value: valueSource(where, second),
        cas: cas(),
        flags: optionalUint(where, '--flags', str('flags')),
        author: author(),
      };
    case 'delete': {
      const recurse = bool('recurse');
      const c = cas();
      if (recurse && c !== null) throw new UsageError(`${where}: --cas cannot be used with --recurse`);
      return { kind: 'delete', conn, key: key(where, first, recurse), recurse, cas: c, author: author() };
    }
    case 'list':
      return {
        kind: 'list',
        conn,
        prefix: key(where, first, true, 'PREFIX'),
        separator: str('separator') ?? '',
      };
    case 'history':
      return { kind: 'history', conn, key: key(where, first) };
    case 'rollback':
      return {
        kind: 'rollback',
        conn,
        key: key(where, first),
        index: positiveInt(where, 'INDEX', second as string),
        cas: cas(),
        author: author(),
      };
    case 'watch': {
      const recurse = bool('recurse');
      return { kind: 'watch', conn, key: key(where, first, recurse), recurse };
    }
  }
}

/**
 * The command name and everything else: global options may come before the
 * name (`cairn kv --http-addr H:P get k`) and are passed on with the rest.
 */
function splitCommand(argv: readonly string[]): { name: string | undefined; rest: string[] } {
  let i = 0;
  while (i < argv.length) {
    const a = argv[i] as string;
    if (VALUE_FLAGS.includes(a)) i += 2;
    else if (VALUE_FLAGS.some((f) => a.startsWith(`${f}=`))) i += 1;
    else break;
  }
  return { name: argv[i], rest: [...argv.slice(0, Math.min(i, argv.length)), ...argv.slice(i + 1)] };
}

function parse(
  where: string,
  options: (typeof OPTIONS)[KvCommandName],
  args: readonly string[],
): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    throw new UsageError(`${where}: ${parseArgsProblem(e)}`);
  }
}

/** node:util's messages are long and multi-line; say the same in a few words. */
function parseArgsProblem(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const message = err instanceof Error ? err.message : String(e);
  const option = /'(-[^' ]*)/.exec(message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option ${option}`;
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    if (/does not take an argument/.test(message)) return `${option} does not take a value`;
    if (/ambiguous/.test(message))
      return `${option} needs a value (write ${option}=VALUE for one starting with "-")`;
    return `${option} needs a value`;
  }
  return message.split('\n')[0] ?? message;
}

function connection(where: string, values: Values, env: KvEnvironment): Connection {
  const target = httpTarget(where, values, env);
  return { ...target, token: tokenSetting(where, values.token as string | undefined, env) };
}

/**
 * A key or prefix. "." and ".." cannot be sent: URLs resolve them as path
 * segments (even percent-encoded), so they would name the whole store.
 */
function key(where: string, raw: string, emptyAllowed = false, what = 'KEY'): string {
  if (raw === '' && !emptyAllowed) throw new UsageError(`${where}: ${what} must not be empty`);
  if (raw === '.' || raw === '..') {
    throw new UsageError(`${where}: ${what} ${q(raw)} cannot be used (a URL path cannot carry it)`);
  }
  return raw;
}

function valueSource(where: string, raw: string | undefined): ValueSource {
  if (raw === undefined) return { kind: 'stdin', explicit: false };
  if (raw === '-') return { kind: 'stdin', explicit: true };
  if (raw.startsWith('\\@')) return { kind: 'literal', text: raw.slice(1) };
  if (raw.startsWith('@')) {
    if (raw.length === 1) throw new UsageError(`${where}: @FILE: a file path is required after "@"`);
    return { kind: 'file', path: raw.slice(1) };
  }
  return { kind: 'literal', text: raw };
}

/** A header value the server will record as written: printable ASCII. */
export function isAuthor(s: string): boolean {
  return s.length <= MAX_AUTHOR && /^[\x20-\x7e]*$/.test(s);
}

function authorOf(where: string, flag: string | undefined, osUser: string | null): string | null {
  if (flag === undefined) return osUser !== null && isAuthor(osUser) ? osUser : null;
  if (!isAuthor(flag)) {
    throw new UsageError(`${where}: --author: must be printable ASCII, at most ${MAX_AUTHOR} characters`);
  }
  return flag;
}

function optionalUint(where: string, what: string, raw: string | undefined): number | null {
  if (raw === undefined) return null;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new UsageError(`${where}: ${what}: ${q(raw)} is not a non-negative integer`);
  }
  return Number(raw);
}

function positiveInt(where: string, what: string, raw: string): number {
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) === 0) {
    throw new UsageError(`${where}: ${what}: ${q(raw)} is not a positive integer`);
  }
  return Number(raw);
}

function q(s: string): string {
  return JSON.stringify(s);
}
