import { describe, expect, it } from 'vitest';
import {
  compileFilter,
  FilterError,
  MAX_PATTERNS,
  MAX_PROGRAM_SIZE,
} from '../../../src/http/filter/index.js';

/** Shaped like Consul's /v1/health/service/:name output. */
function entry(
  id: string,
  overrides: { tags?: string[]; port?: number; statuses?: string[]; rack?: string; env?: string },
) {
  return {
    Node: {
      ID: `${id}-node-id`,
      Node: `node-${id}`,
      Address: '10.0.0.1',
      Datacenter: 'dc1',
      TaggedAddresses: { lan: '10.0.0.1', wan: '198.51.100.1' },
      Meta: { rack: overrides.rack ?? 'r1', 'consul-network-segment': '' },
      CreateIndex: 5,
      ModifyIndex: 9,
    },
    Service: {
      ID: id,
      Service: 'web',
      Tags: overrides.tags ?? [],
      Address: '',
      Meta: overrides.env === undefined ? {} : { env: overrides.env, 'my-key': 'k', 'app/tier': 'front' },
      Port: overrides.port ?? 80,
      EnableTagOverride: false,
      Weights: { Passing: 1, Warning: 1 },
      CreateIndex: 7,
      ModifyIndex: 7,
    },
    Checks: (overrides.statuses ?? ['passing']).map((status, i) => ({
      Node: `node-${id}`,
      CheckID: i === 0 ? 'serfHealth' : `service:${id}:${i}`,
      Name: i === 0 ? 'Serf Health Status' : 'HTTP check',
      Status: status,
      Output: status === 'critical' ? 'connection refused' : 'HTTP GET: 200 OK',
      ServiceID: i === 0 ? '' : id,
      ServiceTags: i === 0 ? [] : (overrides.tags ?? []),
      CreateIndex: 5,
      ModifyIndex: 5,
    })),
  };
}

const items = [
  entry('web-1', {
    tags: ['v1', 'primary'],
    port: 8080,
    env: 'prod',
    rack: 'r1',
    statuses: ['passing', 'passing'],
  }),
  entry('web-2', { tags: ['v2'], port: 8080, env: 'staging', rack: 'r2', statuses: ['passing', 'critical'] }),
  entry('api-3', { tags: [], port: 80, rack: 'r3', statuses: ['passing', 'warning'] }),
];

/** IDs of the items the expression keeps. */
const kept = (expression: string): string[] =>
  items.filter(compileFilter(expression)).map((item) => item.Service.ID);

describe('compileFilter on health-service entries', () => {
  it.each([
    ['Service.Tags contains "v2"', ['web-2']],
    ['"v2" in Service.Tags', ['web-2']],
    ['v2 in Service.Tags', ['web-2']],
    ['"v2" not in Service.Tags', ['web-1', 'api-3']],
    ['Service.Tags not contains "v2"', ['web-1', 'api-3']],
    ['Service.Meta.env == "prod"', ['web-1']],
    ['Service.Meta.env != "prod"', ['web-2', 'api-3']],
    ['Node.Meta["rack"] != "r1"', ['web-2', 'api-3']],
    ['Node.Meta.rack == r3', ['api-3']],
    ['Checks.Status == critical', ['web-2']],
    ['Checks.Status != passing', []],
    ['Checks.Status != critical', ['web-1', 'api-3']],
    ['Checks.Status contains "warning"', ['api-3']],
    ['Service.Port == 8080', ['web-1', 'web-2']],
    ['Service.Port == "8080"', ['web-1', 'web-2']],
    ['Service.Port != 8080', ['api-3']],
    ['Service.ID matches "^web-"', ['web-1', 'web-2']],
    ['Service.ID not matches "^web-"', ['api-3']],
    ['Service.Tags is empty', ['api-3']],
    ['Service.Tags is not empty', ['web-1', 'web-2']],
    ['Service.Meta is empty', ['api-3']],
    ['not (Service.Port == 8080 and Service.Meta.env == prod)', ['web-2', 'api-3']],
    ['Service.Meta.env == prod or Node.Meta.rack == r3 and Service.Port == 80', ['web-1', 'api-3']],
    ['(Service.Meta.env == prod or Node.Meta.rack == r3) and Service.Port == 8080', ['web-1']],
    ['Service.EnableTagOverride == false', ['web-1', 'web-2', 'api-3']],
    ['Service.EnableTagOverride == true', []],
    ['Service.Weights.Passing == 1', ['web-1', 'web-2', 'api-3']],
    ['Service.Meta.my-key == k', ['web-1', 'web-2']],
    ['Service.Meta["app/tier"] == front', ['web-1', 'web-2']],
    ['Service.Meta contains env', ['web-1', 'web-2']],
    ['Node.Meta.consul-network-segment is empty', ['web-1', 'web-2', 'api-3']],
    ['Checks.Output matches "refused$"', ['web-2']],
    ['Checks.ServiceTags contains primary', ['web-1']],
    ['Checks.1.Status == warning', ['api-3']],
    ['Node.TaggedAddresses.wan == "198.51.100.1"', ['web-1', 'web-2', 'api-3']],
  ])('%s keeps %j', (expression, ids) => {
    expect(kept(expression)).toEqual(ids);
  });
});

