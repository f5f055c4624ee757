import { describe, expect, it } from 'vitest';
import { FilterError } from '../../../src/http/filter/errors.js';
import { compilePattern } from '../../../src/http/filter/regex.js';

describe('compilePattern', () => {
  it('compiles ordinary RE2 patterns unanchored', () => {
    const re = compilePattern('web-[0-9]+', 1);
    expect(re.test('api/web-12/x')).toBe(true);
    expect(re.test('web-x')).toBe(false);
  });

  it('turns leading inline flags into JavaScript flags', () => {
    expect(compilePattern('(?i)abc', 1).flags).toBe('i');
    expect(compilePattern('(?ims)abc', 1).flags).toBe('ims');
    expect(compilePattern('(?s)a.b', 1).test('a\nb')).toBe(true);
  });

  it('accepts non-capturing and named groups, including the RE2 (?P<name>) spelling', () => {
    expect(compilePattern('(?:ab)+', 1).test('abab')).toBe(true);
    expect(compilePattern('(?P<v>v[0-9])', 1).exec('tag v2')?.groups?.v).toBe('v2');
    expect(compilePattern('(?<v>v[0-9])', 1).exec('tag v3')?.groups?.v).toBe('v3');
  });

  it('accepts repetition that cannot blow up: one level, or a group of fixed parts', () => {
    expect(compilePattern('(ab)+c*', 1).test('ababccc')).toBe(true);
    expect(compilePattern('(a?b)*', 1).test('abb')).toBe(true);
    expect(compilePattern('x{2,}y{0,1}', 1).test('xxy')).toBe(true);
    expect(compilePattern('[(+*]+', 1).test('+')).toBe(true);
    expect(compilePattern('\\(a+\\)+', 1).test('(a)')).toBe(true);
    expect(compilePattern('a{', 1).test('a{')).toBe(true);
  });

  it.each([
    ['(a+)+', /repeats a group that already repeats inside/],
    ['(a*)*b', /repeats a group that already repeats inside/],
    ['((a+)b)*', /repeats a group that already repeats inside/],
    ['(?:x+y?)+', /repeats a group that already repeats inside/],
    ['(a+){2,}', /repeats a group that already repeats inside/],
    ['(a)\\1', /uses a backreference/],
    ['(?<n>a)\\k<n>', /uses backreferences/],
    ['a(?=b)', /uses a lookaround/],
    ['(?<!a)b', /uses a lookaround/],
    ['a(?i)b', /uses inline flags inside the pattern/],
    ['(?U)a+', /uses the flag "U"/],
    ['\\Aabc\\z', /uses \\A/],
    ['\\pL', /uses Unicode classes/],
    ['[[:alpha:]]', /uses a POSIX class/],
    ['[', /is not valid: /],
    ['a**', /is not valid: /],
  ])('refuses %j', (pattern, message) => {
    let caught: unknown;
    try {
      compilePattern(pattern, 7);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FilterError);
    expect((caught as FilterError).message).toMatch(message);
    expect((caught as FilterError).message).toContain(`the regular expression ${JSON.stringify(pattern)}`);
    expect((caught as FilterError).message).toMatch(/ at column 7$/);
  });
});
