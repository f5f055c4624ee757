import { describe, expect, it } from 'vitest';
import { FilterError } from '../../../src/http/filter/errors.js';
import { MAX_PATTERN_LENGTH, MAX_PROGRAM_SIZE, MAX_SUBJECT_LENGTH } from '../../../src/http/filter/limits.js';
import { compilePattern } from '../../../src/http/filter/regex.js';

const test = (pattern: string, subject: string): boolean => compilePattern(pattern, 1).test(subject);

function refusal(pattern: string, used = 0): FilterError {
  try {
    compilePattern(pattern, 7, used);
  } catch (error) {
    expect(error).toBeInstanceOf(FilterError);
    return error as FilterError;
  }
  throw new Error(`${JSON.stringify(pattern)} was accepted`);
}

describe('compilePattern: RE2 semantics, as Go and so Consul read a pattern', () => {
  it.each<[string, string, boolean]>([
    ['web-[0-9]+', 'api/web-12/x', true],
    ['web-[0-9]+', 'web-x', false],
    ['^web$', 'web\n', false], // $ is the end of the text only, as in Go without (?m)
    ['(?m)^b$', 'a\nb\nc', true],
    ['a.b', 'a\nb', false],
    ['(?s)a.b', 'a\nb', true],
    ['(?i)PAYMENTS', 'payments-v2', true],
    ['(?i)k', '\u212a', true], // Kelvin sign folds to k in Go
    ['(?i:AB)c', 'abc', true],
    ['(?i:AB)c', 'abC', false],
    ['a(?i)b', 'aB', true], // flags part-way through apply from there on
    ['(?P<v>v[0-9])', 'tag v2', true],
    ['(?<v>v[0-9])', 'tag v3', true],
    ['\\Aabc\\z', 'abc', true],
    ['\\Aabc\\z', 'abc\n', false],
    ['^\\pL+$', 'héllo', true],
    ['^\\p{Greek}+$', 'αβγ', true],
    ['^\\PL+$', '123', true],
    ['^[[:alpha:]]+$', 'abc', true],
    ['^[[:^digit:]]+$', 'abc1', false],
    ['\\Qa.b\\E', 'a.b', true],
    ['\\Qa.b\\E', 'axb', false],
    ['^.$', '\u{1f600}', true], // `.` is one code point, not one UTF-16 unit
    ['\\x{1F600}', 'smile \u{1f600}', true],
    ['\\d', '\u0663', false], // \d is ASCII-only in RE2
    ['\\w', 'é', false],
    ['\\bfoo\\b', 'a foo b', true],
    ['\\bfoo\\b', 'afoob', false],
    ['x*?y', 'xxy', true],
    ['(?U)a+', 'aaa', true],
    ['a{', 'a{', true], // a `{` that starts no count is literal
    ['a{2}', 'aa', true],
    ['^a{2,3}$', 'aaaa', false],
  ])('%j against %j is %j', (pattern, subject, expected) => {
    expect(test(pattern, subject)).toBe(expected);
  });

  it('finds a match anywhere: matching is unanchored unless the pattern anchors it', () => {
    expect(test('b', 'abc')).toBe(true);
    expect(test('^b', 'abc')).toBe(false);
  });
});

describe('compilePattern: linear time on patterns that backtrack exponentially elsewhere', () => {
  // No timing assertion: a backtracking engine needs hours on these, so vitest's timeout is the check.
  const b128 = 'b'.repeat(128);
  const a128 = 'a'.repeat(128);
  it.each<[string, string, boolean]>([
    ['(b|b)*c', b128, false],
    ['(b|b)*c', `${b128}c`, true],
    ['(a?){30}a{30}', 'a'.repeat(30), true],
    ['(a?){30}a{30}', 'a'.repeat(29), false],
    ['^(a?){30}a{30}$', a128, false],
    ['(a+)+b', a128, false],
    ['(a+)+b', `${a128}b`, true],
    ['(a|aa)*b', a128, false],
    ['^(a|aa)*$', a128, true],
    ['(.*a){20}', a128, true],
    ['(.*a){20}', `${'a'.repeat(19)}${'b'.repeat(109)}`, false],
    ['(a*)*b', a128, false],
    ['^(a|a?)+$', `${'a'.repeat(127)}!`, false],
    ['(x+x+)+y', 'x'.repeat(128), false],
  ])('%j against a 128-character subject', (pattern, subject, expected) => {
    expect(test(pattern, subject)).toBe(expected);
  });
});

