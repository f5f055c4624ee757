import { HttpError } from '../errors.js';
import { none } from './acl.js';
import type { Route } from './types.js';

export const rootRoutes: readonly Route[] = [
  {
    method: 'GET',
    url: '/v1/',
    read: 'local',
    acl: none,
    summary: 'not an endpoint: 404, as Consul answers it',
    handler: (_req, reply, ctx) => {
      ctx.reads.headers(reply, ctx.server.status().applied, 'default');
      throw new HttpError('HTTP_UNKNOWN_ENDPOINT', 'Invalid URL path: not a recognized HTTP API endpoint');
    },
  },
];
