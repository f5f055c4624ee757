import { type Logger, pino } from 'pino';
import type { LogLevel } from '../agent/index.js';
import { prettyLogLine } from './log-format.js';

/**
 * The logger of a server command: JSON lines (for log collectors) unless stdout is a terminal,
 * where a person reads readable lines instead; `json` keeps JSON on a terminal too.
 */
export function commandLogger(level: LogLevel, node: string, json: boolean): Logger {
  const options = { level, base: { node } };
  if (json || process.stdout.isTTY !== true) return pino(options);
  // https://no-color.org: any non-empty NO_COLOR turns colours off.
  const color = (process.env.NO_COLOR ?? '') === '';
  return pino(options, {
    write(line: string) {
      process.stdout.write(`${prettyLogLine(line, { color })}\n`);
    },
  });
}
