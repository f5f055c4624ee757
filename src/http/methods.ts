import type { FastifyInstance } from 'fastify';
import { httpStatus } from '../errors/index.js';

const ANSWERED = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'] as const;

/**
 * Consul answers a known path asked with the wrong method by a 405 with an
 * `Allow` header, and OPTIONS by a 200 with the same header; clients tell
 * "wrong method" from "no such endpoint" by it. Call this before any route
 * is added: it notes each path's methods as routes come in, and the function
 * it returns adds the 405 and OPTIONS answers once every route is in.
 */
export function methodNotAllowed(
  app: FastifyInstance,
  except: readonly string[],
): (scope: FastifyInstance) => void {
  const byUrl = new Map<string, Set<string>>();
  let noting = true;
  app.addHook('onRoute', (route) => {
    if (!noting) return;
    const methods = byUrl.get(route.url) ?? new Set<string>();
    byUrl.set(route.url, methods);
    for (const m of Array.isArray(route.method) ? route.method : [route.method]) methods.add(m);
  });
  return (scope) => {
    noting = false;
    for (const [url, methods] of byUrl) {
      if (except.includes(url)) continue;
      const allow = ['OPTIONS', ...ANSWERED.filter((m) => methods.has(m))].join(',');
      const missing = ANSWERED.filter((m) => !methods.has(m));
      if (missing.length > 0) {
        scope.route({
          method: missing,
          url,
          config: { derivedFromTable: true },
          handler: (req, reply) => {
            reply
              .code(httpStatus('HTTP_METHOD_NOT_ALLOWED'))
              .header('allow', allow)
              .type('text/plain; charset=utf-8')
              .send(`method ${req.method} not allowed`);
          },
        });
      }
      if (!methods.has('OPTIONS')) {
        scope.route({
          method: 'OPTIONS',
          url,
          config: { derivedFromTable: true },
          handler: (_req, reply) => {
            reply.code(200).header('allow', allow).send();
          },
        });
      }
    }
  };
}