describe('compilePattern: refusals name the pattern and its column', () => {
  it.each<[string, RegExp]>([
    ['(a', /is not valid: missing closing \)/],
    ['[', /is not valid: missing closing \]/],
    ['a**', /is not valid: invalid nested repetition operator: `\*\*`/],
    ['(a)\\1', /is not valid: invalid escape sequence: `\\1`/],
    ['a(?=b)', /is not valid: invalid or unsupported Perl syntax: `\(\?=`/],
    ['(?<!a)b', /is not valid: invalid named capture/],
    ['x{2,1}', /is not valid: invalid repeat count: `\{2,1\}`/],
    ['\\C', /is not valid: invalid escape sequence/],
  ])('%j', (pattern, message) => {
    const error = refusal(pattern);
    expect(error.message).toMatch(/^the regular expression /);
    expect(error.message).toContain(`the regular expression ${JSON.stringify(pattern)} is not valid: `);
    expect(error.message).toMatch(new RegExp(`${message.source} at column 7$`));
    expect(error.column).toBe(7);
  });

  it(`refuses a pattern over ${MAX_PATTERN_LENGTH} characters, before compiling it`, () => {
    // A class is one instruction however long, so this is over the length cap alone.
    const longest = `[${'a'.repeat(MAX_PATTERN_LENGTH - 3)}b]`;
    expect(compilePattern(longest, 1).test('b')).toBe(true);
    const long = `[${'a'.repeat(MAX_PATTERN_LENGTH - 2)}b]`;
    expect(refusal(long).message).toBe(
      `the regular expression ${JSON.stringify(long)} is ${MAX_PATTERN_LENGTH + 1} characters long; the limit is ${MAX_PATTERN_LENGTH} at column 7`,
    );
  });

  it.each(['x{1000}', '.{600}', '(.*a){200}', '(?s)(.*a.{40}){20}', 'x{1000}'.repeat(146)])(
    `refuses %j: its program would be over ${MAX_PROGRAM_SIZE} instructions`,
    (pattern) => {
      expect(refusal(pattern).message).toMatch(
        new RegExp(
          `is too large: it would compile to about \\d+ instructions; the limit is ${MAX_PROGRAM_SIZE} \\(`,
        ),
      );
    },
  );

  it('counts what earlier patterns of the same filter used', () => {
    const size = compilePattern('^web-[0-9]+$', 1).instructions;
    expect(compilePattern('^web-[0-9]+$', 1, MAX_PROGRAM_SIZE - size).test('web-1')).toBe(true);
    expect(refusal('^web-[0-9]+$', MAX_PROGRAM_SIZE - size + 1).message).toBe(
      `the regular expression "^web-[0-9]+$" compiles to ${size} instructions, which takes this filter's regular expressions to ${MAX_PROGRAM_SIZE + 1} together; the limit is ${MAX_PROGRAM_SIZE} at column 7`,
    );
  });

  it('gives the same answer for a pattern served from the cache', () => {
    const first = compilePattern('^cache-[a-z]+$', 1);
    const second = compilePattern('^cache-[a-z]+$', 1);
    expect(second.test('cache-abc')).toBe(true);
    expect(second.instructions).toBe(first.instructions);
    expect(refusal('^cache-[a-z]+$', MAX_PROGRAM_SIZE).message).toMatch(
      new RegExp(`the limit is ${MAX_PROGRAM_SIZE} at column 7$`),
    );
  });
});

describe('compilePattern: long subjects', () => {
  it(`reads only the first ${MAX_SUBJECT_LENGTH} characters of a value`, () => {
    const head = 'x'.repeat(MAX_SUBJECT_LENGTH - 3);
    expect(test('abc', `${head}abc`)).toBe(true);
    expect(test('abcd', `${head}abcd`)).toBe(false);
    expect(test('^x+$', `${head}xxxyyy`)).toBe(true);
  });

  it('does not cut a surrogate pair in half', () => {
    const subject = `${'x'.repeat(MAX_SUBJECT_LENGTH - 1)}\u{1f600}`;
    expect(test('\u{1f600}', subject)).toBe(false);
    expect(test('^x+$', subject)).toBe(true);
  });
});
