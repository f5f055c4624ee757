import type { SrvAnswer } from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BalancerState } from '../../src/balance/index.js';
import { type AnswerSet, buildAnswer } from '../../src/dns/index.js';
import { encodeCommand } from '../../src/state/index.js';
import { ask, config, context, datas, mulberry32, Registry, records } from './support.js';

/** Three web instances: n1 passing, n2 warning, n3 critical; one api instance with its own address. */
function fleet(): Registry {
  return new Registry()
    .add('n1', 'web-1', 'web', 'passing', { tags: ['v1', 'Primary'], meta: { version: '1' } })
    .add('n2', 'web-2', 'web', 'warning', {
      tags: ['v2'],
      meta: { version: '2' },
      weights: { passing: 5, warning: 2 },
    })
    .add('n3', 'web-3', 'web', 'critical', { tags: ['v1'] })
    .add('n1', 'api-1', 'api', 'passing', {
      address: '10.1.1.1',
      port: 9000,
      meta: { 'rfc1035-note': 'plain' },
    });
}

const sorted = (xs: unknown[]) => [...xs].map(String).sort();

function srvs(set: AnswerSet): SrvAnswer['data'][] {
  return records(set).map((r) => (r as SrvAnswer).data);
}

describe('DNS answers: service names', () => {
  it('A: one record per passing or warning instance, owned by the question name, critical left out', () => {
    const set = ask(fleet(), 'web.service.cairn', 'A');
    expect(set.rcode).toBe('NOERROR');
    expect(set.authoritative).toBe(true);
    expect(sorted(datas(set))).toEqual(['10.0.0.2', '10.0.0.3']);
    for (const r of records(set)) {
      expect(r).toMatchObject({ type: 'A', name: 'web.service.cairn', ttl: 0 });
    }
    expect(set.authorities).toEqual([]);
  });

  it('the answer is owned by the name as asked (case and trailing dot)', () => {
    const set = ask(fleet(), 'WEB.Service.Cairn.', 'A');
    expect(records(set).map((r) => r.name)).toEqual(['WEB.Service.Cairn', 'WEB.Service.Cairn']);
  });

  it('--dns-only-passing leaves warning instances out too', () => {
    expect(datas(ask(fleet(), 'web.service.cairn', 'A', { onlyPassing: true }))).toEqual(['10.0.0.2']);
  });

  it('tags: <tag>.<service>.service, case-insensitive; a tag nobody has is NXDOMAIN', () => {
    expect(datas(ask(fleet(), 'v2.web.service.cairn', 'A'))).toEqual(['10.0.0.3']);
    expect(datas(ask(fleet(), 'primary.web.service.cairn', 'A'))).toEqual(['10.0.0.2']);
    // v1 is on n1 (passing) and n3 (critical): only n1.
    expect(datas(ask(fleet(), 'v1.web.service.cairn', 'A'))).toEqual(['10.0.0.2']);
    const none = ask(fleet(), 'v9.web.service.cairn', 'A');
    expect(none.rcode).toBe('NXDOMAIN');
    expect(none.authorities.map((a) => a.type)).toEqual(['SOA']);
  });

  it('tags with dots: every label before the service name', () => {
    const reg = new Registry().add('n1', 'a', 'db', 'passing', { tags: ['eu.west'] }).add('n2', 'b', 'db');
    expect(datas(ask(reg, 'eu.west.db.service.cairn', 'A'))).toEqual(['10.0.0.2']);
  });

  it('RFC 2782: _<service>._tcp is every instance, _<service>._<tag> filters, .service may be left out', () => {
    const all = srvs(ask(fleet(), '_web._tcp.service.cairn', 'SRV'));
    expect(all.map((s) => s.target).sort()).toEqual(['n1.node.dc1.cairn', 'n2.node.dc1.cairn']);
    const v2 = srvs(ask(fleet(), '_web._v2.service.cairn', 'SRV'));
    expect(v2.map((s) => s.target)).toEqual(['n2.node.dc1.cairn']);
    expect(srvs(ask(fleet(), '_web._tcp.cairn', 'SRV'))).toHaveLength(2);
  });

  it('datacenter: ours by name or with .dc answers; another one is NXDOMAIN', () => {
    expect(datas(ask(fleet(), 'api.service.dc1.cairn', 'A'))).toEqual(['10.1.1.1']);
    expect(datas(ask(fleet(), 'api.service.DC1.dc.cairn', 'A'))).toEqual(['10.1.1.1']);
    expect(datas(ask(fleet(), '_api._tcp.service.dc1.cairn', 'SRV'))).toHaveLength(1);
    expect(ask(fleet(), 'api.service.dc2.cairn', 'A').rcode).toBe('NXDOMAIN');
  });

  it('SRV: priority 1, weight by status, the service port; targets resolve in the additional section', () => {
    const set = ask(fleet(), 'web.service.cairn', 'SRV', { serviceTtl: 7 });
    const byTarget = new Map(set.answers.map((u) => [(u.record as SrvAnswer).data.target, u]));
    expect([...byTarget.keys()].sort()).toEqual(['n1.node.dc1.cairn', 'n2.node.dc1.cairn']);
    expect((byTarget.get('n1.node.dc1.cairn')!.record as SrvAnswer).data).toEqual({
      priority: 1,
      weight: 1,
      port: 8080,
      target: 'n1.node.dc1.cairn',
    });
    // n2 is warning: Weights.Warning.
    expect((byTarget.get('n2.node.dc1.cairn')!.record as SrvAnswer).data.weight).toBe(2);
    expect(byTarget.get('n2.node.dc1.cairn')!.additionals).toEqual([
      { type: 'A', name: 'n2.node.dc1.cairn', ttl: 7, data: '10.0.0.3' },
    ]);
    for (const u of set.answers) expect((u.record as SrvAnswer).ttl).toBe(7);
  });

  it('SRV of an instance with its own address targets <hex>.addr.<dc>.<domain>, which resolves', () => {
    const set = ask(fleet(), 'api.service.cairn', 'SRV');
    expect(srvs(set)).toEqual([{ priority: 1, weight: 1, port: 9000, target: '0a010101.addr.dc1.cairn' }]);
    expect(set.answers[0]!.additionals).toEqual([
      { type: 'A', name: '0a010101.addr.dc1.cairn', ttl: 0, data: '10.1.1.1' },
    ]);
    expect(datas(ask(fleet(), '0a010101.addr.dc1.cairn', 'A'))).toEqual(['10.1.1.1']);
  });

  it('IPv6: AAAA records, AAAA additionals, and a 32-digit .addr target', () => {
    const reg = new Registry().add('n1', 'v6', 'six', 'passing', { address: '2001:db8::1' });
    expect(datas(ask(reg, 'six.service.cairn', 'AAAA'))).toEqual(['2001:db8::1']);
    const set = ask(reg, 'six.service.cairn', 'SRV');
    const target = '20010db8000000000000000000000001.addr.dc1.cairn';
    expect(srvs(set)[0]!.target).toBe(target);
    expect(set.answers[0]!.additionals).toEqual([
      { type: 'AAAA', name: target, ttl: 0, data: '2001:db8::1' },
    ]);
    expect(datas(ask(reg, target, 'AAAA'))).toEqual(['2001:db8::1']);
    // IPv4 only: AAAA is NODATA (NOERROR, no answers, SOA), A of an IPv6-only service too.
    const nodata = ask(fleet(), 'web.service.cairn', 'AAAA');
    expect(nodata.rcode).toBe('NOERROR');
    expect(nodata.answers).toEqual([]);
    expect(nodata.authorities.map((a) => a.type)).toEqual(['SOA']);
    expect(ask(reg, 'six.service.cairn', 'A')).toMatchObject({ rcode: 'NOERROR', answers: [] });
  });

  it('TXT: the instances Meta as key=value (RFC 1464; rfc1035- keys give the value alone)', () => {
    expect(
      sorted(datas(ask(fleet(), 'web.service.cairn', 'TXT')).map((d) => (d as Buffer[]).join(''))),
    ).toEqual(['version=1', 'version=2']);
    expect(datas(ask(fleet(), 'api.service.cairn', 'TXT')).map((d) => (d as Buffer[]).join(''))).toEqual([
      'plain',
    ]);
    const long = new Registry().add('n1', 'x', 'x', 'passing', { meta: { k: 'v'.repeat(600) } });
    const chunks = datas(ask(long, 'x.service.cairn', 'TXT'))[0] as Buffer[];
    expect(chunks.map((c) => c.length)).toEqual([255, 255, 92]);
  });

  it('ANY: addresses, then TXT', () => {
    const types = records(ask(fleet(), 'web.service.cairn', 'ANY')).map((r) => r.type);
    expect(types).toEqual(['A', 'A', 'TXT', 'TXT']);
  });

  it('a type a service has no records of is NODATA; an unknown service or one with no healthy instance is NXDOMAIN', () => {
    expect(ask(fleet(), 'web.service.cairn', 'MX')).toMatchObject({ rcode: 'NOERROR', answers: [] });
    expect(ask(fleet(), 'nope.service.cairn', 'A').rcode).toBe('NXDOMAIN');
    const down = new Registry().add('n1', 'a', 'down', 'critical');
    expect(ask(down, 'down.service.cairn', 'A').rcode).toBe('NXDOMAIN');
    expect(ask(down, 'down.service.cairn', 'SRV').authorities[0]).toMatchObject({
      type: 'SOA',
      name: 'cairn',
    });
  });

  it('a critical node check takes every service on the node out', () => {
    const reg = fleet().nodeCheck('n1', 'critical');
    expect(datas(ask(reg, 'web.service.cairn', 'A'))).toEqual(['10.0.0.3']);
    expect(ask(reg, 'api.service.cairn', 'A').rcode).toBe('NXDOMAIN');
  });

  it('protection threshold: below it every instance is answered, critical ones included', () => {
    const reg = new Registry()
      .add('n1', 'a', 'pay', 'passing', { meta: { protection_threshold: '0.5' } })
      .add('n2', 'b', 'pay', 'critical')
      .add('n3', 'c', 'pay', 'critical');
    expect(sorted(datas(ask(reg, 'pay.service.cairn', 'A')))).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4']);
    // At or above it, only the healthy.
    reg.status('n2', 'b', 'passing');
    expect(sorted(datas(ask(reg, 'pay.service.cairn', 'A')))).toEqual(['10.0.0.2', '10.0.0.3']);
    // The server's default applies when no instance sets one.
    const plain = new Registry()
      .add('n1', 'a', 'q', 'passing')
      .add('n2', 'b', 'q', 'critical')
      .add('n3', 'c', 'q', 'critical');
    expect(datas(ask(plain, 'q.service.cairn', 'A'))).toEqual(['10.0.0.2']);
    expect(datas(ask(plain, 'q.service.cairn', 'A', { protectionThreshold: 0.5 }))).toHaveLength(3);
    // With the threshold off, a service with no healthy instance is NXDOMAIN.
    plain.status('n1', 'a', 'critical');
    expect(ask(plain, 'q.service.cairn', 'A').rcode).toBe('NXDOMAIN');
    expect(datas(ask(plain, 'q.service.cairn', 'A', { protectionThreshold: 0.1 }))).toHaveLength(3);
  });

  it('instances sharing an address give one A record; the answer limit caps the answers', () => {
    const reg = new Registry();
    for (let i = 0; i < 6; i++) reg.add('n1', `w${i}`, 'multi', 'passing', { port: 8000 + i });
    expect(datas(ask(reg, 'multi.service.cairn', 'A'))).toEqual(['10.0.0.2']);
    expect(
      srvs(ask(reg, 'multi.service.cairn', 'SRV'))
        .map((s) => s.port)
        .sort(),
    ).toEqual([8000, 8001, 8002, 8003, 8004, 8005]);
    expect(ask(reg, 'multi.service.cairn', 'SRV', { answerLimit: 2 }).answers).toHaveLength(2);
    expect(ask(fleet(), 'web.service.cairn', 'A', { answerLimit: 1 }).answers).toHaveLength(1);
  });

  it('service names are case-insensitive: a service registered as "Billing" answers billing.service', () => {
    const reg = new Registry().add('n1', 'b1', 'Billing', 'passing');
    expect(datas(ask(reg, 'billing.service.cairn', 'A'))).toEqual(['10.0.0.2']);
    expect(datas(ask(reg, 'BILLING.service.cairn', 'A'))).toEqual(['10.0.0.2']);
  });
});

