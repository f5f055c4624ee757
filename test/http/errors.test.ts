import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerFor, fromApplyFailure, HttpError } from '../../src/http/errors.js';
import { compileFilter, FilterError } from '../../src/http/filter/index.js';
import { ServerError } from '../../src/server/index.js';
import { failure } from '../../src/state/index.js';
import { appWithoutServer } from './support.js';

function filterErrorOf(expr: string): FilterError {
  try {
    compileFilter(expr);
  } catch (e) {
    if (e instanceof FilterError) return e;
    throw e;
  }
  throw new Error(`"${expr}" compiled`);
}

describe('answerFor: every error as the HTTP API answers it', () => {
  it('server errors keep their message and take their status from the catalog', () => {
    expect(answerFor(new ServerError('noLeader', 'No cluster leader'), 1)).toEqual({
      status: 500,
      code: 'SERVER_NO_LEADER',
      text: 'No cluster leader',
    });
    expect(answerFor(new ServerError('unknownOutcome', 'timed out'), 1).status).toBe(503);
    expect(answerFor(new ServerError('notFound', 'Unknown server "x"'), 1).status).toBe(404);
  });

  it('refused commands: not found is 404, invalid is 400', () => {
    expect(fromApplyFailure(failure('notFound', 'no such node')).status).toBe(404);
    expect(fromApplyFailure(failure('invalid', 'bad')).code).toBe('STATE_INVALID');
    expect(fromApplyFailure(failure('invalid', 'bad')).status).toBe(400);
  });

  it('a filter error is a 400 whose message names the parameter exactly once', () => {
    const a = answerFor(filterErrorOf('Service.Port'), 1);
    expect(a.status).toBe(400);
    expect(a.code).toBe('FILTER_SYNTAX');
    expect(a.text).toMatch(/^filter: expected an operator/);
    expect(a.text).not.toContain('filter: filter:');
  });

  it("fastify's body limit is 413 naming the limit; anything unexpected is a 500", () => {
    const big = Object.assign(new Error('too big'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    expect(answerFor(big, 1024)).toEqual({
      status: 413,
      code: 'HTTP_BODY_TOO_LARGE',
      text: 'Request body too large: more than 1024 bytes',
    });
    expect(answerFor(new TypeError('x is undefined'), 1)).toEqual({
      status: 500,
      code: 'HTTP_INTERNAL',
      text: 'Internal error: x is undefined',
    });
  });

  it('an HttpError with a field starts with it once', () => {
    const e = new HttpError('TXN_VALUE_TOO_LARGE', 'exceeds 10 byte limit', '[0].KV.Value');
    expect(e.message).toBe('[0].KV.Value: exceeds 10 byte limit');
    expect(e.status).toBe(413);
  });
});

describe('errors through the app', () => {
  let built: ReturnType<typeof appWithoutServer>;
  beforeAll(async () => {
    built = appWithoutServer();
    await built.app.ready();
  });
  afterAll(async () => {
    await built.app.close();
  });

  it('a bad ?filter= answers 400 "filter: ..." with the prefix once', async () => {
    const r = await built.app.inject({ method: 'GET', url: '/v1/catalog/nodes?filter=Node%20%3D%3D' });
    expect(r.statusCode).toBe(400);
    expect(r.body).toMatch(/^filter: expected a value after "==" but found the end of the expression/);
  });

  it('an unknown endpoint and a wrong method answer as Consul', async () => {
    const unknown = await built.app.inject({ method: 'GET', url: '/v1/nope' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toBe('Invalid URL path: not a recognized HTTP API endpoint');
    const wrong = await built.app.inject({ method: 'POST', url: '/v1/status/leader' });
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers.allow).toBe('OPTIONS,GET');
  });
});
