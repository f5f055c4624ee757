import fc from 'fast-check';
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/http/errors.js';
import {
  blocking,
  boolParam,
  consistency,
  flag,
  intParam,
  nodeMeta,
  param,
  params,
  type Query,
  query,
  rest,
} from '../../src/http/params.js';

function bad(fn: () => unknown): string {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error('expected an HttpError 400, nothing was thrown');
  expect(thrown).toBeInstanceOf(HttpError);
  expect((thrown as HttpError).status).toBe(400);
  return (thrown as HttpError).message;
}

/** A query as fastify's parser gives it: repeated names become arrays, `?x` is "". */
function q(search: string): Query {
  const out: Query = {};
  for (const [k, v] of new URLSearchParams(search)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

const MIN = 60_000;

describe('param, params, query', () => {
  it('param is the first value; params all of them', () => {
    const x = q('tag=a&tag=b&dc=dc1&empty');
    expect(param(x, 'tag')).toBe('a');
    expect(params(x, 'tag')).toEqual(['a', 'b']);
    expect(param(x, 'dc')).toBe('dc1');
    expect(params(x, 'dc')).toEqual(['dc1']);
    expect(param(x, 'empty')).toBe('');
    expect(param(x, 'missing')).toBeUndefined();
    expect(params(x, 'missing')).toEqual([]);
  });

  it('query() is the request query', () => {
    const req = { query: { a: '1' } } as unknown as FastifyRequest;
    expect(query(req)).toEqual({ a: '1' });
  });
});

describe('flag: presence counts (as Consul)', () => {
  it.each([
    ['recurse', true],
    ['recurse=', true],
    ['recurse=true', true],
    ['recurse=false', true],
    ['recurse=0', true],
    ['other', false],
    ['', false],
  ])('?%s → %s', (search, expected) => {
    expect(flag(q(search), 'recurse')).toBe(expected);
  });
});

describe('boolParam', () => {
  it.each([
    ['passing', true],
    ['passing=', true],
    ['passing=1', true],
    ['passing=t', true],
    ['passing=T', true],
    ['passing=true', true],
    ['passing=TRUE', true],
    ['passing=True', true],
    ['passing=0', false],
    ['passing=f', false],
    ['passing=F', false],
    ['passing=false', false],
    ['passing=FALSE', false],
    ['', false],
    ['other=true', false],
  ])('?%s → %s', (search, expected) => {
    expect(boolParam(q(search), 'passing')).toBe(expected);
  });

  it.each(['yes', 'no', '2', 'on', 'truee', ' true'])('?passing=%s is a 400 naming the parameter', (v) => {
    expect(bad(() => boolParam({ passing: v }, 'passing'))).toBe(`passing: "${v}" is not a boolean`);
  });

  it('the first of repeated values counts', () => {
    expect(boolParam(q('passing=false&passing=true'), 'passing')).toBe(false);
  });
});

describe('consistency', () => {
  it.each([
    ['', 'default'],
    ['stale', 'stale'],
    ['stale=false', 'stale'],
    ['consistent', 'consistent'],
    ['consistent=0', 'consistent'],
    ['max_stale=10s', 'stale'],
    ['max_stale=0s', 'default'],
    ['max_stale=0', 'default'],
    ['max_stale=', 'default'],
    ['max_stale', 'default'],
    ['stale&max_stale=0s', 'stale'],
    ['consistent&max_stale=0s', 'consistent'],
    ['leader', 'default'],
  ])('?%s → %s', (search, mode) => {
    expect(consistency(q(search))).toBe(mode);
  });

  it("stale with consistent is Consul's exact 400", () => {
    for (const search of ['stale&consistent', 'consistent&stale=false', 'consistent&max_stale=5s']) {
      expect(bad(() => consistency(q(search)))).toBe(
        'Cannot specify ?stale with ?consistent, conflicting semantics.',
      );
    }
  });

  it('a max_stale that is not a duration is a 400 naming it', () => {
    expect(bad(() => consistency(q('max_stale=soon')))).toBe('max_stale: "soon" is not a duration');
    expect(bad(() => consistency(q('max_stale=10')))).toMatch(/^max_stale: /);
    expect(bad(() => consistency(q('stale&max_stale=x')))).toMatch(/^max_stale: /);
  });
});

describe('blocking', () => {
  it('no index: answer at once with the default 5-minute wait', () => {
    expect(blocking({})).toEqual({ minIndex: 0, waitMs: 5 * MIN });
    expect(blocking(q('index=&wait='))).toEqual({ minIndex: 0, waitMs: 5 * MIN });
  });

  it.each([
    ['index=0', 0],
    ['index=1', 1],
    ['index=42', 42],
    ['index=007', 7],
    [`index=${Number.MAX_SAFE_INTEGER}`, Number.MAX_SAFE_INTEGER],
    ['index=5&index=9', 5],
  ])('?%s → minIndex %d', (search, minIndex) => {
    expect(blocking(q(search)).minIndex).toBe(minIndex);
  });

  it.each([
    '-1',
    '1.5',
    'abc',
    '0x10',
    '1e3',
    ' 1',
    `${Number.MAX_SAFE_INTEGER + 2}`,
    '18446744073709551616',
  ])('?index=%s → 400 "Invalid index"', (index) => {
    expect(bad(() => blocking({ index }))).toBe('Invalid index');
  });

  it.each([
    ['wait=10s', 10_000],
    ['wait=1m30s', 90_000],
    ['wait=250ms', 250],
    ['wait=1.5m', 90_000],
    ['wait=10m', 10 * MIN],
    ['wait=11m', 10 * MIN],
    ['wait=1h', 10 * MIN],
    ['wait=0', 5 * MIN],
    ['wait=0s', 5 * MIN],
  ])('?%s → waitMs %d (capped at 10 minutes; zero is the default, as Consul)', (search, waitMs) => {
    expect(blocking(q(`index=1&${search}`)).waitMs).toBe(waitMs);
  });

  it.each(['10', 'abc', '-1s', '5 s', '1d', 's'])('?wait=%s → 400 "Invalid wait time"', (wait) => {
    expect(bad(() => blocking({ index: '1', wait }))).toBe('Invalid wait time');
  });

  it('an index error wins over a wait error', () => {
    expect(bad(() => blocking({ index: 'x', wait: 'y' }))).toBe('Invalid index');
  });

  it('any wait that parses is within (0, 10 minutes]', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000 }), fc.constantFrom('ms', 's', 'm', 'h'), (n, unit) => {
        const { waitMs } = blocking({ wait: `${n}${unit}` });
        expect(waitMs).toBeGreaterThan(0);
        expect(waitMs).toBeLessThanOrEqual(10 * MIN);
      }),
    );
  });
});

