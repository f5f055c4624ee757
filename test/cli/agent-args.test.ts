import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AgentConfig, advertisedHttpAddress, announcedApiAddresses } from '../../src/agent/index.js';
import { AGENT_USAGE, parseAgentArgs } from '../../src/cli/agent-args.js';
import { UsageError } from '../../src/cli/errors.js';

/** A readFile that serves one fake file and fails for any other path. */
function fakeFile(text: string, at = 'cairn.json'): (p: string) => string {
  return (p) => {
    if (p !== at) throw new Error(`ENOENT: no such file or directory, open '${p}'`);
    return text;
  };
}

const noFile = (p: string): string => {
  throw new Error(`unexpected read of ${p}`);
};

/** The UsageError's message; fails the test if parsing succeeds or throws anything else. */
function usageError(argv: readonly string[], readFile: (p: string) => string = noFile): string {
  let thrown: unknown;
  try {
    parseAgentArgs(argv, readFile);
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error(`expected a usage error for ${JSON.stringify(argv)}`);
  expect(thrown).toBeInstanceOf(UsageError);
  const message = (thrown as Error).message;
  expect(message).not.toMatch(/[\r\n]/);
  return message;
}

const parse = (argv: readonly string[], readFile: (p: string) => string = noFile): AgentConfig =>
  parseAgentArgs(argv, readFile);

const withFile = (json: unknown, ...argv: string[]) =>
  parse(['--config-file', 'cairn.json', ...argv], fakeFile(JSON.stringify(json)));

describe('cairn agent arguments: defaults', () => {
  it('--dev alone: node "dev", dc1, loopback, Consul ports, a temporary directory', () => {
    const c = parse(['--dev']);
    expect(c).toEqual({
      dev: true,
      node: 'dev',
      datacenter: 'dc1',
      dataDir: null,
      bind: '127.0.0.1',
      client: '127.0.0.1',
      httpPort: 8500,
      dnsPort: 8600,
      serverPort: 8300,
      advertise: null,
      bootstrapExpect: null,
      join: [],
      logLevel: 'info',
      logJson: false,
      snapshotEvery: undefined,
      trailingLogs: undefined,
      selfPreservationShare: 0.5,
      selfPreservationMinChecks: 10,
      protectionThreshold: 0,
      kvHistory: 20,
      kvMaxValueBytes: 524288,
      kvTombstoneTtlMs: 900000,
      encrypt: [],
      httpMaxConnsPerClient: 200,
      httpsPort: -1,
      tlsVerifyIncoming: false,
      tlsVerifyOutgoing: false,
      tlsVerifyServerHostname: false,
    } satisfies AgentConfig);
  });

  it('without --dev a data directory is required', () => {
    expect(usageError(['--node', 'a'])).toMatch(/^--data-dir: a data directory is required/);
    expect(usageError([])).toMatch(/^--data-dir: /);
  });

  it('without --node and --dev the node name comes from the host name', () => {
    const c = parse(['--data-dir', '/var/lib/cairn']);
    expect(c.dev).toBe(false);
    expect(c.dataDir).toBe('/var/lib/cairn');
    expect(c.node).not.toBe('dev');
    expect(c.node).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
    expect(c.node).not.toContain('.');
  });
});

describe('cairn agent arguments: every flag', () => {
  it('parses a full server configuration', () => {
    const c = parse([
      '--node',
      'server-1',
      '--datacenter',
      'eu_west-2',
      '--data-dir',
      '/data',
      '--bind',
      '10.0.0.5',
      '--client',
      '0.0.0.0',
      '--http-port',
      '18500',
      '--dns-port',
      '18600',
      '--server-port',
      '18300',
      '--bootstrap-expect',
      '3',
      '--join',
      '10.0.0.6:18300',
      '--join',
      '10.0.0.7:18300,10.0.0.8:18300',
      '--log-level',
      'debug',
      '--log-json',
      '--snapshot-every',
      '5000',
      '--trailing-logs',
      '200',
      '--self-preservation-share',
      '0.25',
      '--self-preservation-min-checks',
      '3',
      '--protection-threshold',
      '0.4',
      '--kv-tombstone-ttl',
      '2h',
    ]);
    expect(c).toEqual({
      dev: false,
      node: 'server-1',
      datacenter: 'eu_west-2',
      dataDir: '/data',
      bind: '10.0.0.5',
      client: '0.0.0.0',
      httpPort: 18500,
      dnsPort: 18600,
      serverPort: 18300,
      advertise: null,
      bootstrapExpect: 3,
      join: ['10.0.0.6:18300', '10.0.0.7:18300', '10.0.0.8:18300'],
      logLevel: 'debug',
      logJson: true,
      snapshotEvery: 5000,
      trailingLogs: 200,
      selfPreservationShare: 0.25,
      selfPreservationMinChecks: 3,
      protectionThreshold: 0.4,
      kvHistory: 20,
      kvMaxValueBytes: 524288,
      kvTombstoneTtlMs: 7_200_000,
      encrypt: [],
      httpMaxConnsPerClient: 200,
      httpsPort: -1,
      tlsVerifyIncoming: false,
      tlsVerifyOutgoing: false,
      tlsVerifyServerHostname: false,
    } satisfies AgentConfig);
  });

  it('--join: repeatable and comma lists, empty items skipped, host names allowed', () => {
    const c = parse(['--dev', '--join', 'a:1,,b.example:2,', '--join', 'c:65535']);
    expect(c.join).toEqual(['a:1', 'b.example:2', 'c:65535']);
    expect(parse(['--dev', '--join', '']).join).toEqual([]);
  });

  it('--dev with an explicit --data-dir keeps that directory', () => {
    expect(parse(['--dev', '--data-dir', '/tmp/x']).dataDir).toBe('/tmp/x');
  });

  it('--bootstrap-expect 1 needs no --join', () => {
    expect(parse(['--node', 'a', '--data-dir', '/d', '--bootstrap-expect', '1']).bootstrapExpect).toBe(1);
  });

  it('the same port for HTTP and server traffic is fine on different addresses', () => {
    const c = parse(['--dev', '--bind', '10.0.0.1', '--http-port', '9000', '--server-port', '9000']);
    expect([c.httpPort, c.serverPort]).toEqual([9000, 9000]);
  });

  it.each(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])('--log-level %s', (level) => {
    expect(parse(['--dev', '--log-level', level]).logLevel).toBe(level);
  });

  it('fractions: share in (0,1], protection threshold in [0,1]', () => {
    expect(parse(['--dev', '--self-preservation-share', '1']).selfPreservationShare).toBe(1);
    expect(parse(['--dev', '--protection-threshold', '0']).protectionThreshold).toBe(0);
    expect(parse(['--dev', '--protection-threshold', '1']).protectionThreshold).toBe(1);
    expect(parse(['--dev', '--protection-threshold', '.5']).protectionThreshold).toBe(0.5);
  });

  it('ports at the ends of the range', () => {
    const c = parse(['--dev', '--http-port', '1', '--dns-port', '65535', '--server-port', '2']);
    expect([c.httpPort, c.dnsPort, c.serverPort]).toEqual([1, 65535, 2]);
  });
});

