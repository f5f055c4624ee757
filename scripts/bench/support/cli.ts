import { parseArgs } from 'node:util';

/** How a benchmark speaks: JSON result lines go to stdout, so everything else must go to stderr. */
export interface BenchOutput {
  /** A progress line on stderr, under the benchmark's name. */
  readonly progress: (msg: string) => void;
  /** Says why in one line (the first of `msg`) and exits with `code`: 2 for a wrong command line. */
  readonly fail: (msg: string, code?: number) => never;
}

export function benchOutput(name: string): BenchOutput {
  return {
    progress: (msg) => {
      process.stderr.write(`${name}: ${msg}\n`);
    },
    fail: (msg, code = 1) => {
      process.stderr.write(`${name}: ${msg.split('\n')[0]}\n`);
      return process.exit(code);
    },
  };
}

/** Benchmark flags are strings (the benchmark itself checks them as a number or a list) or switches. */
export interface StringFlag {
  readonly type: 'string';
  readonly default?: string;
}

/** A switch such as `--tls`: true when given. */
export interface BooleanFlag {
  readonly type: 'boolean';
}

/** The parsed flags: each named one typed by its kind; looked up by a computed name, either kind. */
export type FlagValues<O> = {
  -readonly [K in keyof O]: O[K] extends BooleanFlag ? boolean | undefined : string | undefined;
} & Readonly<Record<string, string | boolean | undefined>>;

/** The command line's flags; an unknown flag or a missing value fails the run with exit code 2. */
export function parseFlags<O extends Readonly<Record<string, StringFlag | BooleanFlag>>>(
  options: O,
  fail: BenchOutput['fail'],
): FlagValues<O> {
  try {
    return parseArgs({ options }).values as unknown as FlagValues<O>;
  } catch (e) {
    return fail((e as Error).message, 2);
  }
}

/** An integer flag from `min` to `max`, or a one-line failure (exit 2) naming it. */
export function intFlag(
  values: Readonly<Record<string, unknown>>,
  name: string,
  min: number,
  max: number,
  fail: BenchOutput['fail'],
): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max)
    fail(`--${name}: expected an integer from ${min} to ${max}`, 2);
  return n;
}
