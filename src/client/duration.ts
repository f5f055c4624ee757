import { InvalidArgumentError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;

/**
 * Milliseconds from a number of milliseconds or a Go duration ("10s", "1m30s", "500ms"), the
 * form Consul's API uses. `what` names the argument in the error.
 */
export function toMs(value: number | string, what: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0)
      throw new InvalidArgumentError(`${what}: ${value} is not a duration`);
    return value;
  }
  const s = value.trim();
  let total = 0;
  PART.lastIndex = 0;
  if (s === '') throw new InvalidArgumentError(`${what}: "" is not a duration`);
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex;
    const m = PART.exec(s);
    if (m === null || m.index !== at) {
      throw new InvalidArgumentError(`${what}: "${value}" is not a duration (e.g. "10s", "1500ms")`);
    }
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  }
  return total;
}

/** The Go duration Consul's API takes, in whole milliseconds. */
export function goDuration(ms: number): string {
  return `${Math.max(0, Math.round(ms))}ms`;
}
