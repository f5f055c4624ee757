/** What `cairn kv` prints, as pure functions of what the server answered. */
import type { KvPair, KvVersion } from './client.js';

/** Characters of a value shown in a history preview. */
export const PREVIEW_CHARS = 40;

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function isControl(cp: number): boolean {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

function hex(n: number): string {
  return `\\x${n.toString(16).padStart(2, '0')}`;
}

/**
 * A value as one line of text: UTF-8 is shown as text with control characters
 * escaped (`\n`, `\t`, `\x1b`), backslashes doubled, and `"` escaped when
 * `quote`; bytes that are not UTF-8 show every non-ASCII byte as `\xNN`. At
 * most `maxChars` characters (bytes for non-UTF-8) of the value are shown,
 * then `…`.
 */
export function escapeValue(
  bytes: Uint8Array,
  opts: { readonly maxChars?: number; readonly quote?: boolean } = {},
): string {
  const max = opts.maxChars ?? Number.POSITIVE_INFINITY;
  let units: number[];
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    units = Array.from(text, (c) => c.codePointAt(0) as number);
  } catch {
    // Not UTF-8: byte by byte, and anything outside printable ASCII as \xNN.
    units = Array.from(bytes, (b) => (b >= 0x80 ? -1 - b : b));
  }
  let out = '';
  for (const [i, u] of units.entries()) {
    if (i >= max) return `${out}…`;
    if (u < 0) out += hex(-1 - u);
    else {
      const c = String.fromCodePoint(u);
      if (c === '\\') out += '\\\\';
      else if (c === '"' && opts.quote) out += '\\"';
      else if (SHORT[c] !== undefined) out += SHORT[c];
      else if (isControl(u)) out += hex(u);
      else out += c;
    }
  }
  return out;
}

/** A history preview: the first 40 characters, quoted and escaped; `-` for a delete. */
export function preview(value: Uint8Array | null): string {
  if (value === null) return '-';
  return `"${escapeValue(value, { maxChars: PREVIEW_CHARS, quote: true })}"`;
}

/**
 * A key as printed in messages and listings: as it is, except control
 * characters (escaped as in values), so it always stays on one line.
 */
export function displayKey(key: string): string {
  let out = '';
  for (const c of key) {
    const cp = c.codePointAt(0) as number;
    out += SHORT[c] ?? (isControl(cp) ? hex(cp) : c);
  }
  return out;
}

/** `cairn kv get`: the value exactly; on a terminal, then a newline unless it ends with one. */
export function rawValueOutput(value: Uint8Array, isTTY: boolean): Uint8Array {
  if (!isTTY || (value.byteLength > 0 && value[value.byteLength - 1] === 0x0a)) return value;
  const out = new Uint8Array(value.byteLength + 1);
  out.set(value);
  out[value.byteLength] = 0x0a;
  return out;
}

/** A value followed by one newline unless it already ends with one (watch output). */
export function valueLine(value: Uint8Array): Uint8Array {
  return rawValueOutput(value, true);
}

/** Rows of `name  value`, the names padded to one width. */
function fields(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `${k.padEnd(width)}${v}\n`).join('');
}

/** `cairn kv get --detailed`: Consul's field names, one per line, in its order. */
export function detailed(pair: KvPair, value: Uint8Array, base64: boolean): string {
  return fields([
    ['CreateIndex', String(pair.CreateIndex)],
    ['Flags', String(pair.Flags)],
    ['Key', displayKey(pair.Key)],
    ['LockIndex', String(pair.LockIndex)],
    ['ModifyIndex', String(pair.ModifyIndex)],
    ['Session', pair.Session ?? '-'],
    ['Value', base64 ? Buffer.from(value).toString('base64') : escapeValue(value)],
  ]);
}

/** Columns separated by two spaces, each padded to its widest cell (the last one not padded). */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows
    .map(
      (row) =>
        `${row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

/** `cairn kv history`: newest first, as the server lists them. */
export function historyTable(versions: readonly KvVersion[]): string {
  return table([
    ['INDEX', 'TIME', 'OP', 'AUTHOR', 'FLAGS', 'VALUE'],
    ...versions.map((v) => [
      String(v.ModifyIndex),
      v.Time,
      v.Op,
      v.Author === '' ? '-' : displayKey(v.Author),
      String(v.Flags),
      preview(v.Op === 'delete' ? null : decodeValue(v.Value)),
    ]),
  ]);
}

/** `cairn kv watch --recurse`: one `key=value` line per key, the value escaped. */
export function recurseLines(pairs: readonly KvPair[]): string {
  return pairs.map((p) => `${displayKey(p.Key)}=${escapeValue(decodeValue(p.Value))}\n`).join('');
}

/** Consul's base64 Value (null for an empty value) as bytes. */
export function decodeValue(value: string | null): Uint8Array {
  return value === null ? new Uint8Array(0) : new Uint8Array(Buffer.from(value, 'base64'));
}

export const messages = {
  written: (key: string) => `Success! Data written to: ${displayKey(key)}`,
  deleted: (key: string) => `Success! Deleted key: ${displayKey(key)}`,
  deletedTree: (prefix: string) => `Success! Deleted keys with prefix: ${displayKey(prefix)}`,
  rolledBack: (key: string, index: number) => `Success! Rolled back ${displayKey(key)} to version ${index}`,
  notFound: (key: string) => `key ${JSON.stringify(key)} not found`,
  noKeys: (prefix: string) => `no keys under ${JSON.stringify(prefix)}`,
  noHistory: (key: string) => `key ${JSON.stringify(key)} has no history`,
  noVersion: (key: string, index: number) => `key ${JSON.stringify(key)} has no version ${index}`,
  casPut: (key: string) => `CAS failed: ${displayKey(key)} was modified (or exists)`,
  casDelete: (key: string) => `CAS failed: ${displayKey(key)} was modified (or deleted)`,
  deleted404: '(deleted)',
  noKeys404: '(no keys)',
} as const;
