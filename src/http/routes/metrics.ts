import type { FastifyInstance } from 'fastify';
import type { HttpContext } from '../context.js';
import { HttpError } from '../errors.js';
import { param, query } from '../params.js';

export function metricsRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const prometheus = async (_req: unknown, reply: { type(t: string): void }) => {
    reply.type(ctx.metrics.contentType);
    return ctx.metrics.text();
  };
  app.get('/metrics', prometheus);
  app.get('/v1/agent/metrics', async (req, reply) => {
    const format = param(query(req), 'format');
    if (format === 'prometheus') return prometheus(req, reply);
    if (format !== undefined)
      throw new HttpError(400, `format: "${format}" is not supported (use prometheus)`);
    // Consul's JSON form: gauges and counters as name/value pairs.
    const metrics = await ctx.metrics.registry.getMetricsAsJSON();
    const gauges: { Name: string; Value: number; Labels: Record<string, string> }[] = [];
    for (const m of metrics) {
      for (const v of m.values) {
        gauges.push({
          Name: (v as { metricName?: string }).metricName ?? m.name,
          Value: v.value,
          Labels: stringLabels(v.labels),
        });
      }
    }
    return { Timestamp: new Date().toISOString(), Gauges: gauges, Points: [], Counters: [], Samples: [] };
  });
}

function stringLabels(labels: Record<string, string | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (v !== undefined) out[k] = String(v);
  return out;
}