describe('selector lookup', () => {
  const filter = (expression: string, item: unknown): boolean => compileFilter(expression)(item);

  it('prefers the exact field name and falls back to another casing only when there is none', () => {
    expect(filter('service.port == 80', { Service: { Port: 80 } })).toBe(true);
    expect(filter('Name == exact', { Name: 'exact', name: 'lower' })).toBe(true);
    expect(filter('name == lower', { Name: 'exact', name: 'lower' })).toBe(true);
  });

  it('does not reach inherited properties', () => {
    expect(filter('constructor is empty', {})).toBe(true);
    expect(filter('a contains toString', { a: {} })).toBe(false);
    expect(filter('a.length == 3', { a: 'abc' })).toBe(false);
  });

  it('indexes a list with a numeric key and returns nothing past its end', () => {
    expect(filter('Tags.0 == a', { Tags: ['a', 'b'] })).toBe(true);
    expect(filter('Tags.1 == a', { Tags: ['a', 'b'] })).toBe(false);
    expect(filter('Tags.5 is empty', { Tags: ['a', 'b'] })).toBe(true);
  });
});

describe('operators on values of each kind', () => {
  const filter = (expression: string, item: unknown): boolean => compileFilter(expression)(item);

  it('coerces the literal to the field type for == and !=', () => {
    expect(filter('n == 80', { n: 80 })).toBe(true);
    expect(filter('n == "80"', { n: 80 })).toBe(true);
    expect(filter('n == 80.0', { n: 80 })).toBe(true);
    expect(filter('n == 81', { n: 80 })).toBe(false);
    expect(filter('n == eighty', { n: 80 })).toBe(false);
    expect(filter('n == -1.5', { n: -1.5 })).toBe(true);
    expect(filter('b == true', { b: true })).toBe(true);
    expect(filter('b == "true"', { b: true })).toBe(true);
    expect(filter('b == T', { b: true })).toBe(true);
    expect(filter('b == 0', { b: false })).toBe(true);
    expect(filter('b == true', { b: false })).toBe(false);
    expect(filter('b == yes', { b: true })).toBe(false);
    expect(filter('s == 80', { s: '80' })).toBe(true);
    expect(filter('s == 80', { s: '80.0' })).toBe(false);
    expect(filter('s == Web', { s: 'web' })).toBe(false);
  });

  it('treats a missing field as unequal and empty, and null likewise', () => {
    expect(filter('x == 1', {})).toBe(false);
    expect(filter('x != 1', {})).toBe(true);
    expect(filter('x is empty', {})).toBe(true);
    expect(filter('x is not empty', {})).toBe(false);
    expect(filter('x == null', { x: null })).toBe(false);
    expect(filter('x is empty', { x: null })).toBe(true);
    expect(filter('x.y == 1', { x: null })).toBe(false);
  });

  it('never equates a list or a map with a scalar: contains is the way to look inside', () => {
    expect(filter('Tags == a', { Tags: ['a'] })).toBe(false);
    expect(filter('Tags != a', { Tags: ['a'] })).toBe(true);
    expect(filter('Meta == a', { Meta: { a: 'a' } })).toBe(false);
  });

  it('applies contains to lists by element, strings by substring and maps by key', () => {
    expect(filter('x contains 2', { x: [1, 2] })).toBe(true);
    expect(filter('x contains 3', { x: [1, 2] })).toBe(false);
    expect(filter('x contains "ell"', { x: 'hello' })).toBe(true);
    expect(filter('x contains "Ell"', { x: 'hello' })).toBe(false);
    expect(filter('x contains k', { x: { k: 0 } })).toBe(true);
    expect(filter('x contains v', { x: { k: 'v' } })).toBe(false);
    expect(filter('x contains 1', { x: 1 })).toBe(false);
    expect(filter('x contains a', {})).toBe(false);
    expect(filter('x not contains a', {})).toBe(true);
  });

  it('counts "", [], {} and null as empty, but not 0 or false', () => {
    for (const value of ['', [], {}, null]) expect(filter('x is empty', { x: value })).toBe(true);
    for (const value of [0, false, ' ', [null], { a: null }])
      expect(filter('x is empty', { x: value })).toBe(false);
  });

  it('matches strings anywhere in them, and never non-strings', () => {
    expect(filter('x matches "b+"', { x: 'abbbc' })).toBe(true);
    expect(filter('x matches "^b"', { x: 'abc' })).toBe(false);
    expect(filter('x matches "8"', { x: 8080 })).toBe(false);
    expect(filter('x not matches "8"', { x: 8080 })).toBe(true);
    expect(filter('x matches "a"', {})).toBe(false);
  });

  it('supports a leading (?i) flag as RE2 spells it', () => {
    expect(filter('x matches "(?i)^WEB"', { x: 'web-1' })).toBe(true);
    expect(filter('x matches "^WEB"', { x: 'web-1' })).toBe(false);
  });
});

