import { readFileSync } from 'node:fs';
import { isIP, isIPv4 } from 'node:net';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import type { AgentConfig, LogLevel } from '../agent/index.js';
import {
  isUdpAnswerLimit,
  MAX_UDP_ANSWER_LIMIT,
  MIN_UDP_ANSWER_LIMIT,
  normalizeDomain,
} from '../dns/index.js';
import { parseDuration } from '../state/index.js';
import { tlsSettingsProblem } from '../tls/index.js';
import { translateConsulConfig } from './consul-config.js';
import { UsageError } from './errors.js';

const LOG_LEVELS = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'silent',
] as const satisfies readonly LogLevel[];

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export const AGENT_USAGE = `usage: cairn agent [--dev] [--node NAME] [--datacenter DC] [--data-dir DIR]
                   [--bind IP] [--client IP] [--http-port N] [--dns-port N] [--server-port N] [--advertise HOST:PORT]
                   [--bootstrap-expect N] [--join HOST:PORT ...] [--log-level LEVEL] [--log-json]
                   [--config-file FILE.json] [--snapshot-every N] [--trailing-logs N]
                   [--self-preservation-share F] [--self-preservation-min-checks N]
                   [--protection-threshold F] [--kv-history N] [--kv-max-value-size BYTES] [--kv-tombstone-ttl DURATION]
                   [--domain DOMAIN] [--dns-ttl S] [--dns-service-ttl S] [--dns-answer-limit N]
                   [--dns-only-passing] [--dns-udp-answer-limit BYTES] [--dns-rate-limit N]
                   [--dns-tcp-idle-timeout S] [--dns-tcp-max-connections N] [--dns-tcp-max-connections-per-source N]
                   [--encrypt KEY ...] [--http-max-conns-per-client N]
                   [--https-port N] [--tls-cert-file F] [--tls-key-file F] [--tls-ca-file F]
                   [--tls-verify-incoming] [--tls-verify-outgoing] [--tls-verify-server-hostname]
                   [--http-max-blocking-per-client N] [--watch-max-connections-per-client N]
                   [--watch-max-subscriptions-per-client N] [--kv-max-keys N] [--catalog-max-instances N]
                   [--http-trusted-proxies IP[/BITS] ...]`;

/** The flags `cairn agent` takes (exported for the help's completeness test). */
export const AGENT_OPTIONS = {
  dev: { type: 'boolean' },
  node: { type: 'string' },
  datacenter: { type: 'string' },
  'data-dir': { type: 'string' },
  bind: { type: 'string' },
  client: { type: 'string' },
  'http-port': { type: 'string' },
  'dns-port': { type: 'string' },
  'server-port': { type: 'string' },
  advertise: { type: 'string' },
  'bootstrap-expect': { type: 'string' },
  join: { type: 'string', multiple: true },
  'log-level': { type: 'string' },
  'log-json': { type: 'boolean' },
  'config-file': { type: 'string' },
  'snapshot-every': { type: 'string' },
  'trailing-logs': { type: 'string' },
  'self-preservation-share': { type: 'string' },
  'self-preservation-min-checks': { type: 'string' },
  'protection-threshold': { type: 'string' },
  'kv-history': { type: 'string' },
  'kv-max-value-size': { type: 'string' },
  'kv-tombstone-ttl': { type: 'string' },
  domain: { type: 'string' },
  'dns-ttl': { type: 'string' },
  'dns-service-ttl': { type: 'string' },
  'dns-answer-limit': { type: 'string' },
  'dns-only-passing': { type: 'boolean' },
  encrypt: { type: 'string', multiple: true },
  'http-max-conns-per-client': { type: 'string' },
  'https-port': { type: 'string' },
  'tls-cert-file': { type: 'string' },
  'tls-key-file': { type: 'string' },
  'tls-ca-file': { type: 'string' },
  'tls-verify-incoming': { type: 'boolean' },
  'tls-verify-outgoing': { type: 'boolean' },
  'tls-verify-server-hostname': { type: 'boolean' },
  'dns-udp-answer-limit': { type: 'string' },
  'dns-rate-limit': { type: 'string' },
  'dns-tcp-idle-timeout': { type: 'string' },
  'dns-tcp-max-connections': { type: 'string' },
  'dns-tcp-max-connections-per-source': { type: 'string' },
  'http-max-blocking-per-client': { type: 'string' },
  'watch-max-connections-per-client': { type: 'string' },
  'watch-max-subscriptions-per-client': { type: 'string' },
  'kv-max-keys': { type: 'string' },
  'catalog-max-instances': { type: 'string' },
  'http-trusted-proxies': { type: 'string', multiple: true },
} as const;

