import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { parseRaftDemoArgs } from '../../src/cli/raft-demo-args.js';

function usageError(argv: string[]): string {
  try {
    parseRaftDemoArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('cairn raft-demo arguments', () => {
  it('--dev is a single self-bootstrapping node on the default ports with a temporary directory', () => {
    const c = parseRaftDemoArgs(['--dev']);
    expect(c).toMatchObject({ dev: true, node: 'dev', dataDir: null, bind: '127.0.0.1', httpPort: 8500 });
    expect(c.bootstrap).toEqual(['dev']);
    expect(c.peers.size).toBe(0);
  });

  it('parses a cluster member', () => {
    const c = parseRaftDemoArgs([
      '--node',
      'a',
      '--data-dir',
      '/d',
      '--raft-port',
      '7001',
      '--http-port',
      '7101',
      '--peer',
      'b=127.0.0.1:7002,c=127.0.0.1:7003',
      '--bootstrap',
      'a,b,c',
      '--snapshot-every',
      '500',
      '--trailing-logs',
      '100',
    ]);
    expect(c.node).toBe('a');
    expect(c.dataDir).toBe('/d');
    expect(c.raftPort).toBe(7001);
    expect(c.httpPort).toBe(7101);
    expect([...c.peers]).toEqual([
      ['b', '127.0.0.1:7002'],
      ['c', '127.0.0.1:7003'],
    ]);
    expect(c.bootstrap).toEqual(['a', 'b', 'c']);
    expect(c.snapshotEvery).toBe(500);
    expect(c.trailingLogs).toBe(100);
  });

  it('repeated --peer flags accumulate; no --bootstrap means join an existing cluster', () => {
    const c = parseRaftDemoArgs([
      '--node',
      'a',
      '--data-dir',
      '/d',
      '--peer',
      'b=127.0.0.1:1',
      '--peer',
      'c=127.0.0.1:2',
    ]);
    expect([...c.peers.keys()]).toEqual(['b', 'c']);
    expect(c.bootstrap).toEqual([]);
  });

  it.each([
    [['--node', 'a'], '--data-dir'],
    [['--data-dir', '/d'], '--node'],
    [['--dev', '--node', 'bad id'], '--node'],
    [['--dev', '--http-port', '0'], '--http-port'],
    [['--dev', '--http-port', '70000'], '--http-port'],
    [['--dev', '--raft-port', 'x'], '--raft-port'],
    [['--dev', '--bind', '300.1.1.1'], '--bind'],
    [['--dev', '--peer', 'b'], '--peer'],
    [['--dev', '--peer', 'b=127.0.0.1:99999'], '--peer'],
    [['--dev', '--peer', 'dev=127.0.0.1:1'], '--peer'],
    [['--dev', '--peer', 'b=127.0.0.1:1', '--peer', 'b=127.0.0.1:2'], '--peer'],
    [['--dev', '--bootstrap', 'dev,x'], '--bootstrap'],
    [['--dev', '--snapshot-every', '0'], '--snapshot-every'],
    [['--dev', '--log-level', 'loud'], '--log-level'],
    [['--dev', '--trailing-logs', '-1'], '--trailing-logs'],
    [['--dev', '--frobnicate'], '--frobnicate'],
    [['--dev', 'extra'], 'extra'],
  ])('rejects %j naming %s', (argv, field) => {
    const msg = usageError(argv);
    expect(msg).toContain(field);
    expect(msg).not.toContain('\n');
  });
});
