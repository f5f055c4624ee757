/**
 * The names cairn answers under its domains, parsed from a question name. Pure; names are
 * compared in lower case (DNS names are case-insensitive).
 */

/** What a name in one of our domains asks for. Every string here is lower case. */
export type DnsName =
  /** `[<tag>.]<service>.service[.<dc>[.dc]]` or `_<service>._<tag|tcp>[.service][.<dc>]`. */
  | {
      readonly kind: 'service';
      readonly service: string;
      /** null: no tag filter (`_tcp` in the RFC 2782 form). */
      readonly tag: string | null;
      readonly dc: string | null;
    }
  /** `<node>.node[.<dc>[.dc]]`. */
  | { readonly kind: 'node'; readonly node: string; readonly dc: string | null }
  /** `<hex-ip>.addr[.<dc>[.dc]]`, the SRV target of an instance with its own address. */
  | { readonly kind: 'addr'; readonly ip: string; readonly dc: string | null }
  /** The domain itself (SOA, NS). */
  | { readonly kind: 'apex' }
  /**
   * A name in a reverse zone (`5.0.0.127.in-addr.arpa`, `...ip6.arpa`, or the zone itself), kept
   * whole: it names an address, or an ancestor of addresses, only if it is spelled as reverseName
   * spells one, so it is compared as a string.
   */
  | { readonly kind: 'reverse'; readonly name: string }
  /** In our domain, but no name form matches (NXDOMAIN). */
  | { readonly kind: 'unknown' };

export interface ParsedName {
  /**
   * The domain the question used, as configured: lower case, no trailing dot (`cairn`); for a
   * reverse name, its zone (`in-addr.arpa`, `ip6.arpa`).
   */
  readonly domain: string;
  readonly name: DnsName;
}

const TYPE_LABELS = new Set(['service', 'node', 'addr', 'query']);

/** The reverse zones answered for node and instance addresses (PTR), whatever the domains. */
export const REVERSE_ZONES: readonly string[] = ['in-addr.arpa', 'ip6.arpa'];

/**
 * Splits `qname` (no trailing dot, any case) into a domain of `domains` or a reverse zone (lower
 * case, no trailing dot; the longest that matches wins) and the name form under it. null: in none
 * of them.
 */
export function parseName(qname: string, domains: readonly string[]): ParsedName | null {
  const lower = trimDot(qname).toLowerCase();
  const within = (d: string): boolean => lower === d || lower.endsWith(`.${d}`);
  let domain: string | null = null;
  for (const d of domains) {
    if (within(d) && (domain === null || d.length > domain.length)) domain = d;
  }
  for (const zone of REVERSE_ZONES) {
    if (within(zone) && (domain === null || zone.length > domain.length)) {
      return { domain: zone, name: { kind: 'reverse', name: lower } };
    }
  }
  if (domain === null) return null;
  if (lower === domain) return { domain, name: { kind: 'apex' } };
  const labels = lower.slice(0, lower.length - domain.length - 1).split('.');
  return { domain, name: parseLabels(labels) };
}

function parseLabels(labels: readonly string[]): DnsName {
  if (labels.some((l) => l === '')) return { kind: 'unknown' };
  const n = labels.length;
  // Where the type label is: last (no datacenter), then `<type>.<dc>`, then `<type>.<dc>.dc`.
  let at = -1;
  let dc: string | null = null;
  if (TYPE_LABELS.has(labels[n - 1]!)) at = n - 1;
  else if (n >= 2 && TYPE_LABELS.has(labels[n - 2]!)) {
    at = n - 2;
    dc = labels[n - 1]!;
  } else if (n >= 3 && labels[n - 1] === 'dc' && TYPE_LABELS.has(labels[n - 3]!)) {
    at = n - 3;
    dc = labels[n - 2]!;
  }
  if (at < 0) {
    // RFC 2782 without the `.service` label: `_web._tcp.cairn`, `_web._tcp.dc1.cairn`.
    if ((n === 2 || n === 3) && isUnderscored(labels[0]!) && isUnderscored(labels[1]!)) {
      return rfc2782(labels[0]!, labels[1]!, n === 3 ? labels[2]! : null);
    }
    return { kind: 'unknown' };
  }
  const prefix = labels.slice(0, at);
  if (prefix.length === 0) return { kind: 'unknown' };
  switch (labels[at]) {
    case 'service': {
      if (prefix.length === 2 && isUnderscored(prefix[0]!) && isUnderscored(prefix[1]!)) {
        return rfc2782(prefix[0]!, prefix[1]!, dc);
      }
      // Every label before the service name is the tag (tags may contain dots).
      const service = prefix[prefix.length - 1]!;
      const tag = prefix.length > 1 ? prefix.slice(0, -1).join('.') : null;
      return { kind: 'service', service, tag, dc };
    }
    case 'node':
      return { kind: 'node', node: prefix.join('.'), dc };
    case 'addr': {
      const ip = prefix.length === 1 ? decodeAddrLabel(prefix[0]!) : null;
      return ip === null ? { kind: 'unknown' } : { kind: 'addr', ip, dc };
    }
    default:
      // Prepared queries (`.query.`) are not implemented.
      return { kind: 'unknown' };
  }
}

