import dnsPacket, { type Answer, type DecodedPacket, type OptAnswer, type SrvAnswer } from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AnswerConfig,
  handleQuery,
  PreparedCache,
  type Reply,
  type Transport,
  udpLimit,
} from '../../src/dns/index.js';
import { config, context, Registry } from './support.js';

interface QueryOptions {
  readonly id?: number;
  /** EDNS0 payload size; absent: no OPT record. */
  readonly edns?: number;
  readonly ednsVersion?: number;
  readonly flags?: number;
  readonly klass?: 'IN' | 'CH' | 'ANY';
}

function query(name: string, type: string, o: QueryOptions = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: o.id ?? 4321,
    flags: o.flags ?? dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as 'A', class: o.klass ?? 'IN' }],
    additionals:
      o.edns === undefined
        ? []
        : [
            {
              type: 'OPT',
              name: '.',
              udpPayloadSize: o.edns,
              extendedRcode: 0,
              ednsVersion: o.ednsVersion ?? 0,
              flags: 0,
              flag_do: false,
              options: [],
            },
          ],
  });
}

/** `n` instances of `big`, each on its own node. */
function big(n: number): Registry {
  const reg = new Registry();
  for (let i = 0; i < n; i++)
    reg.add(`node-${i}`, `big-${i}`, 'big', 'passing', {}, `10.${i >> 8}.${i & 255}.7`);
  return reg;
}

function answer(
  reg: Registry,
  msg: Buffer,
  transport: Transport = 'udp',
  over: Partial<AnswerConfig> = {},
): Reply {
  const r = handleQuery(msg, transport, reg.view(), config(over), context());
  if (r === null) throw new Error('no reply');
  return r;
}

function decode(r: Reply): DecodedPacket & { rcode?: string } {
  return dnsPacket.decode(r.bytes) as DecodedPacket & { rcode?: string };
}

function opt(p: DecodedPacket): OptAnswer | undefined {
  return (p.additionals ?? []).find((a): a is OptAnswer => a.type === 'OPT');
}

/** Every SRV answer's target has an address record in the additional section. */
function targetsResolve(p: DecodedPacket): boolean {
  const addressed = new Set((p.additionals ?? []).filter((a) => a.type === 'A').map((a) => a.name));
  return (p.answers ?? []).every((a) => a.type !== 'SRV' || addressed.has((a as SrvAnswer).data.target));
}

