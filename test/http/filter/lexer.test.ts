import { describe, expect, it } from 'vitest';
import { FilterError } from '../../../src/http/filter/errors.js';
import { type Token, tokenize } from '../../../src/http/filter/lexer.js';

const shape = (source: string): [string, string][] => tokenize(source).map((t: Token) => [t.kind, t.text]);

describe('tokenize', () => {
  it('splits every kind of token and ignores whitespace between them', () => {
    expect(shape(' Service.Meta["env"]\t==\n"prod" != ( ) 80 -1.5 `raw` ')).toEqual([
      ['word', 'Service'],
      ['.', '.'],
      ['word', 'Meta'],
      ['[', '['],
      ['string', 'env'],
      [']', ']'],
      ['==', '=='],
      ['string', 'prod'],
      ['!=', '!='],
      ['(', '('],
      [')', ')'],
      ['number', '80'],
      ['number', '-1.5'],
      ['string', 'raw'],
      ['end', ''],
    ]);
  });

  it('reports 1-based columns, and the end one past the last character', () => {
    const tokens = tokenize('a == "b"');
    expect(tokens.map((t) => t.column)).toEqual([1, 3, 6, 9]);
  });

  it('lets a word after a dot hold "/", "-" and a leading digit, but not a first word', () => {
    expect(shape('ServiceMeta.my-key.app/tier.0')).toEqual([
      ['word', 'ServiceMeta'],
      ['.', '.'],
      ['word', 'my-key'],
      ['.', '.'],
      ['word', 'app/tier'],
      ['.', '.'],
      ['word', '0'],
      ['end', ''],
    ]);
    // Outside a key, "-" starts a number: "a-1" is a word then a negative number.
    expect(shape('a-1')).toEqual([
      ['word', 'a'],
      ['number', '-1'],
      ['end', ''],
    ]);
  });

  it('decodes Go escapes in double-quoted strings and none in raw strings', () => {
    expect(tokenize('"a\\"b\\\\c\\n\\t\\x41\\u00e9\\101"')[0]!.text).toBe('a"b\\c\n\tA\u00e9A');
    expect(tokenize('`^web\\-\\d+$`')[0]!.text).toBe('^web\\-\\d+$');
  });

  it('keeps keywords as words, leaving their meaning to the parser', () => {
    expect(shape('not and or in contains matches is empty').map(([kind]) => kind)).toEqual([
      ...Array<string>(8).fill('word'),
      'end',
    ]);
  });

  it.each([
    ['"abc', /string starting here has no closing '"' at column 1$/],
    ['`abc', /raw string starting here has no closing "`" at column 1$/],
    ['"a\\d"', /the escape "\\d" is not valid in a double-quoted string.* at column 3$/],
    ['"a\\', /lone "\\" at column 3$/],
    ['"\\u12"', /"\\u12" is not a valid character code at column 2$/],
    ['a = 1', /single "=" \(use "==" to compare\) at column 3$/],
    ['!a', /lone "!" \(use "!=" or "not"\) at column 1$/],
    ['a == 1 & b', /unexpected character "&" at column 8$/],
    ['x == 80abc', /"80abc" is not a valid number .* at column 6$/],
    ['x == 1.2.3', /"1.2.3" is not a valid number .* at column 6$/],
  ])('refuses %j, saying what and where', (source, message) => {
    expect(() => tokenize(source)).toThrow(FilterError);
    expect(() => tokenize(source)).toThrow(message);
  });
});
