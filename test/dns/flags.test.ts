import { describe, expect, it } from 'vitest';
import { parseAgentArgs } from '../../src/cli/agent-args.js';
import { UsageError } from '../../src/cli/errors.js';
import { answerConfig } from '../../src/dns/index.js';

const parse = (argv: readonly string[], file?: unknown) =>
  parseAgentArgs(argv, () => {
    if (file === undefined) throw new Error('no file');
    return JSON.stringify(file);
  });

function usage(argv: readonly string[]): string {
  try {
    parse(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`no usage error for ${JSON.stringify(argv)}`);
}

describe('cairn agent DNS flags', () => {
  it('absent: undefined, which the DNS server reads as its defaults', () => {
    const c = parse(['--dev']);
    expect([c.domain, c.dnsTtl, c.dnsServiceTtl, c.dnsAnswerLimit, c.dnsOnlyPassing]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(answerConfig({}, 'dc1', 0.2)).toEqual({
      domains: ['cairn', 'consul'],
      datacenter: 'dc1',
      ttl: 0,
      serviceTtl: 0,
      answerLimit: 0,
      onlyPassing: false,
      protectionThreshold: 0.2,
      udpAnswerLimit: 4096,
    });
    expect([c.dnsUdpAnswerLimit, c.dnsRateLimit, c.dnsTcpIdleMs, c.dnsTcpMaxConnections]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(c.dnsTcpMaxConnectionsPerSource).toBeUndefined();
  });

  it('limits: UDP answer size, rate, TCP idle timeout and connection caps', () => {
    const c = parse([
      '--dev',
      '--dns-udp-answer-limit',
      '1232',
      '--dns-rate-limit',
      '200',
      '--dns-tcp-idle-timeout',
      '2s',
      '--dns-tcp-max-connections',
      '100',
      '--dns-tcp-max-connections-per-source',
      '4',
    ]);
    expect([
      c.dnsUdpAnswerLimit,
      c.dnsRateLimit,
      c.dnsTcpIdleMs,
      c.dnsTcpMaxConnections,
      c.dnsTcpMaxConnectionsPerSource,
    ]).toEqual([1232, 200, 2000, 100, 4]);
    expect(answerConfig({ udpAnswerLimit: c.dnsUdpAnswerLimit }, 'dc1', 0).udpAnswerLimit).toBe(1232);
    expect(parse(['--dev', '--dns-udp-answer-limit', '512']).dnsUdpAnswerLimit).toBe(512);
    expect(parse(['--dev', '--dns-udp-answer-limit', '65535']).dnsUdpAnswerLimit).toBe(65535);
    expect(parse(['--dev', '--dns-tcp-idle-timeout', '15']).dnsTcpIdleMs).toBe(15_000);
    expect(parse(['--dev', '--dns-rate-limit', '0']).dnsRateLimit).toBe(0);
    const f = parse(['--dev', '--config-file', 'x.json'], {
      dns_udp_answer_limit: 1400,
      dns_rate_limit: '50',
      dns_tcp_idle_timeout: '500ms',
    });
    expect([f.dnsUdpAnswerLimit, f.dnsRateLimit, f.dnsTcpIdleMs]).toEqual([1400, 50, 500]);
    expect(() => answerConfig({ udpAnswerLimit: 511 }, 'dc1', 0)).toThrow(RangeError);
  });

  it('values: domain normalized, TTLs in seconds or durations, the service TTL defaulting to --dns-ttl', () => {
    const c = parse([
      '--dev',
      '--domain',
      'SD.Example',
      '--dns-ttl',
      '1m',
      '--dns-answer-limit',
      '3',
      '--dns-only-passing',
    ]);
    expect([c.domain, c.dnsTtl, c.dnsServiceTtl, c.dnsAnswerLimit, c.dnsOnlyPassing]).toEqual([
      'sd.example.',
      60,
      undefined,
      3,
      true,
    ]);
    const cfg = answerConfig(
      { domain: c.domain, ttl: c.dnsTtl, answerLimit: c.dnsAnswerLimit, onlyPassing: c.dnsOnlyPassing },
      'dc1',
      0,
    );
    expect(cfg).toMatchObject({ domains: ['sd.example', 'consul'], ttl: 60, serviceTtl: 60, answerLimit: 3 });
    expect(answerConfig({ domain: 'consul.' }, 'dc1', 0).domains).toEqual(['consul']);
    expect(parse(['--dev', '--dns-service-ttl', '0']).dnsServiceTtl).toBe(0);
  });

  it('from the config file, with flags winning', () => {
    const c = parse(['--dev', '--config-file', 'x.json', '--dns-ttl', '7'], {
      domain: 'consul.',
      dns_ttl: 3,
      dns_service_ttl: '10s',
      dns_only_passing: true,
    });
    expect([c.domain, c.dnsTtl, c.dnsServiceTtl, c.dnsOnlyPassing]).toEqual(['consul.', 7, 10, true]);
  });

  it.each<[string[], RegExp]>([
    [['--domain', 'a..b'], /^--domain: "a\.\.b" is not a domain name/],
    [['--domain', ''], /^--domain: "" is not a domain name/],
    [['--dns-ttl=-1'], /^--dns-ttl: "-1" is not a TTL/],
    [['--dns-ttl', '1.5s'], /^--dns-ttl: "1.5s" is not a TTL/],
    [['--dns-service-ttl', 'soon'], /^--dns-service-ttl: "soon" is not a TTL/],
    [['--dns-answer-limit=-2'], /^--dns-answer-limit: "-2" is not a non-negative integer/],
    [['--dns-answer-limit', '1e3'], /^--dns-answer-limit: "1e3" is not a non-negative integer/],
    [
      ['--dns-udp-answer-limit', '511'],
      /^--dns-udp-answer-limit: "511" is not a size in bytes from 512 to 65535/,
    ],
    [['--dns-udp-answer-limit', '65536'], /^--dns-udp-answer-limit: "65536" is not a size in bytes/],
    [['--dns-udp-answer-limit', '4k'], /^--dns-udp-answer-limit: "4k" is not a size in bytes/],
    [['--dns-rate-limit=-1'], /^--dns-rate-limit: "-1" is not a non-negative integer/],
    [['--dns-rate-limit', '2.5'], /^--dns-rate-limit: "2.5" is not a non-negative integer/],
    [
      ['--dns-tcp-idle-timeout', '50ms'],
      /^--dns-tcp-idle-timeout: "50ms" is not a duration from 100ms to 1h/,
    ],
    [['--dns-tcp-idle-timeout', '2h'], /^--dns-tcp-idle-timeout: "2h" is not a duration/],
    [['--dns-tcp-idle-timeout', 'never'], /^--dns-tcp-idle-timeout: "never" is not a duration/],
    [['--dns-tcp-max-connections', '0'], /^--dns-tcp-max-connections: "0" is not a positive integer/],
    [
      ['--dns-tcp-max-connections-per-source', 'x'],
      /^--dns-tcp-max-connections-per-source: "x" is not a positive integer/,
    ],
  ])('%j is a usage error naming the flag', (args, message) => {
    expect(usage(['--dev', ...args])).toMatch(message);
  });
});
