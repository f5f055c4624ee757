import { isIP } from 'node:net';

/**
 * Where an agent registration without `Address` really comes from. In Consul the empty address
 * means "the node's address", the node being the agent on the instance's own host; cairn has no
 * client agents, so that would be the registry server's address. The request's source address is
 * the instance's host instead, unless the request came through a proxy the operator trusts
 * (`--http-trusted-proxies`), whose `X-Forwarded-For` then names the client. Pure.
 */

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4ToInt(ip: string): number | null {
  const m = IPV4.exec(ip);
  if (!m) return null;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return null;
    n = n * 256 + octet;
  }
  return n;
}

/** One trusted proxy: an IPv4 range (`10.0.0.0/8`, a bare address is a /32) or an exact IPv6 address. */
type TrustedEntry =
  | { readonly v4: { readonly base: number; readonly bits: number } }
  | { readonly exact: string };

/** A set of trusted proxy addresses, parsed once from the flag. */
export class TrustedProxies {
  private constructor(private readonly entries: readonly TrustedEntry[]) {}

  static readonly none = new TrustedProxies([]);

  /** Parses `IP` or `IP/BITS` entries; throws a RangeError naming the first bad one. */
  static parse(list: readonly string[]): TrustedProxies {
    const entries: TrustedEntry[] = [];
    for (const raw of list) {
      const [ip = '', bitsText] = raw.split('/');
      const v4 = ipv4ToInt(ip);
      if (v4 !== null) {
        const bits = bitsText === undefined ? 32 : Number(bitsText);
        if (!/^\d{1,2}$/.test(bitsText ?? '32') || bits > 32) {
          throw new RangeError(`"${raw}" is not an IPv4 address or range (e.g. 10.0.0.0/8)`);
        }
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        entries.push({ v4: { base: (v4 & mask) >>> 0, bits } });
      } else if (bitsText === undefined && ip.includes(':')) {
        entries.push({ exact: ip.toLowerCase() });
      } else {
        throw new RangeError(`"${raw}" is not an IP address or IPv4 range (e.g. 10.0.0.0/8)`);
      }
    }
    return new TrustedProxies(entries);
  }

  get size(): number {
    return this.entries.length;
  }

  has(address: string): boolean {
    const ip = unmapped(address);
    const n = ipv4ToInt(ip);
    for (const e of this.entries) {
      if ('exact' in e) {
        if (e.exact === ip.toLowerCase()) return true;
      } else if (n !== null) {
        const mask = e.v4.bits === 0 ? 0 : (0xffffffff << (32 - e.v4.bits)) >>> 0;
        if ((n & mask) >>> 0 === e.v4.base) return true;
      }
    }
    return false;
  }
}

/** An IPv4 peer seen on a dual-stack socket (`::ffff:10.0.0.5`) is that IPv4 address. */
export function unmapped(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/**
 * The client's address: the socket's peer, or, when the peer is a trusted proxy, the right-most
 * `X-Forwarded-For` entry that is not itself a trusted proxy (entries left of it could have been
 * written by anyone, so they are not believed). A hop that is not an IP address stops the walk.
 */
export function sourceAddress(
  peer: string,
  forwardedFor: string | readonly string[] | undefined,
  trusted: TrustedProxies,
): string {
  let client = unmapped(peer);
  if (!trusted.has(client) || forwardedFor === undefined) return client;
  const hops = (typeof forwardedFor === 'string' ? [forwardedFor] : forwardedFor)
    .flatMap((h) => h.split(','))
    .map((h) => h.trim())
    .filter((h) => h !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = unmapped(hops[i] as string);
    // A hop that is not an address (a port, a name, garbage) ends the trust: the last good one stands.
    if (isIP(hop) === 0) return client;
    client = hop;
    if (!trusted.has(client)) return client;
  }
  return client;
}
