import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { estimateProgramSize } from '../../../src/http/filter/program-size.js';

/** Pieces of RE2 syntax, weighted toward what changes program size: groups, alternation, repetition. */
const piece = fc.constantFrom(
  'a',
  'b',
  '.',
  '^',
  '$',
  '\\d',
  '\\pL',
  '\\p{Greek}',
  '\\x{41}',
  '\\x41',
  '\\101',
  '\\Qa(b\\E',
  '\\b',
  '\\A',
  '\\z',
  '[a-z]',
  '[^]a]',
  '[[:alpha:]x]',
  '[\\]]',
  '(',
  '(?:',
  '(?i:',
  '(?P<n>',
  '(?i)',
  '(?s-m)',
  ')',
  '|',
  '*',
  '+',
  '?',
  '*?',
  '{2}',
  '{3,}',
  '{0,4}',
  '{1,7}?',
  '{12}',
  '{',
  'k',
);
const pattern = fc.array(piece, { maxLength: 24 }).map((parts) => parts.join(''));

function compiled(source: string): RE2JS | undefined {
  try {
    return RE2JS.compile(source);
  } catch {
    return undefined;
  }
}

describe('estimateProgramSize', () => {
  it('is never below the size re2js compiles a valid pattern to', () => {
    let valid = 0;
    fc.assert(
      fc.property(pattern, (source) => {
        const re = compiled(source);
        if (re === undefined) return;
        valid++;
        expect(estimateProgramSize(source)).toBeGreaterThanOrEqual(re.programSize());
      }),
      { numRuns: 3000, seed: 20261202 },
    );
    // Without enough valid patterns the property above would hold vacuously.
    expect(valid).toBeGreaterThan(300);
  });

  it.each([
    'web-[0-9]+$',
    '(b|b)*c',
    '(a?){30}a{30}',
    '((a{1,10}){1,10}){1,10}b',
    '(x{31}){32}',
    'x{1000}',
    '(?i)\\pL{1000}',
    '[\\p{L}\\p{N}]{100}',
    '^([0-9]{1,3}\\.){3}[0-9]{1,3}$',
    '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  ])('bounds %j from above, within a small factor', (source) => {
    const actual = RE2JS.compile(source).programSize();
    const estimate = estimateProgramSize(source);
    expect(estimate).toBeGreaterThanOrEqual(actual);
    expect(estimate).toBeLessThanOrEqual(actual * 4 + 8);
  });

  it('bounds an alternation of names from above, within twice its length', () => {
    // RE2 factors the common prefix out, so here the estimate is loose.
    const source = `^(${Array.from({ length: 20 }, (_, i) => `service-${i}`).join('|')})$`;
    const estimate = estimateProgramSize(source);
    expect(estimate).toBeGreaterThanOrEqual(RE2JS.compile(source).programSize());
    expect(estimate).toBeLessThanOrEqual(source.length * 2);
  });

  it('stays a finite number on deeply nested counts that RE2 would refuse', () => {
    const nested = `${'('.repeat(150)}x${'){1000}'.repeat(150)}`;
    const estimate = estimateProgramSize(nested);
    expect(Number.isFinite(estimate)).toBe(true);
    expect(estimate).toBeGreaterThan(1e9);
  });

  it('reads unbalanced and truncated text without throwing', () => {
    for (const source of ['(', ')', '\\', '[', '[^', '\\p{', '\\x{', '\\Q', '(?', '{1,', 'a{99999999999}']) {
      expect(estimateProgramSize(source)).toBeGreaterThan(0);
    }
  });
});
