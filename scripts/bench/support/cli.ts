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

/** Every benchmark flag is a string: the benchmark itself checks it as a number or a list. */
export interface StringFlag {
  readonly type: 'string';
  readonly default?: string;
}

/** The command line's flags; an unknown flag or a missing value fails the run with exit code 2. */
export function parseFlags(
  options: Readonly<Record<string, StringFlag>>,
  fail: BenchOutput['fail'],
): Record<string, string | undefined> {
  try {
    return parseArgs({ options }).values as Record<string, string | undefined>;
  } catch (e) {
    return fail((e as Error).message, 2);
  }
}