describe('DNS answers: nodes, the domain, other names', () => {
  it('<node>.node: A, TXT from node meta, ANY; case-insensitive; unknown is NXDOMAIN', () => {
    expect(datas(ask(fleet(), 'n2.node.cairn', 'A'))).toEqual(['10.0.0.3']);
    expect(datas(ask(fleet(), 'N2.NODE.dc1.cairn', 'A'))).toEqual(['10.0.0.3']);
    expect(datas(ask(fleet(), 'n2.node.cairn', 'TXT')).map((d) => (d as Buffer[]).join(''))).toEqual([
      'rack=r-n2',
    ]);
    expect(records(ask(fleet(), 'n2.node.cairn', 'ANY')).map((r) => r.type)).toEqual(['A', 'TXT']);
    expect(ask(fleet(), 'n9.node.cairn', 'A').rcode).toBe('NXDOMAIN');
    expect(ask(fleet(), 'n2.node.cairn', 'SRV')).toMatchObject({ rcode: 'NOERROR', answers: [] });
    const mixed = new Registry().add('Web-Host.1', 'x', 'x', 'passing', {}, '10.3.3.3');
    expect(datas(ask(mixed, 'web-host.1.node.cairn', 'A'))).toEqual(['10.3.3.3']);
  });

  it('the domain: SOA and NS (with glue); other types NODATA', () => {
    const soa = ask(fleet(), 'cairn', 'SOA');
    expect(records(soa)).toEqual([
      {
        type: 'SOA',
        name: 'cairn',
        ttl: 0,
        data: {
          mname: 's1.node.dc1.cairn',
          rname: 'hostmaster.cairn',
          serial: 1_700_000_000,
          refresh: 3600,
          retry: 600,
          expire: 86400,
          minimum: 0,
        },
      },
    ]);
    const ns = ask(fleet(), 'cairn.', 'NS', { ttl: 30 });
    expect(ns.answers).toEqual([
      {
        record: { type: 'NS', name: 'cairn', ttl: 30, data: 's1.node.dc1.cairn' },
        additionals: [{ type: 'A', name: 's1.node.dc1.cairn', ttl: 30, data: '10.9.9.9' }],
      },
    ]);
    expect(records(ask(fleet(), 'cairn', 'ANY')).map((r) => r.type)).toEqual(['SOA', 'NS']);
    expect(ask(fleet(), 'cairn', 'A')).toMatchObject({ rcode: 'NOERROR', answers: [] });
  });

  it('consul. is an alias: same answers, names built in the domain the question used', () => {
    const set = ask(fleet(), 'api.service.consul', 'SRV');
    expect(srvs(set)[0]!.target).toBe('0a010101.addr.dc1.consul');
    expect(ask(fleet(), 'nope.service.consul', 'A').authorities[0]).toMatchObject({ name: 'consul' });
    // Another configured domain replaces cairn (consul stays).
    const custom = { domains: ['sd.example', 'consul'] };
    expect(ask(fleet(), 'api.service.cairn', 'A', custom).rcode).toBe('REFUSED');
    expect(datas(ask(fleet(), 'api.service.SD.example', 'A', custom))).toEqual(['10.1.1.1']);
  });

  it('names outside our domains are REFUSED (no recursion); zone transfers NOTIMP; bad names in ours NXDOMAIN', () => {
    for (const name of ['example.com', 'cairn.example.com', 'xcairn', '.', 'service']) {
      expect(ask(fleet(), name, 'A')).toMatchObject({ rcode: 'REFUSED', authoritative: false, answers: [] });
    }
    expect(ask(fleet(), 'cairn', 'AXFR').rcode).toBe('NOTIMP');
    for (const name of [
      'web.cairn',
      'service.cairn',
      'x.query.cairn',
      'zz.addr.cairn',
      '0a01010.addr.cairn',
      'a..service.cairn',
    ]) {
      expect(ask(fleet(), name, 'A').rcode, name).toBe('NXDOMAIN');
    }
  });
});

