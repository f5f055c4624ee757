import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/errors.js';
import { parseTlsArgs } from '../../../src/cli/tls/index.js';
import { mulberry32 } from '../../support/random.js';

function usageError(argv: string[]): string {
  try {
    parseTlsArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`no UsageError for ${JSON.stringify(argv)}`);
}

describe('cairn tls ca create', () => {
  it('defaults as consul tls ca create: 1825 days, domain consul, no constraints', () => {
    expect(parseTlsArgs(['ca', 'create'])).toEqual({
      kind: 'ca-create',
      days: 1825,
      domain: 'consul',
      commonName: null,
      nameConstraints: null,
    });
  });

  it('takes flags with one dash or two, as -name value or -name=value', () => {
    const a = parseTlsArgs(['ca', 'create', '-days', '10', '--domain=Example.COM.', '-name-constraint']);
    const b = parseTlsArgs(['ca', 'create', '--days=10', '-domain', 'example.com', '--name-constraint=true']);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ days: 10, domain: 'example.com', nameConstraints: [] });
  });

  it('collects repeated additional name constraints', () => {
    const cmd = parseTlsArgs([
      'ca',
      'create',
      '-name-constraint',
      '-additional-name-constraint',
      'ui.example.com',
      '-additional-name-constraint=.internal',
    ]);
    expect(cmd).toMatchObject({ nameConstraints: ['ui.example.com', '.internal'] });
  });

  it('refuses bad flags with a one-line reason', () => {
    expect(usageError(['ca', 'create', '-days', '0'])).toBe(
      'tls ca create: -days: "0" must be a whole number of days from 1 to 36525',
    );
    expect(usageError(['ca', 'create', '-days=1.5'])).toMatch(/-days: "1.5"/);
    expect(usageError(['ca', 'create', '-days=99999999999'])).toMatch(/-days/);
    expect(usageError(['ca', 'create', '-days'])).toBe('tls ca create: -days needs a value');
    expect(usageError(['ca', 'create', '-days', '5', '-days', '6'])).toBe('tls ca create: -days given twice');
    expect(usageError(['ca', 'create', '-domain', 'no spaces'])).toMatch(
      /-domain: "no spaces" is not a domain/,
    );
    expect(usageError(['ca', 'create', '-additional-name-constraint', 'x.org'])).toBe(
      'tls ca create: -additional-name-constraint needs -name-constraint',
    );
    expect(usageError(['ca', 'create', '-name-constraint', '-additional-name-constraint', 'a b'])).toMatch(
      /"a b" is not a DNS name/,
    );
    expect(usageError(['ca', 'create', '-name-constraint=yes'])).toMatch(/-name-constraint is a switch/);
    expect(usageError(['ca', 'create', '-common-name', ''])).toMatch(/-common-name/);
    expect(usageError(['ca', 'create', '-common-name', 'a\nb'])).toMatch(/-common-name/);
    expect(usageError(['ca', 'create', '-server'])).toBe('tls ca create: unknown flag "-server"');
    expect(usageError(['ca', 'create', 'prefix'])).toBe('tls ca create: unexpected argument "prefix"');
    expect(usageError(['ca', 'make'])).toBe('tls ca: unknown subcommand "make" (create)');
    expect(usageError(['key'])).toBe('tls: unknown subcommand "key" (ca create, cert create)');
  });

  it('shows help', () => {
    expect(parseTlsArgs([])).toEqual({ kind: 'help' });
    expect(parseTlsArgs(['ca', '-h'])).toEqual({ kind: 'help' });
    expect(parseTlsArgs(['ca', 'create', '--help'])).toEqual({ kind: 'help' });
    expect(parseTlsArgs(['cert', 'create', '-days', '3', '-help'])).toEqual({ kind: 'help' });
  });
});

