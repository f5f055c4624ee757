import type { AnswerConfig } from './answer.js';

/** cairn's own domain; Consul's is served too, so that existing configurations keep working. */
export const DEFAULT_DOMAIN = 'cairn.';
export const CONSUL_DOMAIN = 'consul.';
/** `--dns-udp-answer-limit` default: what EDNS0 clients commonly get, far below the 64 KiB they may ask for. */
export const DEFAULT_UDP_ANSWER_LIMIT = 4096;
/** Every resolver must accept 512-byte UDP answers (RFC 1035); a lower cap could not answer some questions at all. */
export const MIN_UDP_ANSWER_LIMIT = 512;
export const MAX_UDP_ANSWER_LIMIT = 65535;

/** The DNS server's resource limits when not configured (see DnsServerOptions). */
export const DNS_SERVER_DEFAULTS = {
  /** RFC 7766 suggests seconds, not minutes, for a server under load. */
  tcpIdleMs: 10_000,
  maxTcpConnections: 1024,
  /** A host's local resolver sends everything from one address: room for it, not for one client to take all. */
  maxTcpConnectionsPerSource: 64,
  /** With the idle deadline, bounds how long one connection can live. */
  maxTcpQueriesPerConnection: 1000,
} as const;

/** The DNS flags of `cairn agent`; absent means the default. */
export interface DnsSettings {
  /** `--domain` (default `cairn.`). */
  readonly domain?: string | undefined;
  /** `--dns-ttl` seconds: nodes, addresses, NS, SOA, negative answers (default 0). */
  readonly ttl?: number | undefined;
  /** `--dns-service-ttl` seconds: service answers (default: the `--dns-ttl`). */
  readonly serviceTtl?: number | undefined;
  /** `--dns-answer-limit` (default 0: no limit). */
  readonly answerLimit?: number | undefined;
  /** `--dns-only-passing` (default false: warning instances are answered too, as in Consul). */
  readonly onlyPassing?: boolean | undefined;
  /** `--dns-udp-answer-limit` bytes (default 4096, at least 512). */
  readonly udpAnswerLimit?: number | undefined;
}

/**
 * A domain as configured (`Cairn`, `cairn.`, `service.example.`) in the form the server compares
 * (lower case, no trailing dot), or null if it is not a host name.
 */
export function normalizeDomain(domain: string): string | null {
  const d = (domain.endsWith('.') ? domain.slice(0, -1) : domain).toLowerCase();
  if (d === '' || d.length > 200) return null;
  return d.split('.').every((l) => /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(l)) ? d : null;
}

export function answerConfig(
  settings: DnsSettings,
  datacenter: string,
  protectionThreshold: number,
): AnswerConfig {
  const domain = normalizeDomain(settings.domain ?? DEFAULT_DOMAIN);
  if (domain === null) throw new RangeError(`not a domain: ${JSON.stringify(settings.domain)}`);
  const consul = normalizeDomain(CONSUL_DOMAIN)!;
  const ttl = settings.ttl ?? 0;
  const udpAnswerLimit = settings.udpAnswerLimit ?? DEFAULT_UDP_ANSWER_LIMIT;
  if (!isUdpAnswerLimit(udpAnswerLimit)) {
    throw new RangeError(
      `UDP answer limit ${udpAnswerLimit} is not a whole number of bytes from ${MIN_UDP_ANSWER_LIMIT} to ${MAX_UDP_ANSWER_LIMIT}`,
    );
  }
  return {
    domains: domain === consul ? [domain] : [domain, consul],
    datacenter,
    ttl,
    serviceTtl: settings.serviceTtl ?? ttl,
    answerLimit: settings.answerLimit ?? 0,
    onlyPassing: settings.onlyPassing ?? false,
    protectionThreshold,
    udpAnswerLimit,
  };
}

export function isUdpAnswerLimit(n: number): boolean {
  return Number.isInteger(n) && n >= MIN_UDP_ANSWER_LIMIT && n <= MAX_UDP_ANSWER_LIMIT;
}