type Raw = {
  [K in keyof typeof AGENT_OPTIONS]?: (typeof AGENT_OPTIONS)[K] extends { multiple: true }
    ? string[]
    : (typeof AGENT_OPTIONS)[K] extends { type: 'boolean' }
      ? boolean
      : string;
};

/**
 * The agent's configuration from its flags and `--config-file` (cairn's keys, or Consul's agent
 * configuration in JSON or HCL). An HCL file must have been parsed beforehand into `hcl`
 * (config-hcl.ts: the HCL parser is asynchronous).
 */
export function parseAgentArgs(
  argv: readonly string[],
  readFile = (p: string) => readFileSync(p, 'utf8'),
  hcl: ReadonlyMap<string, unknown> = new Map(),
): AgentConfig {
  let flags: Raw;
  try {
    flags = parseArgs({
      args: joinOffPorts(argv),
      strict: true,
      allowPositionals: false,
      options: AGENT_OPTIONS,
    }).values as Raw;
  } catch (e) {
    throw new UsageError(e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e));
  }
  // Flags win over the config file; the file uses the flags' names (with - or _).
  const fromFile =
    flags['config-file'] !== undefined ? readConfigFile(flags['config-file'], readFile, hcl) : null;
  const v: Raw = { ...fromFile?.raw, ...flags };
  const dev = v.dev ?? false;
  const node = v.node ?? (dev ? 'dev' : hostname().split('.')[0] || 'cairn');
  if (!NODE_NAME.test(node)) {
    throw new UsageError(
      `--node: ${q(node)} is not a valid name (letters, digits, '.', '_', '-'; at most 64)`,
    );
  }
  const datacenter = v.datacenter ?? 'dc1';
  if (!/^[a-z0-9_-]{1,64}$/.test(datacenter)) {
    throw new UsageError(`--datacenter: ${q(datacenter)} must be lowercase letters, digits, '_' or '-'`);
  }
  const dataDir = v['data-dir'] ?? null;
  if (dataDir === null && !dev)
    throw new UsageError('--data-dir: a data directory is required (or use --dev)');
  if (dataDir === '') throw new UsageError('--data-dir: must not be empty');
  const bind = ipv4(v.bind ?? '127.0.0.1', '--bind');
  const client = ipv4(v.client ?? '127.0.0.1', '--client');
  const bootstrapExpect =
    v['bootstrap-expect'] === undefined ? null : positiveInt(v['bootstrap-expect'], '--bootstrap-expect');
  if (bootstrapExpect !== null && dev) throw new UsageError('--bootstrap-expect: not allowed with --dev');
  const join = (v.join ?? []).flatMap((j) => j.split(',')).filter((j) => j !== '');
  for (const j of join) {
    const m = /^([^:\s]+):(\d+)$/.exec(j);
    if (!m) throw new UsageError(`--join: ${q(j)} is not HOST:PORT (a server's --server-port)`);
    port(m[2] as string, '--join');
  }
  if (bootstrapExpect !== null && bootstrapExpect > 1 && join.length === 0) {
    throw new UsageError('--bootstrap-expect: needs --join addresses of the other servers');
  }
  const advertise = v.advertise ?? null;
  if (advertise !== null) {
    const m = /^([^:\s]+):(\d+)$/.exec(advertise);
    if (!m) throw new UsageError(`--advertise: ${JSON.stringify(advertise)} is not HOST:PORT`);
    port(m[2] as string, '--advertise');
  }
  const logLevel = v['log-level'] ?? 'info';
  if (!isLogLevel(logLevel)) throw new UsageError(`--log-level: must be one of ${LOG_LEVELS.join(', ')}`);
  // -1 turns a listener off, as in Consul (HTTPS is off unless given).
  const httpPort = portOrOff(v['http-port'], '--http-port', 8500);
  const httpsPort = portOrOff(v['https-port'], '--https-port', -1);
  if (httpPort === -1 && httpsPort === -1)
    throw new UsageError(
      '--http-port: -1 turns HTTP off; give --https-port then, or the API has no listener',
    );
  const tls = tlsFlags(v);
  if (httpsPort !== -1 && (tls.tlsCertFile === undefined || tls.tlsKeyFile === undefined))
    throw new UsageError('--https-port: needs --tls-cert-file and --tls-key-file');
  const dnsPort = port(v['dns-port'], '--dns-port', 8600);
  const serverPort = port(v['server-port'], '--server-port', 8300);
  if (httpPort === serverPort && bind === client) {
    throw new UsageError(`--server-port: ${serverPort} is also the HTTP port`);
  }
  return {
    dev,
    node,
    datacenter,
    dataDir,
    bind,
    client,
    httpPort,
    httpsPort,
    ...tls,
    dnsPort,
    serverPort,
    advertise,
    bootstrapExpect,
    join,
    logLevel,
    logJson: v['log-json'] ?? false,
    ...(fromFile !== null && fromFile.warnings.length > 0 ? { configWarnings: fromFile.warnings } : {}),
    snapshotEvery:
      v['snapshot-every'] === undefined ? undefined : positiveInt(v['snapshot-every'], '--snapshot-every'),
    trailingLogs:
      v['trailing-logs'] === undefined ? undefined : positiveInt(v['trailing-logs'], '--trailing-logs'),
    selfPreservationShare: share(v['self-preservation-share'], '--self-preservation-share', 0.5, false),
    selfPreservationMinChecks:
      v['self-preservation-min-checks'] === undefined
        ? 10
        : positiveInt(v['self-preservation-min-checks'], '--self-preservation-min-checks'),
    protectionThreshold: share(v['protection-threshold'], '--protection-threshold', 0, true),
    kvHistory: v['kv-history'] === undefined ? 20 : positiveInt(v['kv-history'], '--kv-history'),
    kvMaxValueBytes:
      v['kv-max-value-size'] === undefined
        ? 512 * 1024
        : positiveInt(v['kv-max-value-size'], '--kv-max-value-size'),
    kvTombstoneTtlMs: v['kv-tombstone-ttl'] === undefined ? 15 * 60_000 : tombstoneTtl(v['kv-tombstone-ttl']),
    ...dnsFlags(v),
    encrypt: clusterKeys(v.encrypt ?? []),
    httpMaxConnsPerClient:
      v['http-max-conns-per-client'] === undefined
        ? 200
        : nonNegativeInt(v['http-max-conns-per-client'], '--http-max-conns-per-client'),
    ...clientLimitFlags(v),
  };
}

