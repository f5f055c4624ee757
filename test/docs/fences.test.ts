import { describe, expect, it } from 'vitest';
import { expectationsOf, parseFences, rewritePorts, unmetExpectation } from './fences.js';

const md = (...lines: string[]) => lines.join('\n');

describe('parseFences', () => {
  it('sorts fences into run, norun, data and bad, with their lines', () => {
    const fences = parseFences(
      'x.md',
      md(
        '# t',
        '```sh',
        'curl localhost:8500/v1/status/leader   # -> "127.0.0.1:8300"',
        '```',
        '```sh norun: a cluster of three machines',
        'cairn agent --join a:8301',
        '```',
        '```json',
        '{"op":"ping"}',
        '```',
        '```',
        'bare',
        '```',
        '```js background: registered as',
        "console.log('registered as x')",
        '```',
      ),
    );
    expect(fences.map((f) => [f.line, f.kind])).toEqual([
      [2, 'run'],
      [5, 'norun'],
      [8, 'data'],
      [11, 'bad'],
      [14, 'run'],
    ]);
    const bg = fences[4];
    expect(bg?.kind === 'run' && bg.readyText).toBe('registered as');
    const norun = fences[1];
    expect(norun?.kind === 'norun' && norun.reason).toBe('a cluster of three machines');
  });

  it('refuses norun without a reason, unknown languages and unknown attributes', () => {
    const kinds = (info: string) => parseFences('x.md', md('```' + info, 'x', '```'))[0]?.kind;
    expect(kinds('sh norun')).toBe('bad');
    expect(kinds('sh norun:')).toBe('bad');
    expect(kinds('python')).toBe('bad');
    expect(kinds('sh sometimes')).toBe('bad');
    expect(kinds('json norun: x')).toBe('bad');
    expect(kinds('ini')).toBe('data');
  });

  it('keeps a longer fence open across a shorter one inside it', () => {
    const fences = parseFences(
      'x.md',
      md('````text', '```sh', 'echo', '```', '````', '```sh', 'echo b', '```'),
    );
    expect(fences.map((f) => [f.kind, f.body])).toEqual([
      ['data', '```sh\necho\n```'],
      ['run', 'echo b'],
    ]);
  });
});

describe('expectations', () => {
  it('reads the text after the arrow of sh and js comments, with or without words before it', () => {
    expect(
      expectationsOf(
        'sh',
        md('curl a   # -> true', 'curl b   # heartbeat', 'curl c  # create only -> false', '# -> x y'),
      ),
    ).toEqual(['true', 'false', 'x y']);
    expect(
      expectationsOf('js', md('console.log(1); // -> 1 instances', 'const f = (a) => a; // arrow')),
    ).toEqual(['1 instances']);
  });

  it('matches in order, with ... as a wildcard and any white space', () => {
    const out = '[{"Key":"a","Value":"eA=="}]\ntrue\nstate at 12 [ "a" ]';
    expect(unmetExpectation(['"Key":"a",..."Value":"eA=="', 'true', 'state at ... [ "a" ]'], out)).toBeNull();
    expect(unmetExpectation(['true', '"Key":"a"'], out)).toContain('Key');
    expect(unmetExpectation(['false'], out)).toContain('false');
    expect(unmetExpectation(['state   at'], out)).toBeNull();
  });
});

describe('rewritePorts', () => {
  it('rewrites whole port numbers only', () => {
    const ports = new Map([
      [8500, 41001],
      [8600, 41002],
    ]);
    expect(rewritePorts('curl localhost:8500/x; dig -p 8600 a; echo 85000 18500 1.8500', ports)).toBe(
      'curl localhost:41001/x; dig -p 41002 a; echo 85000 18500 1.8500',
    );
  });
});