function isUnderscored(label: string): boolean {
  return label.length > 1 && label.startsWith('_');
}

function rfc2782(service: string, tag: string, dc: string | null): DnsName {
  const t = tag.slice(1);
  return { kind: 'service', service: service.slice(1), tag: t === 'tcp' ? null : t, dc };
}

function trimDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

// ---- <hex>.addr names ------------------------------------------------------------------

/** The `.addr` label of an IP address: 8 hex digits for IPv4, 32 for IPv6 (as Consul). */
export function encodeAddrLabel(ip: string): string | null {
  const v4 = parseIPv4(ip);
  if (v4) return v4.map((b) => b.toString(16).padStart(2, '0')).join('');
  const v6 = parseIPv6(ip);
  if (v6) return v6.map((b) => b.toString(16).padStart(2, '0')).join('');
  return null;
}

/**
 * The name a PTR question for `ip` asks about: `5.0.0.127.in-addr.arpa` for 127.0.0.5, 32 nibbles
 * under `ip6.arpa` for IPv6 (RFC 1035 3.5, RFC 3596 2.5), lower case; null if `ip` is not an address.
 */
export function reverseName(ip: string): string | null {
  const v4 = parseIPv4(ip);
  if (v4) return `${v4.reverse().join('.')}.in-addr.arpa`;
  const v6 = parseIPv6(ip);
  if (!v6) return null;
  const nibbles: string[] = [];
  for (const b of v6.reverse()) nibbles.push((b & 0xf).toString(16), (b >> 4).toString(16));
  return `${nibbles.join('.')}.ip6.arpa`;
}

function decodeAddrLabel(label: string): string | null {
  if (!/^[0-9a-f]+$/.test(label)) return null;
  if (label.length === 8) {
    const bytes = label.match(/../g)!.map((h) => Number.parseInt(h, 16));
    return bytes.join('.');
  }
  if (label.length === 32) {
    const groups = label.match(/.{4}/g)!.map((h) => Number.parseInt(h, 16).toString(16));
    return compressIPv6(groups);
  }
  return null;
}

/** The four bytes of a dotted-quad IPv4 address, or null. */
export function parseIPv4(ip: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return null;
  const bytes = m.slice(1).map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

/** The sixteen bytes of an IPv6 address (with `::` and an embedded IPv4 tail), or null. */
export function parseIPv6(ip: string): number[] | null {
  if (!ip.includes(':') || ip.length > 45) return null;
  let s = ip;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (!v4) return null;
    tail = v4;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return null;
    return groups.map((g) => Number.parseInt(g, 16));
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !rest) return null;
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    if (head.length !== 8) return null;
    groups = head;
  }
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** Canonical text (RFC 5952) of eight hex groups: the longest run of two or more zero groups is `::`. */
function compressIPv6(groups: readonly string[]): string {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** Whether `name` can be written as a DNS name: non-empty labels of at most 63 bytes, 253 in all. */
export function isEncodableName(name: string): boolean {
  const n = trimDot(name);
  if (n === '' || Buffer.byteLength(n) > 253) return false;
  for (const label of n.split('.')) {
    if (label === '' || Buffer.byteLength(label) > 63) return false;
  }
  return true;
}
