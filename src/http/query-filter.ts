import { HttpError } from './errors.js';
import { compileFilter, type Filter, FilterError, type FilterLimit } from './filter/index.js';
import { param, type Query } from './params.js';

/** Where refusals for a limit and cut subjects are counted (the agent's Metrics). */
export interface FilterCounts {
  filterRefused(reason: FilterLimit): void;
  filterSubjectCut(): void;
}

/** The `?filter=` of a request, compiled; null when absent. A bad expression is a 400. */
export function queryFilter(q: Query, counts: FilterCounts): Filter | null {
  const expr = param(q, 'filter');
  if (expr === undefined || expr === '') return null;
  try {
    return compileFilter(expr, { onSubjectCut: () => counts.filterSubjectCut() });
  } catch (e) {
    if (e instanceof FilterError) {
      if (e.limit !== undefined) counts.filterRefused(e.limit);
      // The catalog adds the `filter: ` prefix (FILTER_SYNTAX names the parameter).
      throw new HttpError(e.code, e.message);
    }
    throw e;
  }
}
