import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeAddrLabel, normalizeDomain, parseName } from '../../src/dns/index.js';

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
