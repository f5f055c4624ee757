import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { prettyLogLine } from '../../src/cli/log-format.js';

/** The terminal log format: pino's JSON lines, made readable. */
describe('prettyLogLine', () => {
  const plain = { color: false };

  it('puts time, level, node and message first, then the other fields as key=value', () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 11, 2, 15, 45, 45, 942),
      pid: 7,
      hostname: 'h',
      node: 'dev',
      leader: 'dev',
      term: 2,
      msg: 'leader changed',
    });
    expect(prettyLogLine(line, plain)).toBe(
      '2026-12-02T15:45:45.942Z INFO  [dev] leader changed leader=dev term=2',
    );
  });

  it('quotes text with spaces, quotes or =, and writes objects as JSON', () => {
    const line = JSON.stringify({
      level: 40,
      msg: 'm',
      a: 'two words',
      b: 'k=v',
      c: { x: [1] },
      d: null,
      e: true,
    });
    expect(prettyLogLine(line, plain)).toBe('WARN  m a="two words" b="k=v" c={"x":[1]} d=null e=true');
  });

  it('colours the level only when asked', () => {
    const line = JSON.stringify({ level: 50, msg: 'bad' });
    expect(prettyLogLine(line, { color: true })).toBe('\u001b[31mERROR\u001b[39m bad');
    expect(prettyLogLine(line, plain)).toBe('ERROR bad');
  });

  it('writes an error’s message inline and its stack on indented lines', () => {
    const lines: string[] = [];
    const logger = pino({ base: undefined, timestamp: false }, { write: (l: string) => void lines.push(l) });
    logger.error({ err: new Error('disk gone') }, 'snapshot failed; will retry');
    const out = prettyLogLine(lines[0] ?? '', plain).split('\n');
    expect(out[0]).toBe('ERROR snapshot failed; will retry err="disk gone"');
    expect(out[1]).toBe('    Error: disk gone');
    expect(out[2]).toMatch(/^ {4}\s+at /);
  });

  it('returns a line that is not a JSON object unchanged', () => {
    expect(prettyLogLine('not json\n', plain)).toBe('not json');
    expect(prettyLogLine('[1,2]', plain)).toBe('[1,2]');
    expect(prettyLogLine('{"level":35,"msg":"custom"}', plain)).toBe('35    custom');
  });
});
