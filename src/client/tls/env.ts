/**
 * The environment variables Consul's clients read, under cairn's names first and Consul's after:
 * where the servers are, whether a bare address means https, and the TLS files. Pure: the
 * environment comes in as a parameter.
 */
import { InvalidArgumentError } from '../errors.js';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ClientEnvironment {
  /** CAIRN_HTTP_ADDR / CONSUL_HTTP_ADDR: `host:port` or a URL (comma-separated for several). */
  readonly httpAddr?: EnvValue;
  /** CAIRN_HTTP_SSL / CONSUL_HTTP_SSL: bare addresses mean https. */
  readonly ssl: boolean;
  readonly caFile?: EnvValue;
  readonly certFile?: EnvValue;
  readonly keyFile?: EnvValue;
}

/** A value and the variable it came from, for messages. */
export interface EnvValue {
  readonly name: string;
  readonly value: string;
}

export function clientEnvironment(env: Environment): ClientEnvironment {
  const httpAddr = pick(env, 'HTTP_ADDR');
  const ssl = pick(env, 'HTTP_SSL');
  const caFile = pick(env, 'CACERT');
  const certFile = pick(env, 'CLIENT_CERT');
  const keyFile = pick(env, 'CLIENT_KEY');
  return {
    ...(httpAddr ? { httpAddr } : {}),
    ssl: ssl === undefined ? false : parseBool(ssl),
    ...(caFile ? { caFile } : {}),
    ...(certFile ? { certFile } : {}),
    ...(keyFile ? { keyFile } : {}),
  };
}

/** CAIRN_<suffix>, else CONSUL_<suffix>; empty counts as unset. */
function pick(env: Environment, suffix: string): EnvValue | undefined {
  for (const name of [`CAIRN_${suffix}`, `CONSUL_${suffix}`]) {
    const value = env[name];
    if (value !== undefined && value !== '') return { name, value };
  }
  return undefined;
}

/** Go's strconv.ParseBool, as Consul reads CONSUL_HTTP_SSL. */
export function parseBool(v: EnvValue): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v.value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v.value)) return false;
  throw new InvalidArgumentError(`${v.name}: ${JSON.stringify(v.value)} is not true or false`);
}
