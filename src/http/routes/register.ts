import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify';
import type { HttpContext } from '../context.js';
import { type HttpRoute, methodsOf, type Route, type SocketRoute } from './types.js';

/** A route as fastify registered it, whatever added it. */
export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  /** The table entry it came from; undefined for a route added outside the table. */
  readonly entry: Route | undefined;
  /** Set on the 405/OPTIONS answers that methods.ts derives from the table's routes. */
  readonly derived: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route table entry a route was registered from. */
    cairnRoute?: Route;
    /** A 405/OPTIONS answer added for a table route's path (methods.ts). */
    derivedFromTable?: boolean;
  }
}

const seen = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Notes every route added to `app` (and its plugins) from now on, for `registeredRoutes`. */
export function recordRoutes(app: FastifyInstance): void {
  const list: RegisteredRoute[] = [];
  seen.set(app, list);
  app.addHook('onRoute', (r) => {
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) {
      list.push({
        method,
        url: r.url,
        entry: r.config?.cairnRoute,
        derived: r.config?.derivedFromTable === true,
      });
    }
  });
}

/** Every route fastify registered on `app` since `recordRoutes` (empty if never called). */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return seen.get(app) ?? [];
}

const isSocket = (r: Route): r is SocketRoute => 'socket' in r;

/** Registers the whole route table; WebSocket routes go in a scope of their own with the plugin. */
export function registerRoutes(app: FastifyInstance, ctx: HttpContext, table: readonly Route[]): void {
  const sockets: SocketRoute[] = [];
  for (const r of table) {
    if (isSocket(r)) {
      sockets.push(r);
      continue;
    }
    const route: HttpRoute = r;
    app.route({
      method: [...methodsOf(route)] as HTTPMethods[],
      url: route.url,
      config: { cairnRoute: route },
      handler: (req, reply) => route.handler(req, reply, ctx),
    });
  }
  if (sockets.length === 0) return;
  app.register(async (scope) => {
    await scope.register(websocket, { options: { maxPayload: 64 * 1024 } });
    for (const r of sockets) {
      const admit = r.admit;
      scope.route({
        method: [...methodsOf(r)] as HTTPMethods[],
        url: r.url,
        config: { cairnRoute: r },
        websocket: true,
        // Only upgrade requests are admitted: a plain GET on the path is answered 404 and holds nothing.
        ...(admit !== undefined
          ? {
              onRequest: async (req: FastifyRequest) => {
                if (req.ws) admit(req, ctx);
              },
            }
          : {}),
        handler: r.socket(ctx),
      });
    }
  });
}
