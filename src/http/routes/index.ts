/** The HTTP route table: every route, what it reads with and what permission it needs. */

import { watchRoutes } from '../watch/route.js';
import { aclDisabledRoutes } from './acl-disabled.js';
import { agentRoutes } from './agent.js';
import { agentHealthRoutes } from './agent-health.js';
import { agentInfoRoutes } from './agent-info.js';
import { catalogRoutes } from './catalog.js';
import { coordinateRoutes } from './coordinate.js';
import { healthRoutes } from './health.js';
import { kvRoutes } from './kv.js';
import { metricsRoutes } from './metrics.js';
import { rootRoutes } from './root.js';
import { sessionRoutes } from './session.js';
import { statusRoutes } from './status.js';
import { txnRoutes } from './txn.js';
import type { Route } from './types.js';

export const ROUTE_TABLE: readonly Route[] = [
  ...agentRoutes,
  ...agentHealthRoutes,
  ...agentInfoRoutes,
  ...catalogRoutes,
  ...healthRoutes,
  ...kvRoutes,
  ...txnRoutes,
  ...sessionRoutes,
  ...watchRoutes,
  ...statusRoutes,
  ...metricsRoutes,
  ...coordinateRoutes,
  ...aclDisabledRoutes,
  ...rootRoutes,
];

export { type RegisteredRoute, recordRoutes, registeredRoutes, registerRoutes } from './register.js';
export { renderRouteTable } from './render.js';
export type {
  Access,
  HttpMethod,
  HttpRoute,
  Permission,
  ReadMode,
  Resource,
  Route,
  RouteAcl,
  SocketRoute,
} from './types.js';
export { methodsOf } from './types.js';