describe('cairn agent arguments: bad input is a one-line UsageError naming the flag', () => {
  it.each<[string[], RegExp]>([
    [['--bogus'], /^Unknown option '--bogus'/],
    [['-x'], /^Unknown option '-x'/],
    [['--dev', 'extra'], /^Unexpected argument 'extra'/],
    [['--dev', '--', '--node'], /^Unexpected argument '--node'/],
    [['--dev', '--http-port'], /--http-port/],
    [['--dev=yes'], /--dev/],
    [['--dev', '--node', ''], /^--node: "" is not a valid name/],
    [['--dev', '--node=-a'], /^--node: "-a" is not a valid name/],
    [['--dev', '--node', 'a b'], /^--node: /],
    [['--dev', '--node', 'x'.repeat(65)], /^--node: /],
    [['--dev', '--datacenter', 'DC1'], /^--datacenter: "DC1" must be lowercase/],
    [['--dev', '--datacenter', ''], /^--datacenter: /],
    [['--dev', '--data-dir', ''], /^--data-dir: must not be empty/],
    [['--dev', '--bind', 'nope'], /^--bind: "nope" is not an IPv4 address/],
    [['--dev', '--bind', '256.0.0.1'], /^--bind: /],
    [['--dev', '--bind', '1.2.3'], /^--bind: /],
    [['--dev', '--client', '::1'], /^--client: "::1" is not an IPv4 address/],
    [['--dev', '--http-port', 'abc'], /^--http-port: "abc" is not a port \(1-65535\)$/],
    [['--dev', '--http-port', '0'], /^--http-port: "0" is not a port/],
    [['--dev', '--http-port', '65536'], /^--http-port: "65536" is not a port/],
    [['--dev', '--http-port=-1'], /^--http-port: -1 turns HTTP off/],
    [['--dev', '--http-port', '80.5'], /^--http-port: /],
    [['--dev', '--http-port', ' 80'], /^--http-port: /],
    [['--dev', '--dns-port', '1e3'], /^--dns-port: "1e3" is not a port/],
    [['--dev', '--server-port', ''], /^--server-port: "" is not a port/],
    [['--dev', '--http-port', '9000', '--server-port', '9000'], /^--server-port: 9000 is also the HTTP port/],
    [['--dev', '--server-port', '8500'], /^--server-port: 8500 is also the HTTP port/],
    [['--dev', '--bootstrap-expect', '1'], /^--bootstrap-expect: not allowed with --dev/],
    [
      ['--node', 'a', '--data-dir', '/d', '--bootstrap-expect', '0'],
      /^--bootstrap-expect: "0" is not a positive/,
    ],
    [['--node', 'a', '--data-dir', '/d', '--bootstrap-expect', '3'], /^--bootstrap-expect: needs --join/],
    [['--dev', '--join', 'nohost'], /^--join: "nohost" is not HOST:PORT/],
    [['--dev', '--join', 'a:1,b'], /^--join: "b" is not HOST:PORT/],
    [['--dev', '--join', ':8300'], /^--join: /],
    [['--dev', '--join', 'a:b'], /^--join: /],
    [['--dev', '--join', 'a:0'], /^--join: "0" is not a port/],
    [['--dev', '--join', 'a:70000'], /^--join: "70000" is not a port/],
    [['--dev', '--log-level', 'verbose'], /^--log-level: must be one of trace, debug, info, warn, error/],
    [['--dev', '--log-level', 'INFO'], /^--log-level: /],
    [['--dev', '--snapshot-every', '0'], /^--snapshot-every: "0" is not a positive integer$/],
    [['--dev', '--snapshot-every', '1.5'], /^--snapshot-every: /],
    [['--dev', '--snapshot-every', '99999999999999999999'], /^--snapshot-every: /],
    [['--dev', '--trailing-logs=-5'], /^--trailing-logs: "-5" is not a positive integer/],
    [['--dev', '--self-preservation-share', '0'], /^--self-preservation-share: "0" is not a fraction/],
    [['--dev', '--self-preservation-share', '1.1'], /^--self-preservation-share: /],
    [['--dev', '--self-preservation-share', ''], /^--self-preservation-share: /],
    [['--dev', '--self-preservation-share', 'half'], /^--self-preservation-share: /],
    [['--dev', '--self-preservation-min-checks', '0'], /^--self-preservation-min-checks: /],
    [['--dev', '--protection-threshold=-0.1'], /^--protection-threshold: "-0.1" is not a fraction/],
    [['--dev', '--kv-tombstone-ttl', '500ms'], /^--kv-tombstone-ttl: "500ms" is not a duration from 1s/],
    [['--dev', '--kv-tombstone-ttl', '15'], /^--kv-tombstone-ttl: "15" is not a duration/],
    [['--dev', '--protection-threshold', 'NaN'], /^--protection-threshold: /],
    [['--dev', '--protection-threshold', 'Infinity'], /^--protection-threshold: /],
  ])('%j', (argv, message) => {
    expect(usageError(argv)).toMatch(message);
  });

  it('a value with a line break is still reported on one line', () => {
    expect(usageError(['--dev', '--node', 'a\nb'])).toMatch(/^--node: /);
    expect(usageError(['--dev', '--http-port', '1\n2'])).toMatch(/^--http-port: /);
    expect(usageError(['--dev', '--join', 'a:1\r\nb:2'])).toMatch(/^--join: /);
  });
});

