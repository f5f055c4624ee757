import { durationFromJson } from '../state/index.js';
import { badRequest } from './errors.js';

/**
 * Reads a JSON object the way Consul does: field names match case-
 * insensitively and with or without underscores (`ServiceID`, `service_id`,
 * `serviceid`). Every getter names the full field path in its error.
 */
export class Fields {
  private readonly byKey = new Map<string, unknown>();
  private readonly original: string[] = [];

  constructor(
    value: unknown,
    readonly path: string,
  ) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw badRequest(path || 'body', 'expected a JSON object');
    }
    for (const [k, v] of Object.entries(value)) {
      this.byKey.set(norm(k), v);
      this.original.push(k);
    }
  }

  /** The field names as the client sent them. */
  keys(): readonly string[] {
    return this.original;
  }

  private name(field: string): string {
    return this.path ? `${this.path}.${field}` : field;
  }

  raw(field: string): unknown {
    return this.byKey.get(norm(field));
  }

  has(field: string): boolean {
    const v = this.raw(field);
    return v !== undefined && v !== null;
  }

  str(field: string, fallback = ''): string {
    const v = this.raw(field);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string') throw badRequest(this.name(field), 'expected a string');
    if (v.length > 4096) throw badRequest(this.name(field), 'longer than 4096 characters');
    return v;
  }

  int(field: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.raw(field);
    if (v === undefined || v === null) return fallback;
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n))
      throw badRequest(this.name(field), 'expected an integer');
    if (n < min || n > max) throw badRequest(this.name(field), `must be between ${min} and ${max}`);
    return n;
  }

  num(field: string): number | null {
    const v = this.raw(field);
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw badRequest(this.name(field), 'expected a number');
    return v;
  }

  bool(field: string, fallback = false): boolean {
    const v = this.raw(field);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') throw badRequest(this.name(field), 'expected true or false');
    return v;
  }

  strList(field: string): string[] {
    const v = this.raw(field);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      throw badRequest(this.name(field), 'expected a list of strings');
    }
    if (v.length > 256) throw badRequest(this.name(field), 'more than 256 entries');
    return v as string[];
  }

  strMap(field: string): Record<string, string> {
    const v = this.raw(field);
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v))
      throw badRequest(this.name(field), 'expected an object of strings');
    const out: Record<string, string> = {};
    const entries = Object.entries(v);
    if (entries.length > 64) throw badRequest(this.name(field), 'more than 64 keys');
    for (const [k, x] of entries) {
      if (k === '__proto__') throw badRequest(`${this.name(field)}.${k}`, 'is not an allowed key');
      if (typeof x !== 'string') throw badRequest(`${this.name(field)}.${k}`, 'expected a string');
      if (k.length > 128 || x.length > 512)
        throw badRequest(`${this.name(field)}.${k}`, 'key or value too long');
      out[k] = x;
    }
    return out;
  }

  /** An object of string lists (HTTP headers: `{"Accept": ["text/plain"]}`; a lone string counts as one). */
  strListMap(field: string): Record<string, string[]> {
    const v = this.raw(field);
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v))
      throw badRequest(this.name(field), 'expected an object of string lists');
    const out: Record<string, string[]> = {};
    const entries = Object.entries(v);
    if (entries.length > 64) throw badRequest(this.name(field), 'more than 64 keys');
    for (const [k, raw] of entries) {
      const at = `${this.name(field)}.${k}`;
      if (k === '__proto__') throw badRequest(at, 'is not an allowed key');
      const x: unknown = typeof raw === 'string' ? [raw] : raw;
      if (!Array.isArray(x) || x.length > 16 || !x.every((s) => typeof s === 'string' && s.length <= 512))
        throw badRequest(at, 'expected a list of at most 16 strings');
      if (k.length > 128) throw badRequest(at, 'key too long');
      out[k] = x as string[];
    }
    return out;
  }

  /** Milliseconds, from a Go duration string or integer nanoseconds. */
  duration(field: string): number {
    const v = this.raw(field);
    if (v === undefined || v === null || v === '') return 0;
    const ms = durationFromJson(v);
    if (ms === null || ms < 0)
      // JSON, not String(): an object such as {"toString": 0} cannot be turned into a string.
      throw badRequest(
        this.name(field),
        `${typeof v === 'object' ? JSON.stringify(v) : `"${String(v)}"`} is not a duration (e.g. "10s")`,
      );
    return ms;
  }

  obj(field: string): Fields | null {
    const v = this.raw(field);
    if (v === undefined || v === null) return null;
    return new Fields(v, this.name(field));
  }

  list(field: string): Fields[] {
    const v = this.raw(field);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw badRequest(this.name(field), 'expected a list of objects');
    if (v.length > 64) throw badRequest(this.name(field), 'more than 64 entries');
    return v.map((x, i) => new Fields(x, `${this.name(field)}[${i}]`));
  }
}

function norm(k: string): string {
  return k.replace(/_/g, '').toLowerCase();
}

/** Parses a request body as JSON; an empty body is `fallback`. */
export function jsonBody(body: unknown, fallback: unknown = undefined): unknown {
  if (body === undefined || body === null) return fallback;
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : String(body);
  if (text.trim() === '') return fallback;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw badRequest('body', `Request decode failed: ${(e as Error).message}`);
  }
}
