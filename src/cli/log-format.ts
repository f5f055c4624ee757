/**
 * pino's JSON lines made readable for a person at a terminal: time, level, node, message, then
 * the other fields as key=value, and an error's stack on indented lines below. Pure: the same line
 * always gives the same text.
 */

const LEVELS: ReadonlyMap<number, { readonly name: string; readonly color: number }> = new Map([
  [10, { name: 'TRACE', color: 90 }],
  [20, { name: 'DEBUG', color: 36 }],
  [30, { name: 'INFO', color: 32 }],
  [40, { name: 'WARN', color: 33 }],
  [50, { name: 'ERROR', color: 31 }],
  [60, { name: 'FATAL', color: 35 }],
]);

/** Fields shown in the line's head, or that pino adds and a reader does not need. */
const HEAD = new Set(['level', 'time', 'msg', 'node', 'pid', 'hostname', 'v']);

export interface PrettyOptions {
  /** ANSI colours for the level (off for NO_COLOR). */
  readonly color: boolean;
}

/** One log line for people; a line that is not a JSON object is returned unchanged. */
export function prettyLogLine(line: string, opts: PrettyOptions): string {
  const text = line.trimEnd();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return text;
  const rec = parsed as Record<string, unknown>;
  const level = typeof rec.level === 'number' ? LEVELS.get(rec.level) : undefined;
  const levelName = (level?.name ?? String(rec.level ?? '?')).padEnd(5);
  const paint = (s: string, code: number) => (opts.color ? `\u001b[${code}m${s}\u001b[39m` : s);
  const head = [
    typeof rec.time === 'number' ? new Date(rec.time).toISOString() : '',
    level ? paint(levelName, level.color) : levelName,
    typeof rec.node === 'string' ? `[${rec.node}]` : '',
    typeof rec.msg === 'string' ? rec.msg : '',
  ].filter((p) => p !== '');
  const fields: string[] = [];
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(rec)) {
    if (HEAD.has(key)) continue;
    const stack = errorStack(value);
    if (stack !== null) {
      fields.push(`${key}=${formatValue(errorMessage(value))}`);
      stacks.push(...stack.split('\n').map((l) => `    ${l}`));
    } else {
      fields.push(`${key}=${formatValue(value)}`);
    }
  }
  return [[...head, ...fields].join(' '), ...stacks].join('\n');
}

/** A bare word stays bare; text with spaces, quotes or `=` is quoted so fields stay apart. */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value === undefined) return 'undefined';
  return JSON.stringify(value) ?? String(value);
}

/** pino serializes an Error as an object with type, message and stack. */
function errorStack(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const stack = (value as { stack?: unknown }).stack;
  return typeof stack === 'string' && stack !== '' ? stack : null;
}

function errorMessage(value: unknown): string {
  const m = (value as { message?: unknown }).message;
  return typeof m === 'string' ? m : '';
}
