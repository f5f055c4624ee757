/**
 * The names of cairn's agent TLS: certificate identities, Subject Alternative
 * Names, name constraints and file names, following `consul tls` so files and
 * habits carry over. Pure.
 */

/** The kinds of leaf certificate `cairn tls cert create` makes. */
export type CertKind = 'server' | 'client';

/** `server.<dc>.<domain>`: the name a server certificate must carry for hostname verification. */
export function serverName(datacenter: string, domain: string): string {
  return `server.${datacenter}.${bareDomain(domain)}`;
}

/** `<kind>.<dc>.<domain>`: the certificate's common name and first DNS SAN. */
export function identityName(kind: CertKind, datacenter: string, domain: string): string {
  return `${kind}.${datacenter}.${bareDomain(domain)}`;
}

/** The agent's domain is kept with its trailing dot ("consul."); names in certificates have none. */
export function bareDomain(domain: string): string {
  return (domain.endsWith('.') ? domain.slice(0, -1) : domain).toLowerCase();
}

export interface CaFileNames {
  readonly cert: string;
  readonly key: string;
}

/** `<domain>-agent-ca.pem` and `<domain>-agent-ca-key.pem`, as `consul tls ca create` names them. */
export function caFileNames(domain: string): CaFileNames {
  const d = bareDomain(domain);
  return { cert: `${d}-agent-ca.pem`, key: `${d}-agent-ca-key.pem` };
}

/** `<dc>-<kind>-<domain>`, e.g. dc1-server-consul. */
export function certFilePrefix(kind: CertKind, datacenter: string, domain: string): string {
  return `${datacenter}-${kind}-${bareDomain(domain)}`;
}

export interface CertFileNames {
  readonly index: number;
  readonly cert: string;
  readonly key: string;
}

export function certFileNames(prefix: string, index: number): CertFileNames {
  return { index, cert: `${prefix}-${index}.pem`, key: `${prefix}-${index}-key.pem` };
}

/** Consul gives up after this many numbered files of one prefix; so do we. */
export const MAX_CERT_INDEX = 10_000;

/**
 * The first numbered pair of which neither file exists: dc1-server-consul-0.pem, then -1, ...
 * A number with only one of its two files present is skipped, so no lone file is ever overwritten
 * or paired with a stranger. null when all MAX_CERT_INDEX + 1 numbers are taken.
 */
export function firstFreeCertFiles(prefix: string, exists: (name: string) => boolean): CertFileNames | null {
  for (let i = 0; i <= MAX_CERT_INDEX; i++) {
    const names = certFileNames(prefix, i);
    if (!exists(names.cert) && !exists(names.key)) return names;
  }
  return null;
}

export interface SanRequest {
  readonly kind: CertKind;
  readonly datacenter: string;
  readonly domain: string;
  /** `--node`: adds `<node>.server.<dc>.<domain>` to a server certificate. */
  readonly node?: string | null | undefined;
  readonly additionalDnsNames?: readonly string[] | undefined;
  readonly additionalIpAddresses?: readonly string[] | undefined;
}

export interface SanList {
  readonly dns: readonly string[];
  readonly ip: readonly string[];
}

/**
 * Every certificate names itself (`server.<dc>.<domain>` or `client.<dc>.<domain>`), `localhost`
 * and 127.0.0.1, as Consul's do, then the additional names; duplicates are dropped.
 */
export function sanList(req: SanRequest): SanList {
  const own = identityName(req.kind, req.datacenter, req.domain);
  const dns = [own];
  if (req.kind === 'server' && req.node) dns.push(`${req.node}.${own}`);
  dns.push('localhost', ...(req.additionalDnsNames ?? []));
  const ip = ['127.0.0.1', ...(req.additionalIpAddresses ?? [])];
  return { dns: unique(dns, (s) => s.toLowerCase()), ip: unique(ip, (s) => s.toLowerCase()) };
}

/** With `--name-constraint` the CA may sign only for the domain, localhost and the additional names. */
export function permittedDnsDomains(domain: string, additional: readonly string[]): readonly string[] {
  return unique([bareDomain(domain), 'localhost', ...additional], (s) => s.toLowerCase());
}

/**
 * Whether a DNS name lies within a permitted DNS subtree (RFC 5280 4.2.1.10): the name itself or
 * any name under it; a constraint with a leading dot permits only names under it.
 */
export function dnsNamePermitted(name: string, constraint: string): boolean {
  const n = name.toLowerCase();
  const c = constraint.toLowerCase();
  if (c === '') return true;
  if (c.startsWith('.')) return n.endsWith(c);
  return n === c || n.endsWith(`.${c}`);
}

/** The DNS names that no permitted subtree covers (all of them pass when there are no constraints). */
export function namesOutsideConstraints(
  names: readonly string[],
  permitted: readonly string[] | null,
): readonly string[] {
  if (permitted === null) return [];
  return names.filter((n) => !permitted.some((c) => dnsNamePermitted(n, c)));
}

function unique(items: readonly string[], key: (s: string) => string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(item);
  }
  return out;
}
