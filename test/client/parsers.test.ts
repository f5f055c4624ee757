import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigParseError, LastGood, parsers } from '../../src/client/index.js';

describe('config parsers', () => {
  it('json parses, and a validator checks or converts', () => {
    expect(parsers.json()('{"a":[1,2]}', 'k')).toEqual({ a: [1, 2] });
    const port = parsers.json((v) => {
      if (typeof v !== 'object' || v === null || typeof (v as { port?: unknown }).port !== 'number') {
        throw new Error('expected {port: number}');
      }
      return (v as { port: number }).port;
    });
    expect(port('{"port":8080}', 'k')).toBe(8080);
    expect(() => port('{"port":"x"}', 'k')).toThrow(ConfigParseError);
    expect(() => parsers.json()('{nope', 'app/x')).toThrow(/config app\/x: not JSON/);
  });

  it('number takes decimal text only, with bounds and integers on request', () => {
    const n = parsers.number();
    expect(n(' 42 ', 'k')).toBe(42);
    expect(n('-1.5e3', 'k')).toBe(-1500);
    for (const bad of ['', ' ', '0x10', '1,5', 'NaN', 'Infinity', '1e999', '12px']) {
      expect(() => n(bad, 'k'), bad).toThrow(ConfigParseError);
    }
    expect(() => parsers.number({ integer: true })('1.5', 'k')).toThrow(/not an integer/);
    expect(() => parsers.number({ min: 0, max: 10 })('11', 'k')).toThrow(/above 10/);
    expect(() => parsers.number({ min: 0, max: 10 })('-1', 'k')).toThrow(/below 0/);
  });

  it('number reads back what String() writes for every finite double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(parsers.number()(String(x), 'k')).toBe(x === 0 ? 0 : x);
      }),
    );
  });

  it('boolean takes the usual spellings in any case', () => {
    for (const t of ['true', 'TRUE', ' yes ', '1', 'On']) expect(parsers.boolean(t, 'k'), t).toBe(true);
    for (const f of ['false', 'No', '0', 'off ']) expect(parsers.boolean(f, 'k'), f).toBe(false);
    for (const bad of ['', 'y', 'enabled', '2'])
      expect(() => parsers.boolean(bad, 'k'), bad).toThrow(ConfigParseError);
  });

  it('keeps the last good value when a new one fails to parse', () => {
    const lg = new LastGood(parsers.number(), 'app/limit');
    expect(lg.update('10')).toEqual({ ok: true, value: 10, changed: true });
    const bad = lg.update('ten');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.value).toBe(10);
      expect(bad.error.key).toBe('app/limit');
      expect(bad.error.raw).toBe('ten');
    }
    expect(lg.value).toBe(10);
    expect(lg.update('10')).toEqual({ ok: true, value: 10, changed: false });
    expect(lg.update('11')).toEqual({ ok: true, value: 11, changed: true });
  });

  it('a parser that throws something else still yields a ConfigParseError', () => {
    const lg = new LastGood<number>(() => {
      throw new TypeError('boom');
    }, 'k');
    const r = lg.update('x');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toBeInstanceOf(ConfigParseError);
    expect(lg.has).toBe(false);
  });
});
