import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeAddrLabel, normalizeDomain, parseName, reverseName } from '../../src/dns/index.js';

const DOMAINS = ['cairn', 'consul'];

describe('DNS names', () => {
  it.each<[string, unknown]>([
    ['web.service.cairn', { kind: 'service', service: 'web', tag: null, dc: null }],
    ['web.service.cairn.', { kind: 'service', service: 'web', tag: null, dc: null }],
    ['Web.SERVICE.Cairn', { kind: 'service', service: 'web', tag: null, dc: null }],
    ['v2.web.service.cairn', { kind: 'service', service: 'web', tag: 'v2', dc: null }],
    ['eu.west.web.service.cairn', { kind: 'service', service: 'web', tag: 'eu.west', dc: null }],
    ['web.service.dc1.cairn', { kind: 'service', service: 'web', tag: null, dc: 'dc1' }],
    ['web.service.dc1.dc.cairn', { kind: 'service', service: 'web', tag: null, dc: 'dc1' }],
    ['_web._tcp.service.cairn', { kind: 'service', service: 'web', tag: null, dc: null }],
    ['_web._v2.service.cairn', { kind: 'service', service: 'web', tag: 'v2', dc: null }],
    ['_web._tcp.service.dc2.cairn', { kind: 'service', service: 'web', tag: null, dc: 'dc2' }],
    ['_web._tcp.cairn', { kind: 'service', service: 'web', tag: null, dc: null }],
    ['_web._tcp.dc1.cairn', { kind: 'service', service: 'web', tag: null, dc: 'dc1' }],
    ['n1.node.cairn', { kind: 'node', node: 'n1', dc: null }],
    ['host.example.node.dc1.cairn', { kind: 'node', node: 'host.example', dc: 'dc1' }],
    ['0a000001.addr.dc1.cairn', { kind: 'addr', ip: '10.0.0.1', dc: 'dc1' }],
    ['20010db8000000000000000000000001.addr.cairn', { kind: 'addr', ip: '2001:db8::1', dc: null }],
    ['cairn', { kind: 'apex' }],
    ['web.cairn', { kind: 'unknown' }],
    ['service.cairn', { kind: 'unknown' }],
    ['q.query.cairn', { kind: 'unknown' }],
    ['xyz.addr.cairn', { kind: 'unknown' }],
  ])('%s', (qname, want) => {
    expect(parseName(qname, DOMAINS)?.name).toEqual(want);
  });

  it('picks the domain the question used (the longest that matches) and refuses the rest', () => {
    expect(parseName('web.service.consul', DOMAINS)?.domain).toBe('consul');
    expect(parseName('web.service.sd.example', ['example', 'sd.example'])?.domain).toBe('sd.example');
    for (const other of ['example.com', 'cairn.com', 'xcairn', 'com', '', '.']) {
      expect(parseName(other, DOMAINS), other).toBeNull();
    }
  });

  it('.addr labels round-trip every IPv4 and IPv6 address', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        const label = encodeAddrLabel(ip);
        expect(label, ip).toMatch(/^[0-9a-f]{8}$|^[0-9a-f]{32}$/);
        const parsed = parseName(`${label}.addr.dc1.cairn`, DOMAINS)?.name;
        expect(parsed?.kind, ip).toBe('addr');
        const back = parsed?.kind === 'addr' ? parsed.ip : '';
        expect(encodeAddrLabel(back), ip).toBe(label);
      }),
      { seed: 1, numRuns: 500 },
    );
    expect(encodeAddrLabel('db.example.com')).toBeNull();
    expect(encodeAddrLabel('1.2.3.256')).toBeNull();
    expect(encodeAddrLabel('1:2:3:4:5:6:7:8:9')).toBeNull();
  });

  it('reverse zones: in-addr.arpa and ip6.arpa names are kept whole, in lower case, whatever the domains', () => {
    expect(parseName('5.0.0.127.IN-ADDR.ARPA.', DOMAINS)).toEqual({
      domain: 'in-addr.arpa',
      name: { kind: 'reverse', name: '5.0.0.127.in-addr.arpa' },
    });
    expect(parseName('ip6.arpa', ['sd.example'])).toEqual({
      domain: 'ip6.arpa',
      name: { kind: 'reverse', name: 'ip6.arpa' },
    });
    // Other reverse-looking names are not ours.
    for (const other of ['arpa', 'x.arpa', 'in-addr.arpa.example', 'xin-addr.arpa']) {
      expect(parseName(other, DOMAINS), other).toBeNull();
    }
  });

  it('reverseName: the PTR question of an address (RFC 1035 3.5, RFC 3596 2.5)', () => {
    expect(reverseName('127.0.0.5')).toBe('5.0.0.127.in-addr.arpa');
    expect(reverseName('10.20.30.255')).toBe('255.30.20.10.in-addr.arpa');
    expect(reverseName('2001:DB8::1')).toBe(`1.${'0.'.repeat(23)}8.b.d.0.1.0.0.2.ip6.arpa`);
    // However an IPv6 address is written, it has one name.
    expect(reverseName('2001:db8:0:0:0:0:0:1')).toBe(reverseName('2001:db8::1'));
    expect(reverseName('::ffff:10.0.0.1')).toBe(`1.0.0.0.0.0.a.0.f.f.f.f.${'0.'.repeat(20)}ip6.arpa`);
    for (const bad of ['db.example.com', '1.2.3.256', '', '1:2:3:4:5:6:7:8:9']) {
      expect(reverseName(bad), bad).toBeNull();
    }
  });

  it('reverseName agrees with dig -x for every address: four decimal labels, or 32 nibbles', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        const name = reverseName(ip);
        expect(name, ip).toMatch(/^(\d{1,3}\.){4}in-addr\.arpa$|^([0-9a-f]\.){32}ip6\.arpa$/);
        expect(parseName(name!, DOMAINS)?.name, ip).toEqual({ kind: 'reverse', name });
        if (!ip.includes(':')) expect(name).toBe(`${ip.split('.').reverse().join('.')}.in-addr.arpa`);
      }),
      { seed: 3, numRuns: 500 },
    );
  });

  it('never throws on any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = parseName(s, DOMAINS);
        expect(r === null || typeof r.domain === 'string').toBe(true);
      }),
      { seed: 2, numRuns: 1000 },
    );
  });

  it('--domain values', () => {
    expect(normalizeDomain('cairn.')).toBe('cairn');
    expect(normalizeDomain('SD.Example')).toBe('sd.example');
    for (const bad of ['', '.', 'a..b', '-x.', 'a b', 'x'.repeat(64)])
      expect(normalizeDomain(bad), bad).toBeNull();
  });
});
