import type { AnswerConfig } from './answer.js';

/** cairn's own domain; Consul's is served too, so that existing configurations keep working. */
export const DEFAULT_DOMAIN = 'cairn.';
export const CONSUL_DOMAIN = 'consul.';

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
  return {
    domains: domain === consul ? [domain] : [domain, consul],
    datacenter,
    ttl,
    serviceTtl: settings.serviceTtl ?? ttl,
    answerLimit: settings.answerLimit ?? 0,
    onlyPassing: settings.onlyPassing ?? false,
    protectionThreshold,
  };
}
