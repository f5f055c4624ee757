import { HttpError } from './errors.js';
import { compileFilter, type Filter, FilterError } from './filter/index.js';
import { param, type Query } from './params.js';

/** The `?filter=` of a request, compiled; null when absent. A bad expression is a 400. */
export function queryFilter(q: Query): Filter | null {
  const expr = param(q, 'filter');
  if (expr === undefined || expr === '') return null;
  try {
    return compileFilter(expr);
  } catch (e) {
    // The catalog adds the `filter: ` prefix (FILTER_SYNTAX names the parameter).
    if (e instanceof FilterError) throw new HttpError(e.code, e.message);
    throw e;
  }
}