describe('cairn agent arguments: --config-file', () => {
  it('reads every setting from JSON, with kebab-case or snake_case names and numbers or strings', () => {
    const c = withFile({
      node: 'from-file',
      datacenter: 'dc2',
      data_dir: '/file/data',
      bind: '10.1.1.1',
      client: '10.1.1.2',
      'http-port': 7500,
      dns_port: '7600',
      server_port: 7300,
      bootstrap_expect: 2,
      join: ['10.1.1.3:7300', '10.1.1.4:7300,10.1.1.5:7300'],
      log_level: 'warn',
      log_json: true,
      snapshot_every: 100,
      trailing_logs: '50',
      self_preservation_share: 0.75,
      'self-preservation-min-checks': 4,
      protection_threshold: '0.2',
    });
    expect(c).toEqual({
      dev: false,
      node: 'from-file',
      datacenter: 'dc2',
      dataDir: '/file/data',
      bind: '10.1.1.1',
      client: '10.1.1.2',
      httpPort: 7500,
      dnsPort: 7600,
      serverPort: 7300,
      advertise: null,
      bootstrapExpect: 2,
      join: ['10.1.1.3:7300', '10.1.1.4:7300', '10.1.1.5:7300'],
      logLevel: 'warn',
      logJson: true,
      snapshotEvery: 100,
      trailingLogs: 50,
      selfPreservationShare: 0.75,
      selfPreservationMinChecks: 4,
      protectionThreshold: 0.2,
      kvHistory: 20,
      kvMaxValueBytes: 524288,
      kvTombstoneTtlMs: 900000,
      encrypt: [],
      httpMaxConnsPerClient: 200,
      httpsPort: -1,
      tlsVerifyIncoming: false,
      tlsVerifyOutgoing: false,
      tlsVerifyServerHostname: false,
    } satisfies AgentConfig);
  });

  it('dev comes from the file as a JSON boolean; join may be a single string', () => {
    const c = withFile({ dev: true, join: 'a:1,b:2' });
    expect(c.dev).toBe(true);
    expect(c.node).toBe('dev');
    expect(c.join).toEqual(['a:1', 'b:2']);
  });

  it('flags win over the file, also for lists', () => {
    const c = withFile(
      { dev: true, node: 'file-node', http_port: 1111, join: ['f:1'], log_level: 'error' },
      '--node',
      'flag-node',
      '--http-port',
      '2222',
      '--join',
      'g:2',
    );
    expect(c.node).toBe('flag-node');
    expect(c.httpPort).toBe(2222);
    expect(c.join).toEqual(['g:2']);
    // settings the flags do not name still come from the file
    expect(c.logLevel).toBe('error');
    expect(c.dev).toBe(true);
  });

  it('the path is handed to readFile as given; the default reads the real file', () => {
    const seen: string[] = [];
    parseAgentArgs(['--dev', '--config-file', './conf/agent.json'], (p) => {
      seen.push(p);
      return '{}';
    });
    expect(seen).toEqual(['./conf/agent.json']);

    const dir = mkdtempSync(join(tmpdir(), 'cairn-args-'));
    try {
      const file = join(dir, 'agent.json');
      writeFileSync(file, JSON.stringify({ dev: true, http_port: 9123 }));
      expect(parseAgentArgs(['--config-file', file]).httpPort).toBe(9123);
      expect(() => parseAgentArgs(['--config-file', join(dir, 'missing.json')])).toThrow(
        /^--config-file: cannot read ".*missing\.json": ENOENT/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each<[string, RegExp]>([
    ['{"dev": "true"}', /^--config-file: "dev" must be true or false$/],
    ['{"dev": true, "join": [1]}', /^--config-file: "join" must be a list of strings$/],
    ['{"dev": true, "join": null}', /^--config-file: "join" must be a list of strings$/],
    ['{"dev": true, "node": null}', /^--config-file: "node" must be a string or a number$/],
    ['{"dev": true, "http_port": [8500]}', /^--config-file: "http_port" must be a string or a number$/],
    ['{"dev": true, "http_port": 8500.5}', /^--http-port: "8500.5" is not a port/],
    ['{"dev": true, "http_port": "abc"}', /^--http-port: "abc" is not a port/],
    ['{"dev": true, "bind": "x"}', /^--bind: "x" is not an IPv4 address/],
    ['{"dev": true, "protection_threshold": 2}', /^--protection-threshold: "2" is not a fraction/],
    ['[1, 2]', /^--config-file: "cairn.json" must hold a JSON object$/],
    ['null', /^--config-file: "cairn.json" must hold a JSON object$/],
    ['"dev"', /^--config-file: "cairn.json" must hold a JSON object$/],
    ['', /^--config-file: "cairn.json" is not JSON: /],
    ['{"dev": true,}', /^--config-file: "cairn.json" is not JSON: /],
    ['{\n  "dev": true,\n  "node": oops\n}\n', /^--config-file: "cairn.json" is not JSON: /],
  ])('file %j', (text, message) => {
    expect(usageError(['--config-file', 'cairn.json'], fakeFile(text))).toMatch(message);
  });

  it.each([
    ['bogus', 1],
    ['httpPort', 1],
    ['config_file', 'x.json'],
    ['constructor', 'x'],
    ['toString', 1],
    ['__proto__', 'x'],
  ])('an unknown setting %j is a warning naming it, not an error (Consul files hold many)', (key, value) => {
    const c = parse(
      ['--config-file', 'cairn.json'],
      fakeFile(`{"dev": true, ${JSON.stringify(key)}: ${JSON.stringify(value)}}`),
    );
    expect(c.dev).toBe(true);
    expect(c.configWarnings).toEqual([
      `--config-file "cairn.json": ${key}: a Consul setting cairn does not use; ignored`,
    ]);
  });

  it('a file that cannot be read is a usage error naming the path and the reason', () => {
    expect(usageError(['--dev', '--config-file', 'nope.json'], fakeFile('{}'))).toMatch(
      /^--config-file: cannot read "nope\.json": ENOENT/,
    );
  });

  it('a bad flag is reported even when the file is fine, and the file is not read for a bad flag', () => {
    let reads = 0;
    const count = (_: string) => {
      reads++;
      return '{"dev": true}';
    };
    expect(usageError(['--config-file', 'c.json', '--http-port', 'x'], count)).toMatch(/^--http-port: /);
    expect(reads).toBe(1);
    expect(usageError(['--config-file', 'c.json', '--nope'], count)).toMatch(/^Unknown option '--nope'/);
    expect(reads).toBe(1);
  });
});

describe('cairn agent arguments: properties', () => {
  const FLAGS = [
    '--dev',
    '--node',
    '--datacenter',
    '--data-dir',
    '--bind',
    '--client',
    '--http-port',
    '--dns-port',
    '--server-port',
    '--bootstrap-expect',
    '--join',
    '--log-level',
    '--config-file',
    '--snapshot-every',
    '--trailing-logs',
    '--self-preservation-share',
    '--self-preservation-min-checks',
    '--protection-threshold',
  ];
  const VALUES = [
    '',
    '0',
    '1',
    '3',
    '8500',
    '65536',
    '-1',
    '0.5',
    'abc',
    '127.0.0.1',
    '999.1.1.1',
    'a:1',
    'a:1,b:2',
    'debug',
    'dc1',
    'c.json',
    '--dev',
    '-',
    '--',
    'a\nb',
  ];
  const token = fc.oneof(
    fc.constantFrom(...FLAGS),
    fc.constantFrom(...VALUES),
    fc.string(),
    fc.constantFrom(...FLAGS).chain((f) => fc.string().map((s) => `${f}=${s}`)),
  );
  const settings = fc.dictionary(
    fc.oneof(
      fc.constantFrom(...FLAGS.map((f) => f.slice(2)), ...FLAGS.map((f) => f.slice(2).replace(/-/g, '_'))),
      fc.string(),
    ),
    fc.oneof(fc.jsonValue(), fc.constantFrom(...VALUES)),
  );
  const fileText = fc.oneof(
    settings.map((s) => JSON.stringify(s)),
    fc.json(),
    fc.string(),
  );

  it('random argv (and random config files) never throw anything but a one-line UsageError', () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 12 }), fileText, fc.boolean(), (argv, text, readable) => {
        const readFile = (p: string) => {
          if (!readable) throw new Error(`EACCES: permission denied, open '${p}'`);
          return text;
        };
        try {
          const c = parseAgentArgs(argv, readFile);
          // whatever is accepted is a usable configuration
          for (const p of [c.httpPort, c.dnsPort, c.serverPort]) {
            expect(Number.isInteger(p) && p >= 1 && p <= 65535).toBe(true);
          }
          expect(c.dev || c.dataDir !== null).toBe(true);
          expect(c.selfPreservationShare).toBeGreaterThan(0);
          expect(c.selfPreservationShare).toBeLessThanOrEqual(1);
          expect(c.protectionThreshold).toBeGreaterThanOrEqual(0);
          expect(c.protectionThreshold).toBeLessThanOrEqual(1);
        } catch (e) {
          if (!(e instanceof UsageError)) throw e;
          expect(e.message).not.toBe('');
          expect(e.message).not.toContain('\n');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('any valid port round-trips through every port flag', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 }), (p) => {
        const c = parse(['--dev', '--http-port', String(p), '--dns-port', String(p), '--bind', '10.0.0.1']);
        expect(c.httpPort).toBe(p);
        expect(c.dnsPort).toBe(p);
      }),
    );
  });
});