describe('paths through lists of objects', () => {
  const filter = (expression: string, item: unknown): boolean => compileFilter(expression)(item);
  const item = { Checks: [{ Status: 'passing' }, { Status: 'critical' }, { Other: 1 }] };

  it('is true for == if any element equals, and for != only if none does', () => {
    expect(filter('Checks.Status == critical', item)).toBe(true);
    expect(filter('Checks.Status != critical', item)).toBe(false);
    expect(filter('Checks.Status == warning', item)).toBe(false);
    expect(filter('Checks.Status != warning', item)).toBe(true);
  });

  it('is empty when no element has the field, including an empty list', () => {
    expect(filter('Checks.Status is empty', item)).toBe(false);
    expect(filter('Checks.Missing is empty', item)).toBe(true);
    expect(filter('Checks.Status is empty', { Checks: [] })).toBe(true);
    expect(filter('Checks.Status == passing', { Checks: [] })).toBe(false);
  });

  it('looks into the collected values for contains and in', () => {
    expect(filter('Checks.Status contains critical', item)).toBe(true);
    expect(filter('critical in Checks.Status', item)).toBe(true);
    expect(filter('warning in Checks.Status', item)).toBe(false);
    expect(filter('warning not in Checks.Status', item)).toBe(true);
  });

  it('matches if any collected string matches', () => {
    expect(filter('Checks.Status matches "^crit"', item)).toBe(true);
    expect(filter('Checks.Status matches "^warn"', item)).toBe(false);
  });

  it('flattens nested lists along the way', () => {
    const nested = { Nodes: [{ Checks: [{ Status: 'a' }] }, { Checks: [{ Status: 'b' }, { Status: 'c' }] }] };
    expect(filter('Nodes.Checks.Status == c', nested)).toBe(true);
    expect(filter('Nodes.Checks.Status == d', nested)).toBe(false);
    expect(filter('Nodes.Checks.Status != d', nested)).toBe(true);
  });

  it('fans out from a list at the top level too', () => {
    expect(filter('Status == critical', [{ Status: 'passing' }, { Status: 'critical' }])).toBe(true);
  });
});

describe('compile-time regex checks', () => {
  it('refuses an invalid regex when compiling, naming the pattern and its column', () => {
    expect(() => compileFilter('Service.ID matches "["')).toThrow(FilterError);
    expect(() => compileFilter('Service.ID matches "["')).toThrow(
      /^the regular expression "\[" is not valid: .* at column 20$/,
    );
  });

  it('refuses a bad regex even when that branch could never be evaluated', () => {
    expect(() => compileFilter('a == 1 or (b == 2 and c not matches `(`)')).toThrow(
      /regular expression "\("/,
    );
  });
});

describe('regular expressions: RE2, and the caps on one filter', () => {
  it('evaluates hostile patterns over long values to the right answer', () => {
    const long = [{ ID: 'b'.repeat(128) }, { ID: `${'b'.repeat(127)}c` }, { ID: 'a'.repeat(128) }];
    const ids = (expression: string): string[] =>
      long.filter(compileFilter(expression)).map((item) => item.ID.slice(-2));
    expect(ids('ID matches "(b|b)*c"')).toEqual(['bc']);
    expect(ids('ID not matches "(b|b)*c"')).toEqual(['bb', 'aa']);
    expect(ids('ID matches "^(a?){30}a{30}"')).toEqual(['aa']);
    expect(ids('ID matches "(a+)+b"')).toEqual([]);
    expect(ids('ID matches "(.*a){20}"')).toEqual(['aa']);
  });

  it('takes Go syntax that JavaScript has no spelling for', () => {
    expect(kept('Service.ID matches "(?i)\\\\AWEB-\\\\d\\\\z"')).toEqual(['web-1', 'web-2']);
    expect(kept('Service.Meta.env matches `^\\pL+$`')).toEqual(['web-1', 'web-2']);
  });

  it(`allows ${MAX_PATTERNS} regular expressions in one filter and refuses one more`, () => {
    const many = (n: number): string =>
      Array.from({ length: n }, (_, i) => `ID matches "x${i}"`).join(' or ');
    expect(compileFilter(many(MAX_PATTERNS))({ ID: `x${MAX_PATTERNS - 1}` })).toBe(true);
    expect(() => compileFilter(many(MAX_PATTERNS + 1))).toThrow(
      new RegExp(
        `^this is regular expression number ${MAX_PATTERNS + 1}; a filter may have ${MAX_PATTERNS} at column \\d+$`,
      ),
    );
  });

  it(`refuses patterns whose programs add up to more than ${MAX_PROGRAM_SIZE} instructions`, () => {
    // Each fits alone; together they do not.
    const pattern = '"[a-z]{100}"';
    expect(typeof compileFilter(`a matches ${pattern}`)).toBe('function');
    expect(() =>
      compileFilter(`a matches ${pattern} or b matches ${pattern} or c matches ${pattern}`),
    ).toThrow(
      new RegExp(
        `takes this filter's regular expressions to \\d+ together; the limit is ${MAX_PROGRAM_SIZE} at column 63$`,
      ),
    );
  });
});
