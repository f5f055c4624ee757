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
    });
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
  ])('%j is a usage error naming the flag', (args, message) => {
    expect(usage(['--dev', ...args])).toMatch(message);
  });
});
