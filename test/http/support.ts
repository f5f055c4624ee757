import { EventEmitter } from 'node:events';
import type { FastifyRequest } from 'fastify';
import { pino } from 'pino';
import { buildHttpApp } from '../../src/http/index.js';
import type { CairnServer } from '../../src/server/index.js';

/**
 * The HTTP app over a stand-in for the server: enough to build it, list its routes and
 * run requests that are refused before any handler reaches the server.
 */
export function appWithoutServer() {
  const server = Object.assign(new EventEmitter(), {
    selfNode: {
      name: 'node-1',
      id: '00000000-0000-0000-0000-000000000001',
      address: '127.0.0.1',
      datacenter: 'dc1',
      taggedAddresses: {},
      meta: {},
    },
    view: { applied: 0 },
    wakeAllWaiters: () => {},
    // Metrics listen to the Raft driver's writes and read its counts at scrape time.
    onSyncedWrite: () => {},
    raftStats: () => ({}),
    // What the query headers of a 404 read: no leader known, nothing applied.
    status: () => ({ applied: 0 }),
    leader: () => null,
    lastContactMs: () => -1,
  });
  return buildHttpApp({
    server: server as unknown as CairnServer,
    datacenter: 'dc1',
    logger: pino({ level: 'silent' }),
  });
}

/** A parsed request as a route's permission functions see it. */
export function fakeRequest(parts: {
  rest?: string;
  query?: Record<string, string>;
  body?: unknown;
}): FastifyRequest {
  return {
    params: parts.rest === undefined ? {} : { '*': parts.rest },
    query: parts.query ?? {},
    body: parts.body === undefined ? undefined : Buffer.from(JSON.stringify(parts.body)),
  } as unknown as FastifyRequest;
}
