import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/http/errors.js';
import { Fields, jsonBody } from '../../src/http/fields.js';

/** The message of the HttpError 400 that `fn` throws; fails on anything else. */
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

const top = (v: Record<string, unknown>) => new Fields(v, '');

describe('Fields: construction', () => {
  it.each([null, undefined, [], [{}], 'x', 1, true])('refuses %j as the body', (v) => {
    expect(bad(() => new Fields(v, ''))).toBe('body: expected a JSON object');
  });

  it('a nested non-object names its path', () => {
    expect(bad(() => new Fields([], 'Service'))).toBe('Service: expected a JSON object');
  });

  it('keeps the names the client sent, in order', () => {
    expect(top({ service_id: 1, Name: 2, TTL: 3 }).keys()).toEqual(['service_id', 'Name', 'TTL']);
    expect(top({}).keys()).toEqual([]);
  });

  it('a JSON "__proto__" key is an ordinary field', () => {
    const f = new Fields(JSON.parse('{"__proto__": "x", "Name": "web"}'), '');
    expect(f.str('__proto__')).toBe('x');
    expect(f.str('Name')).toBe('web');
    expect(f.has('constructor')).toBe(false);
    expect(f.has('toString')).toBe(false);
  });
});

describe('Fields: names match case-insensitively, with or without underscores', () => {
  it.each(['ServiceID', 'serviceid', 'SERVICEID', 'service_id', 'Service_ID', 'serviceId'])(
    'a body key %s is found as ServiceID and service_id',
    (key) => {
      const f = top({ [key]: 'web-1' });
      expect(f.str('ServiceID')).toBe('web-1');
      expect(f.str('service_id')).toBe('web-1');
      expect(f.raw('SERVICE_ID')).toBe('web-1');
      expect(f.has('ServiceId')).toBe(true);
    },
  );

  it('a different name does not match', () => {
    const f = top({ ServiceID: 'x' });
    expect(f.has('Service')).toBe(false);
    expect(f.has('ID')).toBe(false);
    expect(f.raw('ServiceIDs')).toBeUndefined();
  });

  it('has(): null and absent are "not given"; falsy values are given', () => {
    const f = top({ a: null, b: 0, c: '', d: false, e: [] });
    expect(['a', 'b', 'c', 'd', 'e', 'z'].map((k) => f.has(k))).toEqual([
      false,
      true,
      true,
      true,
      true,
      false,
    ]);
  });
});

