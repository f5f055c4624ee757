/**
 * The server's JSON, checked on the way in: everything arrives as `unknown` and leaves as the
 * client's own types, or as a ProtocolError naming what was wrong.
 */
import { ProtocolError } from './errors.js';

export type Json = Record<string, unknown>;

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProtocolError(`${what}: not JSON`);
  }
}

export function obj(v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ProtocolError(`${what}: expected an object`);
  return v as Json;
}

export function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new ProtocolError(`${what}: expected a list`);
  return v;
}

export function str(o: Json, field: string, what: string): string {
  const v = o[field];
  if (typeof v !== 'string') throw new ProtocolError(`${what}.${field}: expected a string`);
  return v;
}

export function optStr(o: Json, field: string): string {
  const v = o[field];
  return typeof v === 'string' ? v : '';
}

export function num(o: Json, field: string, what: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ProtocolError(`${what}.${field}: expected a number`);
  return v;
}

export function optNum(o: Json, field: string, fallback: number): number {
  const v = o[field];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

export function strList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return out;
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** One message of the watch stream (GET /v1/watch). */
export interface WatchMessage {
  readonly id: string | null;
  readonly event: string;
  readonly index: number;
  readonly prevIndex: number;
  readonly reset: boolean;
  readonly error: string;
  readonly body: Json;
}

export function watchMessage(text: string): WatchMessage {
  const o = obj(parseJson(text, 'watch message'), 'watch message');
  const event = o.event;
  if (typeof event !== 'string') throw new ProtocolError('watch message.event: expected a string');
  return {
    id: typeof o.id === 'string' ? o.id : null,
    event,
    index: optNum(o, 'index', 0),
    prevIndex: optNum(o, 'prevIndex', 0),
    reset: o.reset === true,
    error: optStr(o, 'error'),
    body: o,
  };
}
