import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sourceAddress, TrustedProxies } from '../../src/http/source-address.js';

const none = TrustedProxies.none;

describe('the source address of a registration without Address', () => {
  it("is the socket's peer, an IPv4-mapped peer as plain IPv4", () => {
    expect(sourceAddress('10.0.0.5', undefined, none)).toBe('10.0.0.5');
    expect(sourceAddress('::ffff:10.0.0.5', undefined, none)).toBe('10.0.0.5');
    expect(sourceAddress('::1', undefined, none)).toBe('::1');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(sourceAddress('10.0.0.5', '1.2.3.4', none)).toBe('10.0.0.5');
    const trusted = TrustedProxies.parse(['192.168.0.0/16']);
    expect(sourceAddress('10.0.0.5', '1.2.3.4', trusted)).toBe('10.0.0.5');
  });

  it('believes a trusted proxy: the right-most hop that is not itself trusted', () => {
    const trusted = TrustedProxies.parse(['10.0.0.0/8', 'fd00::1']);
    expect(sourceAddress('10.1.1.1', '203.0.113.9', trusted)).toBe('203.0.113.9');
    // The client could have written the left-most entries; only what trusted proxies added counts.
    expect(sourceAddress('10.1.1.1', 'forged.example, 6.6.6.6, 203.0.113.9, 10.2.2.2', trusted)).toBe(
      '203.0.113.9',
    );
    expect(sourceAddress('fd00::1', ['203.0.113.9', '10.2.2.2'], trusted)).toBe('203.0.113.9');
    expect(sourceAddress('::ffff:10.1.1.1', '::ffff:203.0.113.9', trusted)).toBe('203.0.113.9');
  });

  it('stops at a hop that is not an address and keeps the last good one', () => {
    const trusted = TrustedProxies.parse(['10.0.0.0/8']);
    expect(sourceAddress('10.1.1.1', 'garbage', trusted)).toBe('10.1.1.1');
    expect(sourceAddress('10.1.1.1', '203.0.113.9, 10.2.2.2:443', trusted)).toBe('10.1.1.1');
    expect(sourceAddress('10.1.1.1', 'evil, 10.2.2.2', trusted)).toBe('10.2.2.2');
    expect(sourceAddress('10.1.1.1', '', trusted)).toBe('10.1.1.1');
  });

  it('a chain made only of trusted proxies gives the left-most of them', () => {
    const trusted = TrustedProxies.parse(['10.0.0.0/8']);
    expect(sourceAddress('10.1.1.1', '10.3.3.3, 10.2.2.2', trusted)).toBe('10.3.3.3');
  });

  it('a peer that is not trusted always gets its own address, whatever it sends (property)', () => {
    const trusted = TrustedProxies.parse(['10.0.0.0/8']);
    fc.assert(
      fc.property(
        fc.ipV4().filter((ip) => !ip.startsWith('10.')),
        fc.option(fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string())).map((a) => a.join(', '))),
        (peer, xff) => {
          expect(sourceAddress(peer, xff ?? undefined, trusted)).toBe(peer);
        },
      ),
    );
  });
});

describe('trusted proxies', () => {
  it('match IPv4 ranges and exact addresses', () => {
    const t = TrustedProxies.parse(['10.0.0.0/8', '192.168.1.7', '172.16.0.0/12', '::1']);
    expect(t.size).toBe(4);
    expect(
      ['10.255.0.1', '192.168.1.7', '172.31.255.255', '::1', '::ffff:10.0.0.1'].map((a) => t.has(a)),
    ).toEqual([true, true, true, true, true]);
    expect(['11.0.0.1', '192.168.1.8', '172.32.0.0', '::2'].map((a) => t.has(a))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(TrustedProxies.parse(['0.0.0.0/0']).has('8.8.8.8')).toBe(true);
  });

  it('refuse what is not an address or an IPv4 range, naming it', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0/8', 'proxy.local', '256.1.1.1', '::1/64', '10.0.0.1/x', '']) {
      expect(() => TrustedProxies.parse([bad]), bad).toThrow(RangeError);
      expect(() => TrustedProxies.parse([bad]), bad).toThrow(`"${bad}"`);
    }
  });
});
