import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRequestInfo, tokenOf } from '../../src/http/request-info.js';
import { appWithoutServer } from './support.js';

describe('the token', () => {
  it('is taken from ?token, then X-Consul-Token, then Authorization: Bearer, as Consul does', () => {
    const all = { 'x-consul-token': 'header', authorization: 'Bearer bearer' };
    expect(tokenOf({ token: 'query' }, all)).toBe('query');
    expect(tokenOf({}, all)).toBe('header');
    expect(tokenOf({}, { authorization: 'bearer  tok-1 ' })).toBe('tok-1');
    expect(tokenOf({}, { authorization: 'Basic dXNlcjpwdw==' })).toBe('');
    expect(tokenOf({ token: '' }, {})).toBe('');
  });

  it('is hidden from JSON, so from log lines', () => {
    const info = parseRequestInfo({ token: 'secret-token' }, {}, 'write');
    expect(info.token).toBe('secret-token');
    expect(JSON.stringify(info)).not.toContain('secret-token');
    expect(JSON.stringify({ req: info })).not.toContain('secret-token');
  });
});

describe('read parameters by the route read mode', () => {
  it('parses consistency and blocking for blocking reads', () => {
    const info = parseRequestInfo({ stale: '', index: '42', wait: '10s' }, {}, 'blocking');
    expect(info.consistency).toBe('stale');
    expect(info.blocking).toEqual({ minIndex: 42, waitMs: 10_000 });
  });

  it('parses only the consistency mode for consistency reads', () => {
    const info = parseRequestInfo({ consistent: '', index: 'junk' }, {}, 'consistency');
    expect(info.consistency).toBe('consistent');
    expect(info.blocking).toBeNull();
  });

  it('leaves writes and local answers alone (their behaviour with read flags is unchanged)', () => {
    const info = parseRequestInfo({ stale: '', consistent: '', index: 'x' }, {}, 'write');
    expect(info.consistency).toBeNull();
    expect(info.blocking).toBeNull();
  });

  it('refuses ?stale with ?consistent and a bad ?index or ?wait with Consul wording', () => {
    expect(() => parseRequestInfo({ stale: '', consistent: '' }, {}, 'blocking')).toThrow(
      'Cannot specify ?stale with ?consistent, conflicting semantics.',
    );
    expect(() => parseRequestInfo({ index: '-1' }, {}, 'blocking')).toThrow('Invalid index');
    expect(() => parseRequestInfo({ index: '1', wait: 'soon' }, {}, 'blocking')).toThrow('Invalid wait time');
  });
});

describe('the request hook in the app', () => {
  let built: ReturnType<typeof appWithoutServer>;
  beforeAll(async () => {
    built = appWithoutServer();
    await built.app.ready();
  });
  afterAll(async () => {
    await built.app.close();
  });

  it('answers 400 before the handler for a blocking read with conflicting modes', async () => {
    const r = await built.app.inject({ method: 'GET', url: '/v1/kv/a?stale&consistent' });
    expect(r.statusCode).toBe(400);
    expect(r.body).toBe('Cannot specify ?stale with ?consistent, conflicting semantics.');
  });

  it('answers 400 for a bad ?index on a blocking read', async () => {
    const r = await built.app.inject({ method: 'GET', url: '/v1/catalog/services?index=abc' });
    expect(r.statusCode).toBe(400);
    expect(r.body).toBe('Invalid index');
  });
});
