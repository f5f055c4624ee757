import { quantile } from '../support/index.js';
import { get } from './http-call.js';
import type { Attack, AttackerFigures } from './types.js';

/** Patterns that take exponential time on a backtracking engine; half of the requests make each one new. */
const HOSTILE = ['(b|b)*c', '(a?){30}a{30}', '(a+)+b', '(a|aa)*b', '(.*a){20}'];

/** `workers` clients sending hostile `ServiceID matches` filters back to back at `service`'s instances. */
export function hostileFilters(service: string, workers: number): Attack {
  return {
    name: 'hostile_filter_regexes',
    // Nothing refuses a filter that fits the caps: the requests themselves are what there is to count.
    metrics: ['cairn_http_requests_total'],
    seriesHolding: 'catalog/service',
    run: async (ctx) => {
      const statuses: Record<string, number> = {};
      const ms: number[] = [];
      let n = 0;
      const worker = async (): Promise<void> => {
        while (performance.now() < ctx.until && !ctx.interrupted()) {
          const i = n++;
          const base = HOSTILE[i % HOSTILE.length] as string;
          const pattern = i % 2 === 0 ? base : `${base}|z${i}`;
          const filter = encodeURIComponent(`ServiceID matches "${pattern}"`);
          const t = performance.now();
          const a = await get(
            `${ctx.target.url}/v1/catalog/service/${service}?filter=${filter}`,
            ctx.sources[0] as string,
            30_000,
          );
          ms.push(performance.now() - t);
          statuses[a.status] = (statuses[a.status] ?? 0) + 1;
        }
      };
      await Promise.all(Array.from({ length: workers }, worker));
      ms.sort((a, b) => a - b);
      const out: AttackerFigures = {
        requests: n,
        request_p50_ms: quantile(ms, 0.5),
        request_max_ms: ms.length === 0 ? null : Math.round(ms[ms.length - 1] as number),
      };
      for (const [status, count] of Object.entries(statuses)) out[`status_${status}`] = count;
      return out;
    },
  };
}