describe('DNS answers: ordering strategies (Meta.lb)', () => {
  function pool(lb: string | null, n = 4, over: (i: number) => object = () => ({})): Registry {
    const reg = new Registry();
    for (let i = 1; i <= n; i++) {
      reg.add(`n${i}`, `s${i}`, 'pool', 'passing', { meta: lb ? { lb } : {}, ...over(i) });
    }
    return reg;
  }

  it('shuffle (default): a permutation; the seed decides it; every instance comes first sometimes', () => {
    const reg = pool(null);
    const view = reg.view();
    const firsts = new Set<unknown>();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        const a = datas(
          buildAnswer({ name: 'pool.service.cairn', type: 'A' }, view, config(), context(seed)),
        );
        const b = datas(
          buildAnswer({ name: 'pool.service.cairn', type: 'A' }, view, config(), context(seed)),
        );
        expect(a, `seed ${seed}`).toEqual(b);
        expect(sorted(a), `seed ${seed}`).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5']);
        firsts.add(a[0]);
      }),
      { seed: 42, numRuns: 200 },
    );
    expect(firsts.size).toBe(4);
  });

  it('round_robin: each query starts one further along the same ring', () => {
    const reg = pool('round_robin');
    const view = reg.view();
    const balancer = new BalancerState();
    const answers = Array.from({ length: 8 }, (_, i) =>
      datas(buildAnswer({ name: 'pool.service.cairn', type: 'A' }, view, config(), context(i, balancer))),
    );
    const ring = answers[0]!;
    for (let i = 0; i < 8; i++) {
      expect(answers[i]).toEqual([...ring.slice(i % 4), ...ring.slice(0, i % 4)]);
    }
  });

  it('weighted: the first answer follows the weights (seeded, 4000 queries)', () => {
    const seed = 7;
    const reg = pool('weighted', 3, (i) => ({ weights: { passing: [1, 3, 6][i - 1]!, warning: 1 } }));
    const view = reg.view();
    const ctx = context(seed);
    const counts = new Map<unknown, number>();
    for (let q = 0; q < 4000; q++) {
      const first = datas(buildAnswer({ name: 'pool.service.cairn', type: 'A' }, view, config(), ctx))[0];
      counts.set(first, (counts.get(first) ?? 0) + 1);
    }
    const share = (ip: string) => (counts.get(ip) ?? 0) / 4000;
    expect(share('10.0.0.2'), `seed ${seed}`).toBeCloseTo(0.1, 1);
    expect(share('10.0.0.3'), `seed ${seed}`).toBeCloseTo(0.3, 1);
    expect(share('10.0.0.4'), `seed ${seed}`).toBeCloseTo(0.6, 1);
    // And SRV carries the weights for clients that pick by themselves.
    const w = srvs(buildAnswer({ name: 'pool.service.cairn', type: 'SRV' }, view, config(), ctx));
    expect(w.map((s) => s.weight).sort()).toEqual([1, 3, 6]);
  });

  it('weighted: weight 0 comes last', () => {
    const reg = pool('weighted', 3, (i) => ({ weights: { passing: i === 1 ? 0 : 1, warning: 1 } }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        const a = datas(ask(reg, 'pool.service.cairn', 'A', {}, context(seed)));
        expect(a[2], `seed ${seed}`).toBe('10.0.0.2');
      }),
      { seed: 3, numRuns: 100 },
    );
  });

  it('priority: A answers the most preferred group with healthy instances; SRV carries every group as SRV priority', () => {
    const reg = pool('priority', 4, (i) => ({ meta: { lb: 'priority', priority: i <= 2 ? '0' : '1' } }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        expect(sorted(datas(ask(reg, 'pool.service.cairn', 'A', {}, context(seed)))), `seed ${seed}`).toEqual(
          ['10.0.0.2', '10.0.0.3'],
        );
        const s = srvs(ask(reg, 'pool.service.cairn', 'SRV', {}, context(seed)));
        expect(s.map((x) => [x.target, x.priority]).slice(2), `seed ${seed}`).toEqual(
          expect.arrayContaining([['n3.node.dc1.cairn', 2]]),
        );
        expect(
          s.map((x) => x.priority),
          `seed ${seed}`,
        ).toEqual([1, 1, 2, 2]);
      }),
      { seed: 5, numRuns: 50 },
    );
    // The primaries fail: the backups answer.
    reg.status('n1', 's1', 'critical').status('n2', 's2', 'critical');
    expect(sorted(datas(ask(reg, 'pool.service.cairn', 'A')))).toEqual(['10.0.0.4', '10.0.0.5']);
    expect(srvs(ask(reg, 'pool.service.cairn', 'SRV')).map((x) => x.priority)).toEqual([2, 2]);
  });

  it('hash: a client keeps its instance; clients spread over instances', () => {
    const reg = pool('hash', 4);
    const firstFor = (client: string) =>
      datas(ask(reg, 'pool.service.cairn', 'A', {}, { ...context(), clientKey: client }))[0];
    const picks = new Set<unknown>();
    for (let c = 0; c < 64; c++) {
      const client = `192.0.2.${c}`;
      const first = firstFor(client);
      expect(firstFor(client)).toBe(first);
      picks.add(first);
    }
    expect(picks.size).toBeGreaterThan(1);
  });

  it('an unknown Meta.lb is the default shuffle', () => {
    const reg = pool('fastest');
    const seen = new Set<unknown>();
    for (let s = 0; s < 50; s++) seen.add(datas(ask(reg, 'pool.service.cairn', 'A', {}, context(s)))[0]);
    expect(seen.size).toBeGreaterThan(1);
  });

  it('ordering never changes which records are answered (any strategy, any seed)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('shuffle', 'weighted', 'round_robin', 'least_load', 'hash', null),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (lb, n, seed) => {
          const reg = pool(lb, n);
          const got = sorted(datas(ask(reg, 'pool.service.cairn', 'A', {}, context(seed))));
          const want = sorted(Array.from({ length: n }, (_, i) => `10.0.0.${i + 2}`));
          expect(got, `lb ${lb} n ${n} seed ${seed}`).toEqual(want);
        },
      ),
      { seed: 11, numRuns: 60 },
    );
  });

  it('the seeded random source is the only randomness (same seed, same answers)', () => {
    const r1 = mulberry32(99);
    const r2 = mulberry32(99);
    const reg = pool(null, 6);
    for (let i = 0; i < 10; i++) {
      const a = datas(ask(reg, 'pool.service.cairn', 'SRV', {}, { ...context(), random: r1 }));
      const b = datas(ask(reg, 'pool.service.cairn', 'SRV', {}, { ...context(), random: r2 }));
      expect(a).toEqual(b);
    }
  });
});

