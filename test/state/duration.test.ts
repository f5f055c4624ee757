import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationFromJson, formatDuration, parseDuration } from '../../src/state/duration.js';

describe('parseDuration (Go grammar)', () => {
  it.each([
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['120000ms', 120_000],
    ['0', 0],
    ['-1s', -1_000],
    ['+2s', 2_000],
    ['1h0m0s', 3_600_000],
    ['2h45m', 9_900_000],
    ['.5s', 500],
    ['1.s', 1_000],
    ['500us', 0.5],
    ['500µs', 0.5],
    ['500μs', 0.5],
    ['1000000ns', 1],
    ['1m1ms', 60_001],
    ['0s', 0],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(['10', '', '1x', 's', '-', '+', '1s2', 'h1', '1 s', '1.2.3s', '--1s', 'ms', '1S', 'NaNs', '.s'])(
    'rejects %j',
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );

  it('property: a sum of parts parses to the sum of their milliseconds', () => {
    const units = [
      ['h', 3_600_000],
      ['m', 60_000],
      ['s', 1_000],
      ['ms', 1],
    ] as const;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(1000), fc.constantFrom(...units)), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        (parts, negative) => {
          const text = (negative ? '-' : '') + parts.map(([n, [u]]) => `${n}${u}`).join('');
          const want = (negative ? -1 : 1) * parts.reduce((s, [n, [, ms]]) => s + n * ms, 0);
          // `+ 0` folds -0 into 0: "-0s" is zero either way.
          expect((parseDuration(text) ?? Number.NaN) + 0, text).toBe(want + 0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('formatDuration (Go output)', () => {
  it.each([
    [10_000, '10s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
    [500, '500ms'],
    [0, ''],
    [1_500, '1.5s'],
    [61_000, '1m1s'],
    [3_661_001, '1h1m1.001s'],
    [60_000, '1m0s'],
    [90_000_000, '25h0m0s'],
  ])('%d ms → %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('property: formatting then parsing gives back the integer milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 * 86_400_000 }), (ms) => {
        const text = formatDuration(ms);
        expect(parseDuration(text), `${ms} → ${text}`).toBe(ms);
      }),
      { numRuns: 500 },
    );
  });
});

describe('durationFromJson', () => {
  it('takes Go strings or integer nanoseconds, and nothing else', () => {
    expect(durationFromJson('10s')).toBe(10_000);
    expect(durationFromJson(10_000_000_000)).toBe(10_000);
    expect(durationFromJson('bogus')).toBeNull();
    expect(durationFromJson(null)).toBeNull();
    expect(durationFromJson(Number.NaN)).toBeNull();
    expect(durationFromJson({})).toBeNull();
  });
});
