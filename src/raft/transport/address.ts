import type { PeerAddress } from './types.js';

/** Splits "host:port" (or "[v6]:port"); throws on anything else. */
export function parseAddress(address: PeerAddress): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  let host = address.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (colon <= 0 || host === '' || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`bad peer address ${JSON.stringify(address)}; expected host:port`);
  }
  return { host, port };
}

export function formatAddress(host: string, port: number): PeerAddress {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