describe('advertisedHttpAddress', () => {
  const base = { client: '127.0.0.1', bind: '127.0.0.1', advertise: null, httpPort: 8500 };
  it('is the client address, unless that is every interface: then the bind address, then the advertised host', () => {
    expect(advertisedHttpAddress(base)).toBe('127.0.0.1:8500');
    expect(advertisedHttpAddress({ ...base, client: '10.0.0.5' })).toBe('10.0.0.5:8500');
    expect(advertisedHttpAddress({ ...base, client: '0.0.0.0', bind: '10.0.0.6' })).toBe('10.0.0.6:8500');
    expect(
      advertisedHttpAddress({
        ...base,
        client: '0.0.0.0',
        bind: '0.0.0.0',
        advertise: 'cairn-1.internal:8300',
      }),
    ).toBe('cairn-1.internal:8500');
    expect(advertisedHttpAddress({ ...base, client: '0.0.0.0', bind: '0.0.0.0' })).toBe('0.0.0.0:8500');
  });

  it('announcedApiAddresses: the HTTP and HTTPS APIs on the same host, empty for one that is off', () => {
    const tls = { ...base, httpsPort: 8501, tlsCertFile: 'server.pem' };
    expect(announcedApiAddresses(tls)).toEqual({ http: '127.0.0.1:8500', https: '127.0.0.1:8501' });
    expect(announcedApiAddresses({ ...tls, httpPort: -1 })).toEqual({ http: '', https: '127.0.0.1:8501' });
    expect(announcedApiAddresses({ ...tls, httpsPort: -1 })).toEqual({ http: '127.0.0.1:8500', https: '' });
    expect(announcedApiAddresses({ ...tls, tlsCertFile: undefined })).toMatchObject({ https: '' });
    expect(
      announcedApiAddresses({ ...tls, client: '0.0.0.0', bind: '0.0.0.0', advertise: 'c1.internal:8300' }),
    ).toEqual({ http: 'c1.internal:8500', https: 'c1.internal:8501' });
  });

  it('--encrypt: repeatable or a comma list of base64 32-byte keys; also "encrypt" in the file', () => {
    const k1 = Buffer.alloc(32, 1).toString('base64');
    const k2 = Buffer.alloc(32, 2).toString('base64');
    expect(parseAgentArgs(['--dev', '--encrypt', k1, '--encrypt', k2]).encrypt).toEqual([k1, k2]);
    expect(parseAgentArgs(['--dev', '--encrypt', `${k1},${k2}`]).encrypt).toEqual([k1, k2]);
    const fromFile = parseAgentArgs(['--dev', '--config-file', 'c.json'], () =>
      JSON.stringify({ encrypt: k2 }),
    );
    expect(fromFile.encrypt).toEqual([k2]);
    for (const bad of ['short', Buffer.alloc(16).toString('base64'), `${k1}x`]) {
      expect(() => parseAgentArgs(['--dev', '--encrypt', bad])).toThrow(
        /^--encrypt: a cluster key must be base64 of 32 bytes/,
      );
    }
  });
});