describe('intParam', () => {
  it('non-negative integers or the fallback', () => {
    expect(intParam(q('limit=5'), 'limit', 0)).toBe(5);
    expect(intParam(q('limit=0'), 'limit', 9)).toBe(0);
    expect(intParam(q('limit='), 'limit', 9)).toBe(9);
    expect(intParam({}, 'limit', 9)).toBe(9);
  });

  it.each(['-1', '1.5', 'ten', `${2 ** 60}`])('?limit=%s → 400 naming it', (v) => {
    expect(bad(() => intParam({ limit: v }, 'limit', 0))).toBe(`limit: "${v}" is not a non-negative integer`);
  });
});

describe('nodeMeta', () => {
  it('key:value pairs, repeatable, split at the first colon', () => {
    expect(nodeMeta({})).toEqual([]);
    expect(nodeMeta(q('node-meta=rack:r1'))).toEqual([['rack', 'r1']]);
    expect(nodeMeta(q('node-meta=rack:r1&node-meta=zone:eu:west'))).toEqual([
      ['rack', 'r1'],
      ['zone', 'eu:west'],
    ]);
    expect(nodeMeta(q('node-meta=rack:'))).toEqual([['rack', '']]);
  });

  it.each(['rack', ':r1', ''])('node-meta=%j → 400 naming it', (kv) => {
    expect(bad(() => nodeMeta({ 'node-meta': kv }))).toBe(`node-meta: "${kv}" is not key:value`);
  });
});

describe('rest', () => {
  const req = (star: string | undefined) =>
    ({ params: star === undefined ? {} : { '*': star } }) as unknown as FastifyRequest;

  it('the wildcard remainder, or a 400 naming what is missing', () => {
    expect(rest(req('web/1'), 'service ID')).toBe('web/1');
    expect(bad(() => rest(req(''), 'service ID'))).toBe('Missing service ID');
    expect(bad(() => rest(req(undefined), 'check ID'))).toBe('Missing check ID');
  });
});

describe('params: property', () => {
  const anyQuery = fc.dictionary(
    fc.constantFrom(
      'stale',
      'consistent',
      'max_stale',
      'index',
      'wait',
      'passing',
      'node-meta',
      'limit',
      'x',
    ),
    fc.oneof(
      fc.string(),
      fc.constantFrom('', '0', '1', '10s', '0s', '-1', 'true', 'a:b', '11m'),
      fc.array(fc.string(), { minLength: 1, maxLength: 3 }),
    ),
  );

  it('every parser returns or throws HttpError 400 on any query', () => {
    fc.assert(
      fc.property(anyQuery, (query) => {
        for (const parse of [
          () => consistency(query),
          () => blocking(query),
          () => boolParam(query, 'passing'),
          () => nodeMeta(query),
          () => intParam(query, 'limit', 0),
        ]) {
          try {
            parse();
          } catch (e) {
            expect(e).toBeInstanceOf(HttpError);
            expect((e as HttpError).status).toBe(400);
          }
        }
        // flag never throws
        expect(flag(query, 'stale')).toBe(query.stale !== undefined);
      }),
      { numRuns: 500 },
    );
  });
});