/** The HTTP limits (per client, and the KV and catalog totals); absent ones stay undefined (the HTTP app's defaults). */
function clientLimitFlags(v: Raw): Partial<AgentConfig> {
  const count = (flag: keyof Raw & string): number | undefined => {
    const raw = v[flag];
    return typeof raw === 'string' ? nonNegativeInt(raw, `--${flag}`) : undefined;
  };
  return {
    httpMaxBlockingPerClient: count('http-max-blocking-per-client'),
    watchMaxConnectionsPerClient: count('watch-max-connections-per-client'),
    watchMaxSubscriptionsPerClient: count('watch-max-subscriptions-per-client'),
    kvMaxKeys: count('kv-max-keys'),
    catalogMaxInstances: count('catalog-max-instances'),
    httpTrustedProxies:
      v['http-trusted-proxies'] === undefined ? undefined : trustedProxies(v['http-trusted-proxies']),
  };
}

/** Proxy addresses or IPv4 ranges, each checked now so that a typo fails at startup. */
function trustedProxies(raw: readonly string[]): string[] {
  const list = raw
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter((p) => p !== '');
  for (const p of list) {
    const [ip = '', bits] = p.split('/');
    const ok =
      bits === undefined ? isIP(ip) !== 0 : isIPv4(ip) && /^\d{1,2}$/.test(bits) && Number(bits) <= 32;
    if (!ok) {
      throw new UsageError(
        `--http-trusted-proxies: ${q(p)} is not an IP address or IPv4 range (e.g. 10.0.0.0/8)`,
      );
    }
  }
  return list;
}

/** Base64 cluster keys, each checked now so that a typo fails at startup and not at the first connection. */
function clusterKeys(raw: readonly string[]): string[] {
  const keys = raw
    .flatMap((k) => k.split(','))
    .map((k) => k.trim())
    .filter((k) => k !== '');
  for (const k of keys) {
    const bytes =
      /^[A-Za-z0-9+/]+={0,2}$/.test(k) && k.length % 4 === 0 ? Buffer.from(k, 'base64').length : -1;
    if (bytes !== 32) {
      throw new UsageError('--encrypt: a cluster key must be base64 of 32 bytes (cairn keygen prints one)');
    }
  }
  return keys;
}

