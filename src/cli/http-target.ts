/**
 * Where a client command (`cairn kv`, `cairn watch`) sends its requests and with what TLS: the
 * flags first, then cairn's environment variables, then Consul's. Pure: the environment comes in
 * as a parameter, and the TLS files are only named here (./https.ts reads them).
 */
import { UsageError } from './errors.js';

export const DEFAULT_HTTP_ADDR = '127.0.0.1:8500';

export type CliEnvironment = Readonly<Record<string, string | undefined>>;

/** The TLS flags, as node:util parseArgs options (Consul's names). */
export const TLS_OPTIONS = {
  'ca-file': { type: 'string' },
  'client-cert': { type: 'string' },
  'client-key': { type: 'string' },
} as const;

/** Options of every client command that take a value (so they may come before the command name). */
export const VALUE_FLAGS: readonly string[] = [
  '--http-addr',
  '--token',
  '--ca-file',
  '--client-cert',
  '--client-key',
];

export const TARGET_USAGE = `--http-addr [https://]HOST:PORT (default $CAIRN_HTTP_ADDR, else $CONSUL_HTTP_ADDR, else ${DEFAULT_HTTP_ADDR});
  --ca-file, --client-cert, --client-key PEM files for https (default $CAIRN_CACERT, $CAIRN_CLIENT_CERT,
  $CAIRN_CLIENT_KEY, else CONSUL_*). A bare HOST:PORT is https when a TLS flag is given or $CAIRN_HTTP_SSL
  (or $CONSUL_HTTP_SSL) is true; --token TOKEN (default $CAIRN_HTTP_TOKEN, else $CONSUL_HTTP_TOKEN)`;

/** A file setting and where it came from (a flag or a variable), for messages. */
export interface FileSetting {
  readonly path: string;
  readonly from: string;
}

export interface TlsPaths {
  readonly caFile?: FileSetting;
  readonly certFile?: FileSetting;
  readonly keyFile?: FileSetting;
}

export interface HttpTarget {
  /** HOST:PORT as given (without a scheme), for messages. */
  readonly addr: string;
  /** e.g. http://127.0.0.1:8500 or https://127.0.0.1:8501 */
  readonly baseUrl: string;
  /** For https: the files to load (none: Node's public CAs, no client certificate); null for http. */
  readonly tls: TlsPaths | null;
}

type Values = Readonly<Record<string, string | boolean | undefined>>;

const HTTP_ADDR = /^(?:(https?):\/\/)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})\/?$/;

export function httpTarget(where: string, values: Values, env: CliEnvironment): HttpTarget {
  const [from, raw] = setting(values, 'http-addr', env, 'HTTP_ADDR') ?? ['--http-addr', DEFAULT_HTTP_ADDR];
  const m = HTTP_ADDR.exec(raw);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) {
    throw new UsageError(`${where}: ${from}: ${JSON.stringify(raw)} is not HOST:PORT`);
  }
  const addr = `${m[2]}:${port}`;
  const files = tlsPaths(where, values, env);
  const flagged = Object.keys(TLS_OPTIONS).some((k) => typeof values[k] === 'string');
  const scheme = m[1] ?? (flagged || ssl(where, env) ? 'https' : 'http');
  return { addr, baseUrl: `${scheme}://${addr}`, tls: scheme === 'https' ? files : null };
}

function tlsPaths(where: string, values: Values, env: CliEnvironment): TlsPaths {
  const file = (flag: string, suffix: string): FileSetting | undefined => {
    const s = setting(values, flag, env, suffix);
    if (s === undefined) return undefined;
    if (s[1] === '') throw new UsageError(`${where}: ${s[0]}: a file path is required`);
    return { from: s[0], path: s[1] };
  };
  const caFile = file('ca-file', 'CACERT');
  const certFile = file('client-cert', 'CLIENT_CERT');
  const keyFile = file('client-key', 'CLIENT_KEY');
  if (certFile !== undefined && keyFile === undefined) {
    throw new UsageError(
      `${where}: ${certFile.from} needs --client-key (a certificate and its key go together)`,
    );
  }
  if (keyFile !== undefined && certFile === undefined) {
    throw new UsageError(
      `${where}: ${keyFile.from} needs --client-cert (a certificate and its key go together)`,
    );
  }
  return {
    ...(caFile ? { caFile } : {}),
    ...(certFile ? { certFile } : {}),
    ...(keyFile ? { keyFile } : {}),
  };
}

/** The flag's value, else CAIRN_<suffix>, else CONSUL_<suffix> (empty variables count as unset). */
function setting(
  values: Values,
  flag: string,
  env: CliEnvironment,
  suffix: string,
): [string, string] | undefined {
  const v = values[flag];
  if (typeof v === 'string') return [`--${flag}`, v];
  for (const name of [`CAIRN_${suffix}`, `CONSUL_${suffix}`]) {
    const e = env[name];
    if (e !== undefined && e !== '') return [name, e];
  }
  return undefined;
}

/** CAIRN_HTTP_SSL / CONSUL_HTTP_SSL, read as Go's strconv.ParseBool (as Consul does). */
function ssl(where: string, env: CliEnvironment): boolean {
  for (const name of ['CAIRN_HTTP_SSL', 'CONSUL_HTTP_SSL']) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
    if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
    throw new UsageError(`${where}: ${name}: ${JSON.stringify(v)} is not true or false`);
  }
  return false;
}

/**
 * The ACL token a client command sends (as X-Consul-Token): --token, else $CAIRN_HTTP_TOKEN,
 * else Consul's $CONSUL_HTTP_TOKEN; null when none is set.
 */
export function tokenSetting(where: string, flag: string | undefined, env: CliEnvironment): string | null {
  const [token, from] =
    flag !== undefined
      ? [flag, '--token']
      : env.CAIRN_HTTP_TOKEN
        ? [env.CAIRN_HTTP_TOKEN, '$CAIRN_HTTP_TOKEN']
        : env.CONSUL_HTTP_TOKEN
          ? [env.CONSUL_HTTP_TOKEN, '$CONSUL_HTTP_TOKEN']
          : [null, ''];
  if (token !== null && !/^[\x21-\x7e]+$/.test(token)) {
    throw new UsageError(`${where}: ${from}: a token must be printable ASCII without spaces`);
  }
  return token;
}
