import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/http/errors.js';
import { queryFilter } from '../../src/http/query-filter.js';

function refusal(filter: string): HttpError {
  try {
    queryFilter({ filter });
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return error as HttpError;
  }
  throw new Error(`${JSON.stringify(filter)} was accepted`);
}

describe('queryFilter', () => {
  it('is null without a filter and a predicate with one', () => {
    expect(queryFilter({})).toBeNull();
    expect(queryFilter({ filter: '' })).toBeNull();
    expect(queryFilter({ filter: 'ID matches "^web"' })?.({ ID: 'web-1' })).toBe(true);
  });

  it('answers a malformed expression with a 400 whose message says "filter:" once', () => {
    const error = refusal('Service.ID web');
    expect(error.status).toBe(400);
    expect(error.message).toBe(
      'filter: expected an operator ("==", "!=", "is empty", "is not empty", "contains", "matches" or "in") after the selector "Service.ID" but found "web" at column 12',
    );
  });

  it('answers a bad regular expression with a 400 naming it, "filter:" once', () => {
    const error = refusal('ID matches "(a"');
    expect(error.status).toBe(400);
    expect(error.message).toBe(
      'filter: the regular expression "(a" is not valid: missing closing ) at column 12',
    );
  });
});