/** The DNS flags; absent ones stay undefined (the DNS server's defaults). */
function dnsFlags(v: Raw): Partial<AgentConfig> {
  let domain: string | undefined;
  if (v.domain !== undefined) {
    const d = normalizeDomain(v.domain);
    if (d === null)
      throw new UsageError(`--domain: ${q(v.domain)} is not a domain name (e.g. cairn. or consul.)`);
    domain = `${d}.`;
  }
  return {
    domain,
    dnsTtl: v['dns-ttl'] === undefined ? undefined : ttlSeconds(v['dns-ttl'], '--dns-ttl'),
    dnsServiceTtl:
      v['dns-service-ttl'] === undefined ? undefined : ttlSeconds(v['dns-service-ttl'], '--dns-service-ttl'),
    dnsAnswerLimit:
      v['dns-answer-limit'] === undefined
        ? undefined
        : nonNegativeInt(v['dns-answer-limit'], '--dns-answer-limit'),
    dnsOnlyPassing: v['dns-only-passing'],
    ...dnsLimitFlags(v),
  };
}

/** The DNS server's resource limits; absent ones stay undefined (the server's defaults). */
function dnsLimitFlags(v: Raw): Partial<AgentConfig> {
  const optional = <T>(raw: string | undefined, parse: (raw: string) => T): T | undefined =>
    raw === undefined ? undefined : parse(raw);
  return {
    dnsUdpAnswerLimit: optional(v['dns-udp-answer-limit'], udpAnswerLimit),
    dnsRateLimit: optional(v['dns-rate-limit'], (r) => nonNegativeInt(r, '--dns-rate-limit')),
    dnsTcpIdleMs: optional(v['dns-tcp-idle-timeout'], tcpIdleTimeout),
    dnsTcpMaxConnections: optional(v['dns-tcp-max-connections'], (r) =>
      positiveInt(r, '--dns-tcp-max-connections'),
    ),
    dnsTcpMaxConnectionsPerSource: optional(v['dns-tcp-max-connections-per-source'], (r) =>
      positiveInt(r, '--dns-tcp-max-connections-per-source'),
    ),
  };
}

function udpAnswerLimit(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !isUdpAnswerLimit(n)) {
    throw new UsageError(
      `--dns-udp-answer-limit: ${q(raw)} is not a size in bytes from ${MIN_UDP_ANSWER_LIMIT} to ${MAX_UDP_ANSWER_LIMIT} (every DNS client takes 512)`,
    );
  }
  return n;
}

/** Whole seconds (`10`) or a duration (`500ms`, `30s`), from 100 ms to 1 h. */
function tcpIdleTimeout(raw: string): number {
  const ms = /^\d+$/.test(raw) ? Number(raw) * 1000 : parseDuration(raw);
  if (ms === null || ms < 100 || ms > 3_600_000) {
    throw new UsageError(`--dns-tcp-idle-timeout: ${q(raw)} is not a duration from 100ms to 1h (e.g. 10s)`);
  }
  return Math.round(ms);
}

/** A Go duration (`15m`, `1h`), at least 1 s: a shorter one would only churn the log. */
function tombstoneTtl(raw: string): number {
  const ms = parseDuration(raw);
  if (ms === null || ms < 1000 || ms > 2 ** 31 - 1) {
    throw new UsageError(`--kv-tombstone-ttl: ${q(raw)} is not a duration from 1s to 596h (e.g. 15m)`);
  }
  return ms;
}

/** Seconds as an integer (`30`) or a duration (`30s`, `1m`), 0 up to 2^31-1 (a DNS TTL). */
function ttlSeconds(raw: string, flag: string): number {
  const ms = /^\d+$/.test(raw) ? Number(raw) * 1000 : parseDuration(raw);
  if (ms === null || ms < 0 || ms % 1000 !== 0 || ms / 1000 > 2 ** 31 - 1) {
    throw new UsageError(`${flag}: ${q(raw)} is not a TTL (whole seconds, e.g. 0, 30 or 5m)`);
  }
  return ms / 1000;
}

function nonNegativeInt(raw: string, flag: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) {
    throw new UsageError(`${flag}: ${q(raw)} is not a non-negative integer`);
  }
  return n;
}

