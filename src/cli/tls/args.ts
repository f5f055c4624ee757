/**
 * `cairn tls ...` arguments → a typed command, with Consul's flags and defaults
 * (`consul tls ca create`, `consul tls cert create`). Pure.
 */
import { isIP } from 'node:net';
import { normalizeDomain } from '../../dns/index.js';
import type { CertKind } from '../../tls/index.js';
import { UsageError } from '../errors.js';
import { booleanFlag, listFlag, type ParsedFlags, parseFlags, stringFlag } from './flags.js';

export const TLS_USAGE = `usage: cairn tls ca create [--days N] [--domain DOMAIN] [--common-name NAME]
                          [--name-constraint [--additional-name-constraint NAME ...]]
       cairn tls cert create --server|--client [--dc DC] [--domain DOMAIN] [--days N]
                          [--ca FILE] [--key FILE] [--node NAME]
                          [--additional-dnsname NAME ...] [--additional-ipaddress IP ...]
  as consul tls: files go to the current directory; flags take one dash or two.
  ca create writes <domain>-agent-ca.pem and <domain>-agent-ca-key.pem (default: consul-agent-ca*.pem),
    valid --days (default 1825); --name-constraint lets the CA sign only for DOMAIN, localhost
    and the additional names.
  cert create writes <dc>-server-<domain>-<n>.pem / -<n>-key.pem (or -client-), n the first number
    free, valid --days (default 365), signed with --ca (default <domain>-agent-ca.pem) and --key
    (default <domain>-agent-ca-key.pem). SANs: server.<dc>.<domain> (client.<dc>.<domain>),
    localhost, 127.0.0.1 and the additional ones; --node adds <node>.server.<dc>.<domain>;
    --datacenter is another name for --dc.
  keys are EC P-256, written with mode 0600; existing files are never overwritten.`;

export const CA_DAYS = 1825;
export const CERT_DAYS = 365;
/** A hundred years: longer is a typo, and far-off dates are where X.509 tools disagree. */
export const MAX_DAYS = 36_525;
export const DEFAULT_DOMAIN = 'consul';
export const DEFAULT_DATACENTER = 'dc1';

export type TlsCommand =
  | { readonly kind: 'help' }
  | {
      readonly kind: 'ca-create';
      readonly days: number;
      readonly domain: string;
      readonly commonName: string | null;
      /** null: no name constraints. */
      readonly nameConstraints: readonly string[] | null;
    }
  | {
      readonly kind: 'cert-create';
      readonly certKind: CertKind;
      readonly datacenter: string;
      readonly domain: string;
      readonly days: number;
      readonly caFile: string | null;
      readonly keyFile: string | null;
      readonly node: string | null;
      readonly dnsNames: readonly string[];
      readonly ipAddresses: readonly string[];
    };

const CA_FLAGS = {
  days: 'string',
  domain: 'string',
  'common-name': 'string',
  'name-constraint': 'boolean',
  'additional-name-constraint': 'list',
} as const;

const CERT_FLAGS = {
  server: 'boolean',
  client: 'boolean',
  dc: 'string',
  datacenter: 'string',
  domain: 'string',
  days: 'string',
  ca: 'string',
  key: 'string',
  node: 'string',
  'additional-dnsname': 'list',
  'additional-ipaddress': 'list',
} as const;

export function parseTlsArgs(argv: readonly string[]): TlsCommand {
  const [group, verb, ...rest] = argv;
  if (group === undefined || isHelp(group)) return { kind: 'help' };
  if (group !== 'ca' && group !== 'cert') {
    throw new UsageError(`tls: unknown subcommand ${q(group)} (ca create, cert create)`);
  }
  if (verb === undefined || isHelp(verb)) return { kind: 'help' };
  if (verb !== 'create') throw new UsageError(`tls ${group}: unknown subcommand ${q(verb)} (create)`);
  const command = `tls ${group} create`;
  if (group === 'ca') {
    const flags = parseFlags(command, rest, CA_FLAGS);
    return flags.help ? { kind: 'help' } : caCreate(command, flags);
  }
  const flags = parseFlags(command, rest, CERT_FLAGS);
  return flags.help ? { kind: 'help' } : certCreate(command, flags);
}

