import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilter, FilterError } from '../../../src/http/filter/index.js';

/** Pieces of the language, so random expressions often get deep into the parser, not just the lexer. */
const fragment = fc.constantFrom(
  'Service.Tags',
  'Checks.Status',
  'Node.Meta["rack"]',
  'Meta.my-key',
  'a.0',
  ' == ',
  ' != ',
  ' is empty',
  ' is not empty',
  ' in ',
  ' not in ',
  ' contains ',
  ' not contains ',
  ' matches ',
  ' and ',
  ' or ',
  'not ',
  '(',
  ')',
  '"v2"',
  '`^web-`',
  '"(a+)+"',
  '"["',
  '80',
  '-1.5',
  'true',
  'critical',
  '[',
  ']',
  '.',
  '"',
  '\\',
);
const expression = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.array(fragment, { maxLength: 25 }).map((parts) => parts.join('')),
);

/** Valid expressions built from the grammar, so the evaluation property runs on real filters. */
const selector = fc.constantFrom(
  'Service.Tags',
  'Checks.Status',
  'Node.Meta["rack"]',
  'a',
  'a.b.c',
  'x.0',
  'Port',
);
const value = fc.constantFrom('"v2"', '`r1`', '80', '-1.5', 'true', 'false', 'critical', '""', '"a.b"');
const match = fc.oneof(
  fc.tuple(selector, fc.constantFrom('==', '!=', 'contains', 'not contains'), value).map((p) => p.join(' ')),
  fc.tuple(selector, fc.constantFrom('is empty', 'is not empty')).map((p) => p.join(' ')),
  fc.tuple(value, fc.constantFrom('in', 'not in'), selector).map((p) => p.join(' ')),
  fc
    .tuple(
      selector,
      fc.constantFrom('matches', 'not matches'),
      fc.constantFrom('"^a"', '`[0-9]+`', '"(?i)V"'),
    )
    .map((p) => p.join(' ')),
);
const valid: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', maxDepth: 8, withCrossShrink: true },
    match,
    tie('expr').map((e) => `not ${e}`),
    tie('expr').map((e) => `(${e})`),
    fc.tuple(tie('expr'), fc.constantFrom('and', 'or'), tie('expr')).map((p) => p.join(' ')),
  ),
})).expr;

/** JSON-shaped items whose keys are mostly the names the filters above look up. */
const key = fc.constantFrom(
  'Service',
  'Tags',
  'Checks',
  'Status',
  'Node',
  'Meta',
  'rack',
  'a',
  'b',
  'c',
  'x',
  'Port',
  '0',
);
const json = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.string({ maxLength: 8 }),
    fc.constantFrom('v2', 'r1', '80', 'critical', 'true', ''),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof({ weight: 4, arbitrary: key }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) }),
      tie('value'),
      {
        maxKeys: 5,
      },
    ),
  ),
})).value;

/** Every kind of JSON value at every place the generated selectors reach. */
const ODD_VALUES: unknown[] = [
  null,
  0,
  -1.5,
  true,
  false,
  '',
  'v2',
  [],
  [null],
  [[]],
  {},
  { a: null },
  [{}, 1, 'x'],
];
const AWKWARD_ITEMS: unknown[] = [
  ...ODD_VALUES,
  ...ODD_VALUES.flatMap((v) => [
    { a: v, Port: v, x: v },
    { a: { b: { c: v } }, x: [v, v] },
    { Service: { Tags: v }, Checks: v, Node: { Meta: v } },
    { Checks: [{ Status: v }, v], Node: { Meta: { rack: v } } },
    [{ a: v }, v],
  ]),
];

describe('compileFilter properties', () => {
  it('throws nothing but FilterError on arbitrary input', () => {
    fc.assert(
      fc.property(expression, (source) => {
        try {
          expect(typeof compileFilter(source)).toBe('function');
        } catch (error) {
          expect(error).toBeInstanceOf(FilterError);
          // No prefix here: the error catalog adds `filter: ` once, when it is answered.
          expect((error as FilterError).message).toMatch(/^(?!filter: )\S/);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('compiles every expression the grammar generates', () => {
    fc.assert(
      fc.property(valid, (source) => {
        expect(typeof compileFilter(source)).toBe('function');
      }),
      { numRuns: 500 },
    );
  });

  it('compiled filters return a boolean for any JSON value and never throw', () => {
    fc.assert(
      fc.property(valid, fc.array(json, { maxLength: 5 }), (source, values) => {
        const filter = compileFilter(source);
        for (const item of [...values, ...AWKWARD_ITEMS]) expect(typeof filter(item)).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('"not" always inverts, and "and"/"or" agree with their operands', () => {
    fc.assert(
      fc.property(valid, valid, json, (left, right, item) => {
        const a = compileFilter(left)(item);
        const b = compileFilter(right)(item);
        expect(compileFilter(`not (${left})`)(item)).toBe(!a);
        expect(compileFilter(`(${left}) and (${right})`)(item)).toBe(a && b);
        expect(compileFilter(`(${left}) or (${right})`)(item)).toBe(a || b);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps hostile sizes to a FilterError: very long input and deep nesting', () => {
    fc.assert(
      fc.property(fc.integer({ min: 65, max: 3000 }), fc.constantFrom('(', 'not '), (depth, opener) => {
        const source = `${opener.repeat(depth)}a == 1${opener === '(' ? ')'.repeat(depth) : ''}`;
        if (source.length > 4096) {
          expect(() => compileFilter(source)).toThrow(/the limit is 4096/);
        } else {
          expect(() => compileFilter(source)).toThrow(/nests deeper than the limit of 64/);
        }
      }),
      { numRuns: 50 },
    );
  });
});
