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
    if (e instanceof FilterError) throw new HttpError(400, `filter: ${e.message}`);
    throw e;
  }
}