describe('DNS messages', () => {
  const reg = new Registry().add('n1', 'web-1', 'web').add('n2', 'web-2', 'web');

  it('a reply echoes the id, the question bytes and RD; sets QR and AA; never RA', () => {
    const q = query('Web.Service.cairn', 'A', { id: 777 });
    const r = answer(reg, q);
    const p = decode(r);
    expect(p.id).toBe(777);
    expect(r.bytes.subarray(12, 12 + (q.length - 12))).toEqual(q.subarray(12));
    expect([p.flag_qr, p.flag_aa, p.flag_rd, p.flag_ra, p.flag_tc]).toEqual([true, true, true, false, false]);
    expect(p.rcode).toBe('NOERROR');
    expect(p.answers?.map((a) => a.name)).toEqual(['Web.Service.cairn', 'Web.Service.cairn']);
    expect(r).toMatchObject({ rcode: 'NOERROR', qtype: 'A', truncated: false });
    const norec = decode(answer(reg, query('web.service.cairn', 'A', { flags: 0 })));
    expect(norec.flag_rd).toBe(false);
  });

  it('NXDOMAIN and NODATA carry the SOA in the authority section; REFUSED is not authoritative', () => {
    const nx = decode(answer(reg, query('nope.service.cairn', 'A')));
    expect(nx.rcode).toBe('NXDOMAIN');
    expect(nx.authorities?.map((a) => a.type)).toEqual(['SOA']);
    const nodata = decode(answer(reg, query('web.service.cairn', 'AAAA')));
    expect([nodata.rcode, nodata.answers?.length, nodata.authorities?.length]).toEqual(['NOERROR', 0, 1]);
    const refused = decode(answer(reg, query('example.com', 'A')));
    expect([refused.rcode, refused.flag_aa, refused.answers?.length]).toEqual(['REFUSED', false, 0]);
  });

  it('UDP without EDNS0: at most 512 bytes, TC set, whole SRV+A pairs; the same over TCP is complete', () => {
    const reg40 = big(40);
    const udp = answer(reg40, query('big.service.cairn', 'SRV'));
    expect(udp.bytes.length).toBeLessThanOrEqual(512);
    const p = decode(udp);
    expect(p.flag_tc).toBe(true);
    expect(udp.truncated).toBe(true);
    expect(p.answers!.length).toBeGreaterThan(0);
    expect(p.answers!.length).toBeLessThan(40);
    expect(p.additionals!.length).toBe(p.answers!.length);
    expect(targetsResolve(p)).toBe(true);
    const tcp = decode(answer(reg40, query('big.service.cairn', 'SRV'), 'tcp'));
    expect([tcp.flag_tc, tcp.answers!.length, tcp.additionals!.length]).toEqual([false, 40, 40]);
    expect(targetsResolve(tcp)).toBe(true);
  });

  it('UDP with EDNS0: up to the advertised size (below 512 counts as 512), OPT echoed', () => {
    const reg40 = big(40);
    const small = decode(answer(reg40, query('big.service.cairn', 'SRV')));
    const r = answer(reg40, query('big.service.cairn', 'SRV', { edns: 1232 }));
    expect(r.bytes.length).toBeLessThanOrEqual(1232);
    const p = decode(r);
    expect(p.answers!.length).toBeGreaterThan(small.answers!.length);
    expect(p.flag_tc).toBe(true);
    expect(opt(p)).toMatchObject({ udpPayloadSize: 4096, ednsVersion: 0 });
    const all = decode(answer(reg40, query('big.service.cairn', 'SRV', { edns: 8192 })));
    expect([all.flag_tc, all.answers!.length]).toEqual([false, 40]);
    const tiny = answer(reg40, query('big.service.cairn', 'SRV', { edns: 100 }));
    expect(tiny.bytes.length).toBeLessThanOrEqual(512);
    expect(tiny.bytes.length).toBeGreaterThan(400);
    expect(opt(decode(answer(reg40, query('big.service.cairn', 'SRV'))))).toBeUndefined();
  });

  it('any instance count, EDNS size and transport: within the limit, TC exactly when answers were left out', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 150 }),
        fc.option(fc.integer({ min: 0, max: 9000 }), { nil: undefined }),
        fc.constantFrom<Transport>('udp', 'tcp'),
        fc.constantFrom('SRV', 'A', 'ANY'),
        (n, edns, transport, type) => {
          const r = answer(
            big(n),
            query('big.service.cairn', type, edns === undefined ? {} : { edns }),
            transport,
          );
          const limit =
            transport === 'tcp' ? 65535 : edns === undefined ? 512 : Math.min(4096, Math.max(512, edns));
          const p = decode(r);
          const label = `n ${n} edns ${edns} ${transport} ${type}`;
          expect(r.bytes.length, label).toBeLessThanOrEqual(limit);
          expect(p.flag_tc, label).toBe(p.answers!.length < n);
          expect(targetsResolve(p), label).toBe(true);
          expect(opt(p) !== undefined, label).toBe(edns !== undefined);
          if (transport === 'tcp') expect(p.answers!.length, label).toBe(n);
        },
      ),
      { seed: 20, numRuns: 80 },
    );
  });

  it('UDP answer limit: a 65535-byte EDNS0 buffer still gets at most the cap, TC set, whole records', () => {
    const reg = big(500);
    const q = query('big.service.cairn', 'SRV', { edns: 65535 });
    for (const cap of [512, 1232, 4096]) {
      const r = answer(reg, q, 'udp', { udpAnswerLimit: cap });
      expect(r.bytes.length, `cap ${cap}`).toBeLessThanOrEqual(cap);
      // Close to the cap: records are left out only when the next whole one does not fit.
      expect(r.bytes.length, `cap ${cap}`).toBeGreaterThan(cap - 100);
      expect([r.truncated, r.capped], `cap ${cap}`).toEqual([true, true]);
      // Decodable: every record is whole; every SRV kept has its address record.
      const p = decode(r);
      expect(p.flag_tc, `cap ${cap}`).toBe(true);
      expect(p.answers!.length, `cap ${cap}`).toBeGreaterThan(0);
      expect(p.answers!.every((a) => a.type === 'SRV')).toBe(true);
      expect(p.additionals!.filter((a) => a.type === 'A').length).toBe(p.answers!.length);
      expect(targetsResolve(p), `cap ${cap}`).toBe(true);
      expect(opt(p)).toMatchObject({ udpPayloadSize: 4096 });
    }
    // The default cap is 4096 bytes; TCP is not capped and carries all 500.
    const def = answer(reg, q);
    expect([def.bytes.length <= 4096, def.truncated]).toEqual([true, true]);
    const tcp = answer(reg, q, 'tcp');
    expect([decode(tcp).answers!.length, tcp.truncated, tcp.capped]).toEqual([500, false, false]);
  });

  it('UDP answer limit: not "capped" when the client asked for less, or when everything fit', () => {
    const reg = big(500);
    const small = answer(reg, query('big.service.cairn', 'SRV', { edns: 1232 }), 'udp', {
      udpAnswerLimit: 4096,
    });
    expect([small.truncated, small.capped]).toEqual([true, false]);
    const plain = answer(reg, query('big.service.cairn', 'SRV'), 'udp', { udpAnswerLimit: 4096 });
    expect([plain.bytes.length <= 512, plain.truncated, plain.capped]).toEqual([true, true, false]);
    const fits = answer(big(3), query('big.service.cairn', 'SRV', { edns: 65535 }), 'udp', {
      udpAnswerLimit: 512,
    });
    expect([fits.truncated, fits.capped]).toEqual([false, false]);
  });

  it('udpLimit: 512 without EDNS0, the advertised size (at least 512) with it, never above the cap', () => {
    expect(udpLimit(null, 4096)).toBe(512);
    expect(udpLimit({ udpPayloadSize: 100 }, 4096)).toBe(512);
    expect(udpLimit({ udpPayloadSize: 1232 }, 4096)).toBe(1232);
    expect(udpLimit({ udpPayloadSize: 65535 }, 4096)).toBe(4096);
    expect(udpLimit({ udpPayloadSize: 65535 }, 512)).toBe(512);
    expect(udpLimit({ udpPayloadSize: 65535 }, 65535)).toBe(65535);
  });

  it('the answer limit trims without TC', () => {
    const r = answer(big(10), query('big.service.cairn', 'A'), 'udp', { answerLimit: 3 });
    const p = decode(r);
    expect([p.answers!.length, p.flag_tc, r.truncated]).toEqual([3, false, false]);
  });

  it('malformed: too short or a response is dropped; undecodable or not one question is FORMERR', () => {
    const ok = query('web.service.cairn', 'A', { id: 99 });
    expect(handleQuery(ok.subarray(0, 11), 'udp', reg.view(), config(), context())).toBeNull();
    const response = Buffer.from(ok);
    response[2]! |= 0x80;
    expect(handleQuery(response, 'udp', reg.view(), config(), context())).toBeNull();
    const noQuestion = Buffer.from(ok.subarray(0, 12));
    noQuestion.writeUInt16BE(0, 4);
    const two = dnsPacket.encode({
      type: 'query',
      id: 99,
      questions: [
        { type: 'A', name: 'a.service.cairn' },
        { type: 'A', name: 'b.service.cairn' },
      ],
    });
    const cut = ok.subarray(0, ok.length - 3);
    const pointer = Buffer.concat([ok.subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]);
    for (const [what, msg] of [
      ['no question', noQuestion],
      ['two questions', two],
      ['cut short', cut],
      ['pointer loop', pointer],
    ] as const) {
      const r = answer(reg, msg);
      const p = decode(r);
      expect([r.rcode, p.rcode, p.id, p.flag_qr], what).toEqual(['FORMERR', 'FORMERR', 99, true]);
    }
  });

  it('other opcodes NOTIMP; an EDNS version above 0 BADVERS; classes other than IN REFUSED', () => {
    const status = query('web.service.cairn', 'A', { flags: 2 << 11 });
    expect(decode(answer(reg, status)).rcode).toBe('NOTIMP');
    const v1 = answer(reg, query('web.service.cairn', 'A', { edns: 1232, ednsVersion: 1 }));
    expect(v1.rcode).toBe('BADVERS');
    const p = decode(v1);
    expect([p.rcode, opt(p)?.extendedRcode, p.answers?.length]).toEqual(['NOERROR', 1, 0]);
    expect(decode(answer(reg, query('version.bind', 'TXT', { klass: 'CH' }))).rcode).toBe('REFUSED');
    expect(decode(answer(reg, query('web.service.cairn', 'A', { klass: 'ANY' }))).answers).toHaveLength(2);
  });

  it('labels that are not text: NXDOMAIN in our domain, REFUSED elsewhere', () => {
    const raw = (labels: Buffer[]) =>
      Buffer.concat([
        Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]),
        ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), l])),
        Buffer.from([0, 0, 1, 0, 1]),
      ]);
    const bad = Buffer.from([0xff, 0xfe, 0x2e]);
    const inOurs = answer(reg, raw([bad, Buffer.from('service'), Buffer.from('cairn')]));
    expect([inOurs.rcode, decode(inOurs).authorities?.length]).toEqual(['NXDOMAIN', 1]);
    const dotted = answer(reg, raw([Buffer.from('web.x'), Buffer.from('service'), Buffer.from('cairn')]));
    expect(dotted.rcode).toBe('NXDOMAIN');
    expect(answer(reg, raw([bad, Buffer.from('example')])).rcode).toBe('REFUSED');
  });

  it('fuzz: random bytes and damaged queries never throw; every reply decodes with the query id', () => {
    const valid = [
      query('web.service.cairn', 'SRV', { edns: 1232 }),
      query('_web._tcp.service.consul', 'SRV'),
      query('n1.node.cairn', 'ANY'),
      query('cairn', 'NS', { edns: 512 }),
    ];
    const damaged = fc
      .tuple(
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
      )
      .map(([q, flips, cutAt]) => {
        const b = Buffer.from(q);
        for (const [at, v] of flips) b[at % b.length] = v;
        return b.subarray(0, 12 + (cutAt % (b.length - 11)));
      });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
          damaged,
        ),
        (msg) => {
          const r = handleQuery(msg, 'udp', reg.view(), config(), context());
          if (r === null) return;
          const p = dnsPacket.decode(r.bytes);
          expect(p.id).toBe(msg.readUInt16BE(0));
          expect(p.type).toBe('response');
          expect(r.bytes.length).toBeLessThanOrEqual(65535);
        },
      ),
      { seed: 33, numRuns: 3000 },
    );
  });

  it('prepared answers are kept per registry version: a status change is seen by the next query', () => {
    const r = new Registry().add('n1', 'a', 'svc').add('n2', 'b', 'svc');
    const view = r.view();
    const cache = new PreparedCache();
    const ask = (name: string) => {
      const reply = handleQuery(query(name, 'A'), 'udp', view, config(), context(), cache);
      return dnsPacket.decode(reply!.bytes).answers!;
    };
    expect(
      ask('svc.service.cairn')
        .map((a) => ('data' in a ? a.data : ''))
        .sort(),
    ).toEqual(['10.0.0.2', '10.0.0.3']);
    // Another case shares the prepared answer, yet each reply is owned by its own question.
    expect(ask('SVC.Service.cairn').map((a) => a.name)).toEqual(['SVC.Service.cairn', 'SVC.Service.cairn']);
    r.status('n1', 'a', 'critical');
    expect(ask('svc.service.cairn').map((a) => ('data' in a ? a.data : ''))).toEqual(['10.0.0.3']);
    r.status('n2', 'b', 'critical');
    const gone = handleQuery(query('svc.service.cairn', 'A'), 'udp', view, config(), context(), cache);
    expect(gone?.rcode).toBe('NXDOMAIN');
  });

  it('answers own the question name through a compression pointer; two instances on a node share one glue record', () => {
    const r = new Registry()
      .add('n1', 'a', 'pair', 'passing', { port: 1 })
      .add('n1', 'b', 'pair', 'passing', { port: 2 });
    const reply = answer(r, query('pair.service.cairn', 'SRV'));
    const p = decode(reply);
    expect(p.answers).toHaveLength(2);
    expect(p.additionals).toHaveLength(1);
    // The first answer starts right after the question with the pointer 0xc00c.
    const qlen = query('pair.service.cairn', 'SRV').length - 12;
    expect(reply.bytes.readUInt16BE(12 + qlen)).toBe(0xc00c);
  });

  it('records: every answer and additional is well formed for dns-packet', () => {
    const p = decode(answer(big(5), query('big.service.cairn', 'SRV', { edns: 4096 })));
    const all: Answer[] = [...(p.answers ?? []), ...(p.additionals ?? [])];
    expect(all.filter((a) => a.type === 'SRV')).toHaveLength(5);
    expect(all.filter((a) => a.type === 'A')).toHaveLength(5);
  });
});