describe('cairn tls cert create', () => {
  it('defaults as consul tls cert create: dc1, consul, 365 days, the CA files by domain', () => {
    expect(parseTlsArgs(['cert', 'create', '-server'])).toEqual({
      kind: 'cert-create',
      certKind: 'server',
      datacenter: 'dc1',
      domain: 'consul',
      days: 365,
      caFile: null,
      keyFile: null,
      node: null,
      dnsNames: [],
      ipAddresses: [],
    });
  });

  it('takes every flag', () => {
    const cmd = parseTlsArgs([
      'cert',
      'create',
      '--client',
      '-dc=eu1',
      '-domain',
      'cairn',
      '-days',
      '30',
      '-ca',
      'ca.pem',
      '-key=ca-key.pem',
      '-additional-dnsname',
      ' a.example.com ',
      '-additional-dnsname=*.b.example.com',
      '-additional-ipaddress',
      '10.0.0.1',
      '-additional-ipaddress=fe80::1',
    ]);
    expect(cmd).toEqual({
      kind: 'cert-create',
      certKind: 'client',
      datacenter: 'eu1',
      domain: 'cairn',
      days: 30,
      caFile: 'ca.pem',
      keyFile: 'ca-key.pem',
      node: null,
      dnsNames: ['a.example.com', '*.b.example.com'],
      ipAddresses: ['10.0.0.1', 'fe80::1'],
    });
    expect(parseTlsArgs(['cert', 'create', '-server', '-datacenter', 'dc9', '-node', 'n-1'])).toMatchObject({
      datacenter: 'dc9',
      node: 'n-1',
    });
  });

  it('refuses bad flags with a one-line reason', () => {
    expect(usageError(['cert', 'create'])).toBe('tls cert create: give either -server or -client');
    expect(usageError(['cert', 'create', '-server', '-client'])).toBe(
      'tls cert create: give either -server or -client',
    );
    expect(usageError(['cert', 'create', '-client', '-node', 'n1'])).toBe(
      'tls cert create: -node requires -server',
    );
    expect(usageError(['cert', 'create', '-server', '-node', 'a.b'])).toMatch(
      /-node: "a.b" must be one DNS label/,
    );
    expect(usageError(['cert', 'create', '-server', '-dc', 'DC1'])).toMatch(/-dc: "DC1" must be lowercase/);
    expect(usageError(['cert', 'create', '-server', '-dc', 'a', '-datacenter', 'b'])).toMatch(/not both/);
    expect(usageError(['cert', 'create', '-server', '-additional-ipaddress', '300.1.1.1'])).toBe(
      'tls cert create: -additional-ipaddress: "300.1.1.1" is not an IP address',
    );
    expect(usageError(['cert', 'create', '-server', '-additional-dnsname', 'bad_name!'])).toMatch(
      /-additional-dnsname: "bad_name!" is not a DNS name/,
    );
    expect(usageError(['cert', 'create', '-server', '-additional-dnsname', ''])).toMatch(
      /-additional-dnsname: ""/,
    );
    expect(usageError(['cert', 'create', '-server', '-ca', ''])).toBe(
      'tls cert create: -ca: must not be empty',
    );
    expect(usageError(['cert', 'create', '-server', '-cli'])).toBe('tls cert create: unknown flag "-cli"');
    expect(usageError(['cert', 'create', '-server', '--', 'x'])).toBe(
      'tls cert create: unexpected argument "x"',
    );
  });
});

describe('flag spelling and order', () => {
  it('gives the same command whatever the order, dash count and value style (seeded)', () => {
    const flags: [string, string | null][] = [
      ['server', null],
      ['dc', 'eu1'],
      ['domain', 'cairn'],
      ['days', '42'],
      ['ca', 'my-ca.pem'],
      ['key', 'my-ca-key.pem'],
      ['node', 'n7'],
    ];
    const canonical = parseTlsArgs([
      'cert',
      'create',
      ...flags.flatMap(([n, v]) => (v === null ? [`-${n}`] : [`-${n}`, v])),
    ]);
    expect(canonical).toMatchObject({
      certKind: 'server',
      datacenter: 'eu1',
      domain: 'cairn',
      days: 42,
      caFile: 'my-ca.pem',
      keyFile: 'my-ca-key.pem',
      node: 'n7',
    });
    for (let seed = 1; seed <= 200; seed++) {
      const random = mulberry32(seed);
      const shuffled = [...flags];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      const argv = shuffled.flatMap(([n, v]) => {
        const dash = random() < 0.5 ? '-' : '--';
        if (v === null) return [random() < 0.5 ? `${dash}${n}` : `${dash}${n}=true`];
        return random() < 0.5 ? [`${dash}${n}`, v] : [`${dash}${n}=${v}`];
      });
      expect(parseTlsArgs(['cert', 'create', ...argv]), `seed=${seed} argv=${argv.join(' ')}`).toEqual(
        canonical,
      );
    }
  });
});