describe('DNS answers: reverse names (PTR)', () => {
  /**
   * n1 (10.0.0.2) runs web-1 at its node's address and api-1 at 10.1.1.1; n2 (10.0.0.3) runs a
   * critical web-2; db-1 and cache-1 share 10.7.7.7 on n3; v6-1 has an IPv6 address of its own.
   */
  function fleet(): Registry {
    return new Registry()
      .add('n1', 'web-1', 'web')
      .add('n1', 'api-1', 'api', 'passing', { address: '10.1.1.1' })
      .add('n2', 'web-2', 'web', 'critical')
      .add('n3', 'db-1', 'db', 'passing', { address: '10.7.7.7' })
      .add('n3', 'cache-1', 'cache', 'passing', { address: '10.7.7.7' })
      .add('n3', 'v6-1', 'v6', 'passing', { address: '2001:db8::7' });
  }
  const v6 = `7.${'0.'.repeat(23)}8.b.d.0.1.0.0.2.ip6.arpa`;

  it("a node's address names the node, <node>.node.<dc>.<domain>, owned by the question", () => {
    const set = ask(fleet(), '2.0.0.10.in-addr.arpa', 'PTR');
    expect(set.rcode).toBe('NOERROR');
    expect(set.authoritative).toBe(true);
    expect(records(set)).toEqual([
      { type: 'PTR', name: '2.0.0.10.in-addr.arpa', ttl: 0, data: 'n1.node.dc1.cairn' },
    ]);
    expect(set.authorities).toEqual([]);
    // Health does not matter: n2 only has a critical instance.
    expect(datas(ask(fleet(), '3.0.0.10.In-Addr.Arpa.', 'PTR'))).toEqual(['n2.node.dc1.cairn']);
  });

  it("an instance's own address names its service, <service>.service.<dc>.<domain>", () => {
    expect(datas(ask(fleet(), '1.1.1.10.in-addr.arpa', 'PTR'))).toEqual(['api.service.dc1.cairn']);
    expect(datas(ask(fleet(), v6, 'PTR'))).toEqual(['v6.service.dc1.cairn']);
    // Two services at one address: one name, the first by name (as Consul answers one).
    expect(datas(ask(fleet(), '7.7.7.10.in-addr.arpa', 'PTR'))).toEqual(['cache.service.dc1.cairn']);
  });

  it('a node at the address wins over the instances there', () => {
    const reg = fleet().add('n9', 'x-1', 'x', 'passing', {}, '10.1.1.1');
    expect(datas(ask(reg, '1.1.1.10.in-addr.arpa', 'PTR'))).toEqual(['n9.node.dc1.cairn']);
  });

  it('names are in the configured domain, with its TTLs: --dns-ttl for nodes, --dns-service-ttl for services', () => {
    const over = { domains: ['sd.example', 'consul'], ttl: 5, serviceTtl: 30 };
    expect(records(ask(fleet(), '2.0.0.10.in-addr.arpa', 'PTR', over))).toMatchObject([
      { ttl: 5, data: 'n1.node.dc1.sd.example' },
    ]);
    expect(records(ask(fleet(), '1.1.1.10.in-addr.arpa', 'PTR', over))).toMatchObject([
      { ttl: 30, data: 'api.service.dc1.sd.example' },
    ]);
    expect(datas(ask(fleet(), '2.0.0.10.in-addr.arpa', 'PTR', { domains: ['consul'] }))).toEqual([
      'n1.node.dc1.consul',
    ]);
  });

  it('an address nobody has is NXDOMAIN with the SOA of its reverse zone', () => {
    for (const [name, zone] of [
      ['5.0.0.127.in-addr.arpa', 'in-addr.arpa'],
      ['8.0.0.10.in-addr.arpa', 'in-addr.arpa'],
      [`8.${v6.slice(2)}`, 'ip6.arpa'],
      // Not as an address is written: no leading zeros, no more labels than an address has.
      ['02.0.0.10.in-addr.arpa', 'in-addr.arpa'],
      ['1.2.0.0.10.in-addr.arpa', 'in-addr.arpa'],
      ['x.in-addr.arpa', 'in-addr.arpa'],
    ]) {
      const set = ask(fleet(), name!, 'PTR');
      expect(set.rcode, name).toBe('NXDOMAIN');
      expect(set.answers, name).toEqual([]);
      expect(set.authorities, name).toMatchObject([
        { type: 'SOA', name: zone, data: { rname: 'hostmaster.cairn', mname: 's1.node.dc1.cairn' } },
      ]);
    }
  });

  it('another type at a known address, and the names above addresses, are NODATA; the zone answers its SOA', () => {
    for (const [name, type] of [
      ['2.0.0.10.in-addr.arpa', 'A'],
      ['2.0.0.10.in-addr.arpa', 'TXT'],
      ['0.0.10.in-addr.arpa', 'PTR'],
      ['10.in-addr.arpa', 'PTR'],
      [v6.slice(2), 'PTR'],
      ['in-addr.arpa', 'NS'],
    ]) {
      const set = ask(fleet(), name!, type!);
      expect([set.rcode, set.answers.length], `${name} ${type}`).toEqual(['NOERROR', 0]);
      expect(set.authorities.map((a) => a.type)).toEqual(['SOA']);
    }
    expect(records(ask(fleet(), 'in-addr.arpa', 'SOA'))).toMatchObject([
      { type: 'SOA', name: 'in-addr.arpa' },
    ]);
    expect(records(ask(fleet(), '2.0.0.10.in-addr.arpa', 'ANY')).map((r) => r.type)).toEqual(['PTR']);
    expect(ask(fleet(), '2.0.0.10.in-addr.arpa', 'AXFR').rcode).toBe('NOTIMP');
  });

  it('follows the registry: a deregistered address is NXDOMAIN again', () => {
    const reg = fleet();
    const view = reg.view();
    const q = { name: '1.1.1.10.in-addr.arpa', type: 'PTR' };
    expect(buildAnswer(q, view, config(), context()).rcode).toBe('NOERROR');
    reg.state.apply(
      // Through the state machine, as a replicated deregistration would.
      encodeCommand({ type: 'deregisterService', node: 'n1', serviceId: 'api-1' }),
      100,
    );
    expect(buildAnswer(q, view, config(), context()).rcode).toBe('NXDOMAIN');
  });

  it('the view keeps its reverse index across check status changes and rebuilds it on registrations', () => {
    const reg = fleet();
    const view = reg.view();
    const first = view.reverse();
    reg.status('n1', 'api-1', 'critical');
    expect(view.reverse()).toBe(first);
    reg.add('n4', 'api-2', 'api', 'passing', { address: '10.1.1.2' });
    const second = view.reverse();
    expect(second).not.toBe(first);
    expect(second.owners.get('2.1.1.10.in-addr.arpa')).toEqual({ nodes: [], services: ['api'] });
    expect(second.owners.get('5.0.0.10.in-addr.arpa')).toEqual({ nodes: ['n4'], services: [] });
    // Every name between each address and its zone, the zones included.
    expect([...second.ancestors].sort()).toEqual(
      [
        '0.0.10.in-addr.arpa',
        '0.10.in-addr.arpa',
        '1.1.10.in-addr.arpa',
        '1.10.in-addr.arpa',
        '10.in-addr.arpa',
        '7.10.in-addr.arpa',
        '7.7.10.in-addr.arpa',
        'in-addr.arpa',
        ...ip6Ancestors(),
      ].sort(),
    );
  });

  /** The names between 2001:db8::7 and ip6.arpa, ip6.arpa included. */
  function ip6Ancestors(): string[] {
    const labels = v6.split('.');
    return labels.slice(1, -1).map((_, i) => labels.slice(i + 1).join('.'));
  }

  it('names that could not be asked back are skipped: a node name with a space, a service name with a dot', () => {
    const reg = new Registry()
      .add('bad node', 'a-1', 'a', 'passing', {}, '10.5.5.5')
      .add('n1', 'b-1', 'svc.with.dot', 'passing', { address: '10.6.6.6' });
    const nodata = ask(reg, '5.5.5.10.in-addr.arpa', 'PTR');
    expect([nodata.rcode, nodata.answers.length]).toEqual(['NOERROR', 0]);
    expect(ask(reg, '6.6.6.10.in-addr.arpa', 'PTR').answers).toEqual([]);
  });
});
