import { describe, expect, it } from 'vitest';
import {
  KV_TARGETS,
  type KvLoadFlags,
  kvLoadPlan,
  kvRequest,
  READ_KEYS,
  seedRequests,
} from '../../../scripts/bench/kv-load-plan.js';
import { mulberry32 } from '../../support/random.js';

const base: KvLoadFlags = {
  target: 'kv-put',
  urls: 'http://127.0.0.1:1,http://127.0.0.1:2',
  concurrency: '64',
  seconds: '5',
  keys: '10000',
  'value-bytes': '256',
};
const files = { ca: 'ca.pem', cert: 'c.pem', key: 'c-key.pem' };

describe('kvRequest: the same requests as loadgen.mjs', () => {
  it('writes PUT the value to bench/<k>; reads GET one of the seeded keys', () => {
    expect(kvRequest('kv-put', 1234, 'vv')).toEqual({ method: 'PUT', path: '/v1/kv/bench/1234', body: 'vv' });
    expect(kvRequest('kv-get', 1234, 'vv')).toEqual({ method: 'GET', path: '/v1/kv/bench/34' });
    expect(kvRequest('kv-get-stale', 1234, 'vv')).toEqual({ method: 'GET', path: '/v1/kv/bench/34?stale' });
  });

  it('every read names a key the seed wrote', () => {
    const seed = 0x5eed;
    const rnd = mulberry32(seed);
    const seeded = new Set(seedRequests('kv-get', 'x').map((r) => r.path));
    expect(seeded.size, `seed ${seed}`).toBe(READ_KEYS);
    for (let i = 0; i < 1000; i++) {
      const k = Math.floor(rnd() * 10_000);
      const path = kvRequest('kv-get-stale', k, 'x').path.replace('?stale', '');
      expect(seeded.has(path), `seed ${seed}, k ${k}`).toBe(true);
    }
    expect(seedRequests('kv-put', 'x')).toEqual([]);
  });
});

describe('kvLoadPlan', () => {
  it('reads every flag', () => {
    const p = kvLoadPlan(base);
    expect(p.target).toBe('kv-put');
    expect(p.urls.map((u) => u.port)).toEqual(['1', '2']);
    expect([p.concurrency, p.seconds, p.keys, p.valueBytes]).toEqual([64, 5, 10000, 256]);
    expect(p.tls).toBeNull();
  });

  it('https: URLs take the CA and the client certificate', () => {
    const p = kvLoadPlan({ ...base, urls: 'https://127.0.0.1:1', ...files });
    expect(p.tls).toEqual(files);
  });

  it.each<[string, KvLoadFlags, RegExp]>([
    ['an unknown target', { ...base, target: 'etcd-put' }, /--target must be one of kv-put, kv-get/],
    ['no target', { ...base, target: undefined }, /--target/],
    ['no URL', { ...base, urls: '' }, /--urls: give at least one URL/],
    ['a bad URL', { ...base, urls: 'nope' }, /--urls: "nope" is not a URL/],
    ['another scheme', { ...base, urls: 'ftp://127.0.0.1:1' }, /neither http: nor https:/],
    ['mixed schemes', { ...base, urls: 'http://127.0.0.1:1,https://127.0.0.1:2', ...files }, /not both/],
    [
      'https with a certificate but no key',
      { ...base, urls: 'https://127.0.0.1:1', ca: 'a', cert: 'b' },
      /--cert and --key go together/,
    ],
    [
      'https without a CA',
      { ...base, urls: 'https://127.0.0.1:1', cert: 'b', key: 'c' },
      /https: needs --ca$/,
    ],
    ['TLS files with http', { ...base, ...files }, /for https: URLs only/],
    ['zero clients', { ...base, concurrency: '0' }, /--concurrency must be a positive integer, got "0"/],
    ['a fraction', { ...base, seconds: '1.5' }, /--seconds must be a positive integer/],
    ['a word', { ...base, 'value-bytes': 'big' }, /--value-bytes must be a positive integer/],
  ])('refuses %s, naming the flag', (_, flags, reason) => {
    expect(() => kvLoadPlan(flags)).toThrow(reason);
  });

  it('https with a CA alone: the client certificate is optional', () => {
    const plan = kvLoadPlan({ ...base, urls: 'https://127.0.0.1:1', ca: 'a' });
    expect(plan.tls).toEqual({ ca: 'a', cert: null, key: null });
  });

  it('knows exactly the three KV targets', () => {
    expect([...KV_TARGETS]).toEqual(['kv-put', 'kv-get', 'kv-get-stale']);
  });
});