describe('Fields: typed getters', () => {
  it('str: value, fallback for absent or null, errors named with the full path', () => {
    const f = new Fields(
      { Name: 'web', Port: 80, Nil: null, Long: 'x'.repeat(4097), Max: 'y'.repeat(4096) },
      'Service',
    );
    expect(f.str('Name')).toBe('web');
    expect(f.str('Missing')).toBe('');
    expect(f.str('Missing', 'dflt')).toBe('dflt');
    expect(f.str('Nil', 'dflt')).toBe('dflt');
    expect(f.str('Max')).toHaveLength(4096);
    expect(bad(() => f.str('Port'))).toBe('Service.Port: expected a string');
    expect(bad(() => f.str('Long'))).toBe('Service.Long: longer than 4096 characters');
  });

  it('a top-level field is named without a leading dot', () => {
    expect(bad(() => top({ Name: 1 }).str('Name'))).toBe('Name: expected a string');
  });

  it('int: numbers and integer strings, the fallback, range and type errors', () => {
    const f = new Fields(
      { a: 8080, b: '42', c: '-3', d: 1.5, e: '1.5', f: true, g: '0x10', h: '', i: 1e21 },
      'S',
    );
    expect(f.int('a', 0)).toBe(8080);
    expect(f.int('b', 0)).toBe(42);
    expect(f.int('c', 0, -10)).toBe(-3);
    expect(f.int('missing', 7)).toBe(7);
    expect(bad(() => f.int('c', 0))).toBe(`S.c: must be between 0 and ${Number.MAX_SAFE_INTEGER}`);
    expect(bad(() => f.int('a', 0, 0, 5535))).toBe('S.a: must be between 0 and 5535');
    expect(bad(() => f.int('i', 0))).toMatch(/^S\.i: must be between/);
    for (const k of ['d', 'e', 'f', 'g', 'h'])
      expect(bad(() => f.int(k, 0))).toBe(`S.${k}: expected an integer`);
  });

  it('num: finite numbers or null', () => {
    const f = top({ a: 0.25, b: '0.25', c: null });
    expect(f.num('a')).toBe(0.25);
    expect(f.num('c')).toBeNull();
    expect(f.num('missing')).toBeNull();
    expect(bad(() => f.num('b'))).toBe('b: expected a number');
  });

  it('bool: only JSON booleans', () => {
    const f = top({ t: true, f: false, s: 'true', n: 1 });
    expect(f.bool('t')).toBe(true);
    expect(f.bool('f', true)).toBe(false);
    expect(f.bool('missing')).toBe(false);
    expect(f.bool('missing', true)).toBe(true);
    expect(bad(() => f.bool('s'))).toBe('s: expected true or false');
    expect(bad(() => f.bool('n'))).toBe('n: expected true or false');
  });

  it('strList: lists of strings, at most 256', () => {
    const f = top({
      Tags: ['a', 'b'],
      Empty: [],
      Mixed: ['a', 1],
      Str: 'a',
      Many: Array(257).fill('t'),
      Max: Array(256).fill('t'),
    });
    expect(f.strList('Tags')).toEqual(['a', 'b']);
    expect(f.strList('Empty')).toEqual([]);
    expect(f.strList('Missing')).toEqual([]);
    expect(f.strList('Max')).toHaveLength(256);
    expect(bad(() => f.strList('Mixed'))).toBe('Mixed: expected a list of strings');
    expect(bad(() => f.strList('Str'))).toBe('Str: expected a list of strings');
    expect(bad(() => f.strList('Many'))).toBe('Many: more than 256 entries');
  });

  it('strMap: objects of strings with the key in the error path, limits on size', () => {
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    const f = new Fields(
      {
        Meta: { version: '1', Env: 'prod' },
        List: ['a'],
        Str: 'a',
        NotStr: { version: 1 },
        Many: many,
        LongKey: { ['k'.repeat(129)]: 'v' },
        LongValue: { k: 'v'.repeat(513) },
      },
      'Service',
    );
    expect(f.strMap('Meta')).toEqual({ version: '1', Env: 'prod' });
    expect(f.strMap('Missing')).toEqual({});
    expect(bad(() => f.strMap('List'))).toBe('Service.List: expected an object of strings');
    expect(bad(() => f.strMap('Str'))).toBe('Service.Str: expected an object of strings');
    expect(bad(() => f.strMap('NotStr'))).toBe('Service.NotStr.version: expected a string');
    expect(bad(() => f.strMap('Many'))).toBe('Service.Many: more than 64 keys');
    expect(bad(() => f.strMap('LongKey'))).toMatch(/^Service\.LongKey\.k+: key or value too long$/);
    expect(bad(() => f.strMap('LongValue'))).toBe('Service.LongValue.k: key or value too long');
  });

  it.each<[unknown, number]>([
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
    ['0', 0],
    ['', 0],
    [null, 0],
    [10_000_000_000, 10_000],
    [0, 0],
    [1_500_000, 1.5],
  ])('duration(%j) = %d ms', (v, ms) => {
    expect(top({ TTL: v }).duration('TTL')).toBe(ms);
  });

  it('duration: absent is 0; negatives, unitless strings and other types are errors naming the path', () => {
    expect(top({}).duration('TTL')).toBe(0);
    const f = new Fields({ a: '-1s', b: '10', c: -5, d: true, e: 'soon', f: ['1s'] }, 'Check');
    expect(bad(() => f.duration('a'))).toBe('Check.a: "-1s" is not a duration (e.g. "10s")');
    expect(bad(() => f.duration('b'))).toBe('Check.b: "10" is not a duration (e.g. "10s")');
    expect(bad(() => f.duration('c'))).toBe('Check.c: "-5" is not a duration (e.g. "10s")');
    expect(bad(() => f.duration('d'))).toBe('Check.d: "true" is not a duration (e.g. "10s")');
    // Found by the property below: an object String() cannot convert was a TypeError (a 500).
    const odd = new Fields({ e: { toString: 0 } }, '');
    expect(bad(() => odd.duration('e'))).toBe('e: {"toString":0} is not a duration (e.g. "10s")');
    expect(bad(() => f.duration('e'))).toMatch(/^Check\.e: /);
    expect(bad(() => f.duration('f'))).toMatch(/^Check\.f: /);
  });
});