describe('cairn agent arguments: per-client HTTP limits', () => {
  it('are all in the usage text', () => {
    for (const flag of [
      '--http-max-blocking-per-client N',
      '--watch-max-connections-per-client N',
      '--watch-max-subscriptions-per-client N',
      '--kv-max-keys N',
      '--catalog-max-instances N',
    ]) {
      expect(AGENT_USAGE).toContain(`[${flag}]`);
    }
  });

  it('absent: undefined, so the HTTP app applies its defaults', () => {
    const c = parse(['--dev']);
    expect(c.httpMaxBlockingPerClient).toBeUndefined();
    expect(c.watchMaxConnectionsPerClient).toBeUndefined();
    expect(c.watchMaxSubscriptionsPerClient).toBeUndefined();
  });

  it('flags and config-file keys take non-negative integers; 0 means no cap; flags win', () => {
    const c = parse([
      '--dev',
      '--http-max-blocking-per-client',
      '0',
      '--watch-max-connections-per-client',
      '7',
      '--watch-max-subscriptions-per-client=2500',
    ]);
    expect(c.httpMaxBlockingPerClient).toBe(0);
    expect(c.watchMaxConnectionsPerClient).toBe(7);
    expect(c.watchMaxSubscriptionsPerClient).toBe(2500);
    const f = withFile(
      { dev: true, http_max_blocking_per_client: 16, 'watch-max-subscriptions-per-client': '9' },
      '--http-max-blocking-per-client',
      '32',
    );
    expect(f.httpMaxBlockingPerClient).toBe(32);
    expect(f.watchMaxSubscriptionsPerClient).toBe(9);
    expect(f.watchMaxConnectionsPerClient).toBeUndefined();
  });

  it('--kv-max-keys and --catalog-max-instances: undefined (no limit) unless given', () => {
    expect(parse(['--dev']).kvMaxKeys).toBeUndefined();
    expect(parse(['--dev']).catalogMaxInstances).toBeUndefined();
    expect(parse(['--dev', '--kv-max-keys', '100000', '--catalog-max-instances=5000'])).toMatchObject({
      kvMaxKeys: 100000,
      catalogMaxInstances: 5000,
    });
    expect(withFile({ dev: true, kv_max_keys: 10, catalog_max_instances: '20' })).toMatchObject({
      kvMaxKeys: 10,
      catalogMaxInstances: 20,
    });
  });

  it('--http-trusted-proxies: absent unless given; repeatable, comma-separated or a config-file list', () => {
    expect(parse(['--dev']).httpTrustedProxies).toBeUndefined();
    expect(
      parse(['--dev', '--http-trusted-proxies', '10.0.0.0/8,192.168.1.7', '--http-trusted-proxies=::1'])
        .httpTrustedProxies,
    ).toEqual(['10.0.0.0/8', '192.168.1.7', '::1']);
    expect(withFile({ dev: true, http_trusted_proxies: ['172.16.0.0/12'] }).httpTrustedProxies).toEqual([
      '172.16.0.0/12',
    ]);
    for (const bad of ['10.0.0.0/33', 'proxy.local', '::1/64', '300.1.1.1']) {
      expect(usageError(['--dev', `--http-trusted-proxies=${bad}`])).toBe(
        `--http-trusted-proxies: ${JSON.stringify(bad)} is not an IP address or IPv4 range (e.g. 10.0.0.0/8)`,
      );
    }
  });

  it.each([
    ['--http-max-blocking-per-client', '-1'],
    ['--http-max-blocking-per-client', '1.5'],
    ['--watch-max-connections-per-client', 'many'],
    ['--watch-max-subscriptions-per-client', ''],
    ['--kv-max-keys', '-3'],
    ['--catalog-max-instances', '1e3'],
  ])('%s %j is a usage error naming the flag', (flag, value) => {
    expect(usageError(['--dev', `${flag}=${value}`])).toBe(
      `${flag}: ${JSON.stringify(value)} is not a non-negative integer`,
    );
  });

  it('TLS: --https-port needs a certificate and key; -1 turns HTTP off; verify flags need the CA', () => {
    const c = parseAgentArgs([
      '--dev',
      '--https-port',
      '8501',
      '--http-port',
      '-1',
      '--tls-cert-file',
      'c.pem',
      '--tls-key-file',
      'k.pem',
      '--tls-ca-file',
      'ca.pem',
      '--tls-verify-incoming',
      '--tls-verify-outgoing',
      '--tls-verify-server-hostname',
    ]);
    expect(c).toMatchObject({
      httpPort: -1,
      httpsPort: 8501,
      tlsCertFile: 'c.pem',
      tlsKeyFile: 'k.pem',
      tlsCaFile: 'ca.pem',
      tlsVerifyIncoming: true,
      tlsVerifyOutgoing: true,
      tlsVerifyServerHostname: true,
    });
    expect(() => parseAgentArgs(['--dev', '--https-port', '8501'])).toThrow(
      /^--https-port: needs --tls-cert-file and --tls-key-file/,
    );
    expect(() => parseAgentArgs(['--dev', '--http-port', '-1'])).toThrow(/^--http-port: -1 turns HTTP off/);
    expect(() => parseAgentArgs(['--dev', '--tls-verify-outgoing'])).toThrow(/--tls-ca-file/);
    expect(() => parseAgentArgs(['--dev', '--https-port=-2'])).toThrow(/^--https-port: "-2" is not a port/);
  });
});
