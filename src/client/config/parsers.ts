import { ConfigParseError } from '../errors.js';

/** Turns a config value's text into a T, or throws ConfigParseError (the raw text and the key attached). */
export type Parser<T> = (raw: string, key: string) => T;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export interface NumberOptions {
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
}

/** The value as it is (UTF-8 text). */
function string(raw: string): string {
  return raw;
}

/**
 * JSON. With `validate`, the parsed value is checked (or converted) by it, and anything it
 * throws is a parse error; without, the result is whatever the JSON holds, typed as T unchecked.
 */
function json<T = unknown>(validate?: (value: unknown) => T): Parser<T> {
  return (raw, key) => {
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      throw new ConfigParseError(key, raw, `not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (!validate) return v as T;
    try {
      return validate(v);
    } catch (e) {
      throw new ConfigParseError(key, raw, `rejected: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
}

/** A decimal number (surrounding spaces allowed; no hex, no empty string), optionally bounded or whole. */
function number(opts: NumberOptions = {}): Parser<number> {
  return (raw, key) => {
    const s = raw.trim();
    const n = Number(s);
    if (!NUMBER.test(s) || !Number.isFinite(n))
      throw new ConfigParseError(key, raw, `"${raw}" is not a number`);
    if (opts.integer && !Number.isInteger(n))
      throw new ConfigParseError(key, raw, `"${raw}" is not an integer`);
    if (opts.min !== undefined && n < opts.min)
      throw new ConfigParseError(key, raw, `${n} is below ${opts.min}`);
    if (opts.max !== undefined && n > opts.max)
      throw new ConfigParseError(key, raw, `${n} is above ${opts.max}`);
    return n;
  };
}

/** true/false, 1/0, yes/no, on/off, in any case, surrounding spaces allowed. */
function boolean(raw: string, key: string): boolean {
  const s = raw.trim().toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw new ConfigParseError(key, raw, `"${raw}" is not a boolean (true/false, 1/0, yes/no, on/off)`);
}

export const parsers = Object.freeze({ string, json, number, boolean });

/** Runs a parser; anything it throws that is not a ConfigParseError becomes one. */
export function runParser<T>(parse: Parser<T>, raw: string, key: string): T {
  try {
    return parse(raw, key);
  } catch (e) {
    if (e instanceof ConfigParseError) throw e;
    throw new ConfigParseError(key, raw, e instanceof Error ? e.message : String(e));
  }
}
