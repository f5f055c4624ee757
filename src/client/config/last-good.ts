import { ConfigParseError } from '../errors.js';
import { type Parser, runParser } from './parsers.js';

export type Parsed<T> =
  | { readonly ok: true; readonly value: T; readonly changed: boolean }
  | { readonly ok: false; readonly error: ConfigParseError; readonly value: T | undefined };

/**
 * The last value of one key that parsed. A new text that fails to parse leaves the last good
 * value in place (a typo in a config change must not take a running service down); the same
 * text again is not parsed twice.
 */
export class LastGood<T> {
  #value: T | undefined = undefined;
  #raw: string | undefined = undefined;
  #has = false;

  constructor(
    private readonly parse: Parser<T>,
    readonly key: string,
  ) {}

  get value(): T | undefined {
    return this.#value;
  }

  get has(): boolean {
    return this.#has;
  }

  update(raw: string): Parsed<T> {
    if (this.#has && raw === this.#raw) return { ok: true, value: this.#value as T, changed: false };
    try {
      const value = runParser(this.parse, raw, this.key);
      this.#value = value;
      this.#raw = raw;
      this.#has = true;
      return { ok: true, value, changed: true };
    } catch (e) {
      const error = e instanceof ConfigParseError ? e : new ConfigParseError(this.key, raw, String(e));
      return { ok: false, error, value: this.#value };
    }
  }
}
