import { describe, expect, it } from 'vitest';
import {
  FilterError,
  MAX_EXPRESSION_LENGTH,
  MAX_NESTING,
  type Node,
  parseFilter,
} from '../../../src/http/filter/index.js';

/** A compact rendering of the tree, so expectations show structure rather than columns. */
function show(node: Node): string {
  switch (node.kind) {
    case 'and':
    case 'or':
      return `(${node.operands.map(show).join(` ${node.kind} `)})`;
    case 'not':
      return `not ${show(node.operand)}`;
    case 'match': {
      const selector = node.selector.path.map((key) => `[${key}]`).join('');
      return node.value
        ? `{${selector} ${node.operator} ${node.value.kind}:${node.value.raw}}`
        : `{${selector} ${node.operator}}`;
    }
  }
}

const parsed = (expression: string): string => show(parseFilter(expression));

function errorOf(expression: string): FilterError {
  try {
    parseFilter(expression);
  } catch (error) {
    if (error instanceof FilterError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(expression)} to be refused`);
}

describe('parseFilter: match forms', () => {
  it.each([
    ['Service.Port == 80', '{[Service][Port] == number:80}'],
    ['Service.Port != "80"', '{[Service][Port] != string:80}'],
    ['Service.Tags is empty', '{[Service][Tags] is empty}'],
    ['Service.Tags is not empty', '{[Service][Tags] is not empty}'],
    ['"v2" in Service.Tags', '{[Service][Tags] contains string:v2}'],
    ['"v2" not in Service.Tags', '{[Service][Tags] not contains string:v2}'],
    ['v2 in Service.Tags', '{[Service][Tags] contains word:v2}'],
    ['8080 not in Ports', '{[Ports] not contains number:8080}'],
    ['Service.Tags contains "v2"', '{[Service][Tags] contains string:v2}'],
    ['Service.Tags not contains v2', '{[Service][Tags] not contains word:v2}'],
    ['Service.ID matches "^web-"', '{[Service][ID] matches string:^web-}'],
    ['Service.ID not matches `^web-\\d+$`', '{[Service][ID] not matches string:^web-\\d+$}'],
  ])('%s', (expression, tree) => {
    expect(parsed(expression)).toBe(tree);
  });

  it('reads selectors with dots, bracketed keys, and keys holding "-" and "/"', () => {
    expect(parsed('Node.Meta["rack id"].x == 1')).toBe('{[Node][Meta][rack id][x] == number:1}');
    expect(parsed('ServiceMeta.my-key == a')).toBe('{[ServiceMeta][my-key] == word:a}');
    expect(parsed('Meta.app/tier == a')).toBe('{[Meta][app/tier] == word:a}');
    expect(parsed('Checks.0.Status == passing')).toBe('{[Checks][0][Status] == word:passing}');
    expect(parsed('Meta [ "k" ] == 1')).toBe('{[Meta][k] == number:1}');
  });

  it('reads every value form: double-quoted, raw, number, true/false and bare words', () => {
    expect(parsed('a == "x \\"y\\" \\\\"')).toBe('{[a] == string:x "y" \\}');
    expect(parsed('a == `x "y" \\`')).toBe('{[a] == string:x "y" \\}');
    expect(parsed('a == -12.5')).toBe('{[a] == number:-12.5}');
    expect(parsed('a == true')).toBe('{[a] == word:true}');
    expect(parsed('a != false')).toBe('{[a] != word:false}');
    expect(parsed('a == node1.dc1')).toBe('{[a] == word:node1.dc1}');
  });

  it('treats keywords as case-sensitive: upper-case ones are plain selectors', () => {
    expect(parsed('NOT == 1')).toBe('{[NOT] == number:1}');
    expect(parsed('is == empty')).toBe('{[is] == word:empty}');
  });

  it('ignores whitespace of every kind outside strings', () => {
    expect(parsed('\n\t( a==1 )\r\n')).toBe(parsed('a == 1'));
    expect(parsed('a == " spaced "')).toBe('{[a] == string: spaced }');
  });
});

describe('parseFilter: logic and precedence', () => {
  it('binds "and" tighter than "or"', () => {
    expect(parsed('a == 1 or b == 2 and c == 3')).toBe(
      '({[a] == number:1} or ({[b] == number:2} and {[c] == number:3}))',
    );
    expect(parsed('a == 1 and b == 2 or c == 3')).toBe(
      '(({[a] == number:1} and {[b] == number:2}) or {[c] == number:3})',
    );
  });

  it('binds "not" tighter than "and"', () => {
    expect(parsed('not a == 1 and b == 2')).toBe('(not {[a] == number:1} and {[b] == number:2})');
  });

  it('lets parentheses override precedence', () => {
    expect(parsed('(a == 1 or b == 2) and c == 3')).toBe(
      '(({[a] == number:1} or {[b] == number:2}) and {[c] == number:3})',
    );
    expect(parsed('not (a == 1 and b == 2)')).toBe('not ({[a] == number:1} and {[b] == number:2})');
  });

  it('flattens chains into one node, so long chains do not deepen the tree', () => {
    const chain = Array.from({ length: 300 }, (_, i) => `a == ${i}`).join(' and ');
    const node = parseFilter(chain);
    expect(node.kind).toBe('and');
    expect(node.kind === 'and' && node.operands.length).toBe(300);
  });

  it('keeps double negation as written', () => {
    expect(parsed('not not a is empty')).toBe('not not {[a] is empty}');
  });
});

describe('parseFilter: limits', () => {
  it(`accepts ${MAX_NESTING} levels of parentheses and refuses one more`, () => {
    const nested = (depth: number): string => `${'('.repeat(depth)}a == 1${')'.repeat(depth)}`;
    expect(parsed(nested(MAX_NESTING))).toBe('{[a] == number:1}');
    const error = errorOf(nested(MAX_NESTING + 1));
    expect(error.message).toBe(
      `"(" nests deeper than the limit of ${MAX_NESTING} levels at column ${MAX_NESTING + 1}`,
    );
    expect(error.column).toBe(MAX_NESTING + 1);
  });

  it('counts "not" towards nesting too', () => {
    expect(errorOf(`${'not '.repeat(MAX_NESTING + 1)}a == 1`).message).toMatch(
      /"not" nests deeper than the limit/,
    );
  });

  it('refuses thousands of parentheses with a FilterError, not a stack overflow', () => {
    expect(errorOf('('.repeat(4000)).message).toMatch(/nests deeper/);
  });

  it(`accepts ${MAX_EXPRESSION_LENGTH} characters and refuses one more`, () => {
    const padded = (length: number): string => `a == 1${' '.repeat(length - 6)}`;
    expect(parsed(padded(MAX_EXPRESSION_LENGTH))).toBe('{[a] == number:1}');
    expect(errorOf(padded(MAX_EXPRESSION_LENGTH + 1)).message).toBe(
      `the expression is ${MAX_EXPRESSION_LENGTH + 1} characters long; the limit is ${MAX_EXPRESSION_LENGTH}`,
    );
  });
});

describe('parseFilter: errors say what and where', () => {
  it.each([
    ['', 'the expression is empty'],
    [' \t\n', 'the expression is empty'],
    ['Service.Port ==', 'expected a value after "==" but found the end of the expression at column 16'],
    ['Service.Port != )', 'expected a value after "!=" but found ")" at column 17'],
    [
      'a == and',
      'expected a value after "==" but found "and" (quote it to compare with the word "and") at column 6',
    ],
    ['a contains', 'expected a value after "contains" but found the end of the expression at column 11'],
    [
      'a not matches',
      'expected a value after "not matches" but found the end of the expression at column 14',
    ],
    [
      'Service.Port',
      'expected an operator ("==", "!=", "is empty", "is not empty", "contains", "matches" or "in") after the selector "Service.Port" but found the end of the expression at column 13',
    ],
    ['a not b', 'expected "contains", "matches" or "in" after "a not" but found "b" at column 7'],
    ['a is', 'expected "empty" after "is" but found the end of the expression at column 5'],
    ['a is not full', 'expected "empty" after "is not" but found "full" at column 10'],
    ['"x" contains a', 'expected "in" or "not in" after the value "x" but found "contains" at column 5'],
    ['80 == a', 'expected "in" or "not in" after the value "80" but found "==" at column 4'],
    ['"x" in', 'expected a selector after "in" but found the end of the expression at column 7'],
    ['"x" not in 5', 'expected a selector after "not in" but found "5" at column 12'],
    ['a["k"] in b', 'a bare value cannot contain "[ ]" (put the value in double quotes) at column 1'],
    ['a["k"].x in b', 'a bare value cannot contain "[ ]" (put the value in double quotes) at column 1'],
    ['x == a["k"]', 'a bare value cannot contain "[ ]" (put the value in double quotes) at column 6'],
    ['a. == 1', 'expected a field name after "." but found "==" at column 4'],
    ['a[k] == 1', 'expected a quoted key after "[" but found "k" at column 3'],
    ['a["k" == 1', 'expected "]" after the key "k" but found "==" at column 7'],
    [
      '(a == 1',
      'expected ")" to close the "(" from column 1 but found the end of the expression at column 8',
    ],
    ['(a == 1 b', 'expected ")" to close the "(" from column 1 but found "b" at column 9'],
    ['a == 1)', 'found a ")" that closes no "(" at column 7'],
    ['a == 1 b == 2', 'expected "and", "or" or the end of the expression but found "b" at column 8'],
    [
      'a == 1 AND b == 2',
      'expected "and", "or" or the end of the expression but found "AND" (keywords are lowercase: "and") at column 8',
    ],
    ['a == 1 and', 'expected a selector or a value but found the end of the expression at column 11'],
    ['or a == 1', 'expected a selector or a value but found "or" at column 1'],
    ['()', 'expected a selector or a value but found ")" at column 2'],
    ['a = 1', 'found a single "=" (use "==" to compare) at column 3'],
  ])('%j', (expression, message) => {
    const error = errorOf(expression);
    expect(error).toBeInstanceOf(FilterError);
    expect(error.name).toBe('FilterError');
    expect(error.message).toBe(message);
  });

  it('exposes the column as a number', () => {
    expect(errorOf('a == 1 b').column).toBe(8);
  });
});
