import type { FastifyRequest } from 'fastify';

/**
 * The address a request came from, as the limits count it: the socket's peer, never a
 * forwarded-for header a client could set to anything. An IPv4 peer seen on a dual-stack
 * socket is counted as the same IPv4 address.
 */
export function clientAddress(req: FastifyRequest): string {
  const ip = req.ip ?? '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