function readConfigFile(
  path: string,
  readFile: (p: string) => string,
  preparsed: ReadonlyMap<string, unknown>,
): { raw: Raw; warnings: string[] } {
  let obj: unknown;
  if (path.endsWith('.hcl')) {
    if (!preparsed.has(path))
      throw new UsageError(`--config-file: ${q(path)}: HCL files are read by the cairn command`);
    obj = preparsed.get(path);
  } else {
    let text: string;
    try {
      text = readFile(path);
    } catch (e) {
      throw new UsageError(`--config-file: cannot read ${q(path)}: ${(e as Error).message.split('\n')[0]}`);
    }
    try {
      obj = JSON.parse(text);
    } catch (e) {
      // V8 quotes the offending text, line breaks included: keep the message on one line.
      throw new UsageError(
        `--config-file: ${q(path)} is not JSON: ${(e as Error).message.replace(/\s+/g, ' ')}`,
      );
    }
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new UsageError(`--config-file: ${q(path)} must hold a JSON object`);
  }
  // Consul's keys (retry_join, ports { ... }, tls { ... }, ...) become cairn's; the rest is warned about.
  const { settings, sources, warnings } = translateConsulConfig(
    obj as Record<string, unknown>,
    (name) => Object.hasOwn(AGENT_OPTIONS, name) && name !== 'config-file',
  );
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(settings)) {
    const k = sources[name] ?? name;
    const spec = AGENT_OPTIONS[name as keyof typeof AGENT_OPTIONS];
    if (spec.type === 'boolean') {
      if (typeof raw !== 'boolean') throw new UsageError(`--config-file: ${q(k)} must be true or false`);
      out[name] = raw;
    } else if ('multiple' in spec) {
      const list = Array.isArray(raw) ? raw : [raw];
      if (!list.every((x) => typeof x === 'string'))
        throw new UsageError(`--config-file: ${q(k)} must be a list of strings`);
      out[name] = list;
    } else {
      if (typeof raw !== 'string' && typeof raw !== 'number') {
        throw new UsageError(`--config-file: ${q(k)} must be a string or a number`);
      }
      out[name] = String(raw);
    }
  }
  return { raw: out as Raw, warnings: warnings.map((w) => `--config-file ${q(path)}: ${w}`) };
}

function ipv4(s: string, flag: string): string {
  const m = IPV4.exec(s);
  if (!m?.slice(1).every((o) => Number(o) <= 255))
    throw new UsageError(`${flag}: ${q(s)} is not an IPv4 address`);
  return s;
}

/** `--http-port -1` as Consul takes it: node's parser would read the -1 as a flag of its own. */
function joinOffPorts(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === '--http-port' || a === '--https-port') && argv[i + 1] === '-1') {
      out.push(`${a}=-1`);
      i++;
    } else out.push(a);
  }
  return out;
}

function portOrOff(raw: string | undefined, flag: string, fallback: number): number {
  return raw === '-1' ? -1 : port(raw, flag, fallback);
}

/** The --tls-* flags, checked for consistency (the files themselves are read when the agent starts). */
function tlsFlags(
  v: Raw,
): Pick<
  AgentConfig,
  | 'tlsCertFile'
  | 'tlsKeyFile'
  | 'tlsCaFile'
  | 'tlsVerifyIncoming'
  | 'tlsVerifyOutgoing'
  | 'tlsVerifyServerHostname'
> {
  const out = {
    tlsCertFile: v['tls-cert-file'],
    tlsKeyFile: v['tls-key-file'],
    tlsCaFile: v['tls-ca-file'],
    tlsVerifyIncoming: v['tls-verify-incoming'] ?? false,
    tlsVerifyOutgoing: v['tls-verify-outgoing'] ?? false,
    tlsVerifyServerHostname: v['tls-verify-server-hostname'] ?? false,
  };
  const problem = tlsSettingsProblem({
    certFile: out.tlsCertFile,
    keyFile: out.tlsKeyFile,
    caFile: out.tlsCaFile,
    verifyIncoming: out.tlsVerifyIncoming,
    verifyOutgoing: out.tlsVerifyOutgoing,
    verifyServerHostname: out.tlsVerifyServerHostname,
  });
  if (problem !== null) throw new UsageError(problem);
  return out;
}

function port(raw: string | undefined, flag: string, fallback = 0): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535)
    throw new UsageError(`${flag}: ${q(raw)} is not a port (1-65535)`);
  return n;
}

function positiveInt(raw: string, flag: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || !Number.isSafeInteger(n)) {
    throw new UsageError(`${flag}: ${q(raw)} is not a positive integer`);
  }
  return n;
}

function share(raw: string | undefined, flag: string, fallback: number, zeroOk: boolean): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n > 1 || n < 0 || (!zeroOk && n === 0)) {
    throw new UsageError(`${flag}: ${q(raw)} is not a fraction between ${zeroOk ? 0 : 'above 0'} and 1`);
  }
  return n;
}

/** A value quoted for a message: JSON escapes keep it on one line. */
function q(s: string): string {
  return JSON.stringify(s);
}

function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}