describe('Fields: nested objects and lists carry the full path', () => {
  const body = {
    Service: { Name: 'web', Weights: { Passing: 'many' } },
    Checks: [{ TTL: '10s' }, { TTL: 5 }, 'not an object'],
  };

  it('obj(): Service.Weights.Passing', () => {
    const svc = top(body).obj('Service');
    expect(svc?.path).toBe('Service');
    const w = svc?.obj('Weights');
    expect(w?.path).toBe('Service.Weights');
    expect(bad(() => w?.int('Passing', 1))).toBe('Service.Weights.Passing: expected an integer');
    expect(top(body).obj('Missing')).toBeNull();
    expect(top({ Service: null }).obj('Service')).toBeNull();
    expect(bad(() => top({ Service: 'web' }).obj('Service'))).toBe('Service: expected a JSON object');
    expect(bad(() => new Fields({ W: [] }, 'Service').obj('W'))).toBe('Service.W: expected a JSON object');
  });

  it('list(): Checks[1].TTL, and a non-object entry by its index', () => {
    const f = top({ Checks: body.Checks.slice(0, 2) });
    const checks = f.list('Checks');
    expect(checks.map((c) => c.path)).toEqual(['Checks[0]', 'Checks[1]']);
    expect(checks[0]?.duration('TTL')).toBe(10_000);
    expect(bad(() => checks[1]?.str('TTL'))).toBe('Checks[1].TTL: expected a string');
    expect(bad(() => top(body).list('Checks'))).toBe('Checks[2]: expected a JSON object');
    expect(top({}).list('Checks')).toEqual([]);
    expect(bad(() => top({ Checks: {} }).list('Checks'))).toBe('Checks: expected a list of objects');
    expect(bad(() => top({ Checks: Array(65).fill({}) }).list('Checks'))).toBe(
      'Checks: more than 64 entries',
    );
    expect(top({ Checks: Array(64).fill({}) }).list('Checks')).toHaveLength(64);
  });

  it('lists inside objects: Service.Checks[0].Name', () => {
    const f = new Fields({ Checks: [{ Name: 3 }] }, 'Service');
    const [c] = f.list('Checks');
    expect(bad(() => c?.str('Name'))).toBe('Service.Checks[0].Name: expected a string');
  });

  it('paths use the name the server asks for, whatever spelling the client sent', () => {
    const f = top({ service: { weights: { passing: 'x' } }, checks: [{ ttl: 1 }] });
    expect(bad(() => f.obj('Service')?.obj('Weights')?.int('Passing', 1))).toBe(
      'Service.Weights.Passing: expected an integer',
    );
    expect(bad(() => f.list('Checks')[0]?.str('TTL'))).toBe('Checks[0].TTL: expected a string');
  });
});

describe('jsonBody', () => {
  it('an absent or blank body is the fallback', () => {
    expect(jsonBody(undefined)).toBeUndefined();
    expect(jsonBody(null, {})).toEqual({});
    expect(jsonBody('', 'dflt')).toBe('dflt');
    expect(jsonBody(' \n\t', 'dflt')).toBe('dflt');
    expect(jsonBody(Buffer.alloc(0), 'dflt')).toBe('dflt');
  });

  it('parses strings and buffers', () => {
    expect(jsonBody('{"Name":"web"}')).toEqual({ Name: 'web' });
    expect(jsonBody(Buffer.from('[1,2]'))).toEqual([1, 2]);
    expect(jsonBody('null', 'dflt')).toBeNull();
    expect(jsonBody(Buffer.from('"é"'))).toBe('é');
  });

  it('bad JSON is a 400 "Request decode failed"', () => {
    expect(bad(() => jsonBody('{"Name": '))).toMatch(/^body: Request decode failed: /);
    expect(bad(() => jsonBody(Buffer.from('nope')))).toMatch(/^body: Request decode failed: /);
  });
});

describe('Fields: property', () => {
  it('every getter on any JSON either returns or throws HttpError 400', () => {
    const getters: ((f: Fields, k: string) => unknown)[] = [
      (f, k) => f.str(k),
      (f, k) => f.int(k, 0),
      (f, k) => f.num(k),
      (f, k) => f.bool(k),
      (f, k) => f.strList(k),
      (f, k) => f.strMap(k),
      (f, k) => f.strListMap(k),
      (f, k) => f.duration(k),
      (f, k) => f.obj(k),
      (f, k) => f.list(k),
    ];
    fc.assert(
      fc.property(
        fc.json().map((t) => JSON.parse(t) as unknown),
        fc.string(),
        fc.nat(getters.length - 1),
        (value, key, g) => {
          try {
            const f = new Fields(value, 'X');
            for (const k of [key, ...f.keys()]) (getters[g] as (f: Fields, k: string) => unknown)(f, k);
          } catch (e) {
            expect(e).toBeInstanceOf(HttpError);
            expect((e as HttpError).status).toBe(400);
            expect((e as HttpError).message).toMatch(/^X[.:[]/);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