function caCreate(command: string, flags: ParsedFlags): TlsCommand {
  const domain = domainFlag(command, flags);
  const constrain = booleanFlag(flags, 'name-constraint');
  const additional = listFlag(flags, 'additional-name-constraint');
  if (!constrain && additional.length > 0) {
    throw new UsageError(`${command}: -additional-name-constraint needs -name-constraint`);
  }
  for (const name of additional) {
    if (!isConstraintName(name)) {
      throw new UsageError(`${command}: -additional-name-constraint: ${q(name)} is not a DNS name`);
    }
  }
  const commonName = stringFlag(flags, 'common-name') ?? null;
  if (
    commonName !== null &&
    (commonName.trim() === '' || commonName.length > 64 || /\p{Cc}/u.test(commonName))
  ) {
    throw new UsageError(`${command}: -common-name: give 1 to 64 printable characters`);
  }
  return {
    kind: 'ca-create',
    days: daysFlag(command, flags, CA_DAYS),
    domain,
    commonName,
    nameConstraints: constrain ? additional : null,
  };
}

function certCreate(command: string, flags: ParsedFlags): TlsCommand {
  const server = booleanFlag(flags, 'server');
  const client = booleanFlag(flags, 'client');
  if (server === client) throw new UsageError(`${command}: give either -server or -client`);
  const certKind: CertKind = server ? 'server' : 'client';
  const dc = stringFlag(flags, 'dc');
  const datacenterFlag = stringFlag(flags, 'datacenter');
  if (dc !== undefined && datacenterFlag !== undefined) {
    throw new UsageError(`${command}: give -dc or -datacenter, not both`);
  }
  const datacenter = dc ?? datacenterFlag ?? DEFAULT_DATACENTER;
  if (!/^[a-z0-9_-]{1,64}$/.test(datacenter)) {
    throw new UsageError(`${command}: -dc: ${q(datacenter)} must be lowercase letters, digits, '_' or '-'`);
  }
  const node = stringFlag(flags, 'node') ?? null;
  if (node !== null && certKind !== 'server') throw new UsageError(`${command}: -node requires -server`);
  if (node !== null && !isLabel(node)) {
    throw new UsageError(`${command}: -node: ${q(node)} must be one DNS label (letters, digits, '-', '_')`);
  }
  const dnsNames = listFlag(flags, 'additional-dnsname').map((n) => n.trim());
  for (const name of dnsNames) {
    if (!isDnsName(name))
      throw new UsageError(`${command}: -additional-dnsname: ${q(name)} is not a DNS name`);
  }
  const ipAddresses = listFlag(flags, 'additional-ipaddress').map((n) => n.trim());
  for (const ip of ipAddresses) {
    if (isIP(ip) === 0)
      throw new UsageError(`${command}: -additional-ipaddress: ${q(ip)} is not an IP address`);
  }
  return {
    kind: 'cert-create',
    certKind,
    datacenter,
    domain: domainFlag(command, flags),
    days: daysFlag(command, flags, CERT_DAYS),
    caFile: pathFlag(command, flags, 'ca'),
    keyFile: pathFlag(command, flags, 'key'),
    node,
    dnsNames,
    ipAddresses,
  };
}

function isHelp(arg: string): boolean {
  return arg === 'help' || arg === '-h' || arg === '--help' || arg === '-help';
}

/** `consul` and `consul.` are the same domain; names in certificates and files have no trailing dot. */
function domainFlag(command: string, flags: ParsedFlags): string {
  const given = stringFlag(flags, 'domain');
  if (given === undefined) return DEFAULT_DOMAIN;
  const d = normalizeDomain(given);
  if (d === null) throw new UsageError(`${command}: -domain: ${q(given)} is not a domain name (e.g. consul)`);
  return d;
}

function daysFlag(command: string, flags: ParsedFlags, fallback: number): number {
  const given = stringFlag(flags, 'days');
  if (given === undefined) return fallback;
  const n = /^\d{1,6}$/.test(given) ? Number(given) : Number.NaN;
  if (!(n >= 1 && n <= MAX_DAYS)) {
    throw new UsageError(
      `${command}: -days: ${q(given)} must be a whole number of days from 1 to ${MAX_DAYS}`,
    );
  }
  return n;
}

function pathFlag(command: string, flags: ParsedFlags, name: string): string | null {
  const given = stringFlag(flags, name);
  if (given === undefined) return null;
  if (given === '') throw new UsageError(`${command}: -${name}: must not be empty`);
  return given;
}

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i;

function isLabel(s: string): boolean {
  return LABEL.test(s);
}

/** A host name, or a wildcard one (`*.example.com`), as a SAN may hold. */
function isDnsName(s: string): boolean {
  const name = s.startsWith('*.') ? s.slice(2) : s;
  return name !== '' && s.length <= 253 && name.split('.').every(isLabel);
}

/** A name constraint: a domain, or `.domain` for names strictly under it. */
function isConstraintName(s: string): boolean {
  const name = s.startsWith('.') ? s.slice(1) : s;
  return name !== '' && s.length <= 253 && name.split('.').every(isLabel);
}

/** Quoted so that odd input (spaces, line breaks) stays visible and on one line. */
function q(s: string | undefined): string {
  return JSON.stringify(s);
}
