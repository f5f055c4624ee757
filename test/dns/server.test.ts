import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsServer } from '../../src/dns/index.js';
import { frame, query, tcpExchange, UdpClient } from './clients.js';
import { config, mulberry32, Registry } from './support.js';

const SEED = Number(process.env.DNS_FUZZ_SEED ?? 20260101);

describe('DNS server over UDP and TCP', () => {
  const reg = new Registry().add('n1', 'web-1', 'web').add('n2', 'web-2', 'web');
  let server: DnsServer;

  beforeAll(async () => {
    server = new DnsServer({
      host: '127.0.0.1',
      port: 0,
      view: reg.view(),
      config: config(),
      tcpIdleMs: 2_000,
    });
    await server.start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers the same question alike over UDP and TCP', async () => {
    const udp = await UdpClient.open();
    udp.send(query(1), server.port);
    await udp.waitFor([1]);
    await udp.close();
    const [tcp] = await tcpExchange(server.port, [frame(query(1))], 1);
    const a = dnsPacket.decode(udp.replies.get(1)!);
    const b = dnsPacket.decode(tcp!);
    const data = (p: typeof a) => (p.answers ?? []).map((x) => ('data' in x ? String(x.data) : '')).sort();
    expect(data(a)).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(data(b)).toEqual(['10.0.0.2', '10.0.0.3']);
  });

  it(`fuzz (seed ${SEED}): random and truncated datagrams; every valid query between them is answered`, async () => {
    const random = mulberry32(SEED);
    const udp = await UdpClient.open();
    const validIds: number[] = [];
    const base = query(0, 'web.service.cairn', 'SRV');
    for (let i = 0; i < 600; i++) {
      if (i % 10 === 0) {
        const id = 10_000 + i;
        validIds.push(id);
        udp.send(query(id, 'web.service.cairn', 'SRV'), server.port);
        continue;
      }
      let msg: Buffer;
      if (random() < 0.5) {
        msg = Buffer.from(
          Array.from({ length: Math.floor(random() * 700) }, () => Math.floor(random() * 256)),
        );
      } else {
        msg = Buffer.from(base.subarray(0, Math.floor(random() * base.length)));
        for (let f = 0; f < 3; f++)
          if (msg.length > 0) msg[Math.floor(random() * msg.length)] = Math.floor(random() * 256);
      }
      // Keep the fuzz ids clear of the valid ones.
      if (msg.length >= 2) msg.writeUInt16BE(Math.floor(random() * 9_999), 0);
      udp.send(msg, server.port);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await udp.waitFor(validIds);
    await udp.close();
    const missing = validIds.filter((id) => !udp.replies.has(id));
    expect(missing, `seed ${SEED}`).toEqual([]);
    for (const id of validIds) {
      const p = dnsPacket.decode(udp.replies.get(id)!);
      expect(p.answers?.length, `seed ${SEED}`).toBe(2);
    }
  });

  it(`fuzz (seed ${SEED}): garbage frames, cut frames and half-open connections over TCP`, async () => {
    const random = mulberry32(SEED + 1);
    const attempts: Promise<Buffer[]>[] = [];
    const damaged: { id: number; replies: Promise<Buffer[]> }[] = [];
    for (let c = 0; c < 40; c++) {
      const kind = c % 4;
      let bytes: Buffer;
      if (kind === 0) {
        // Random bytes: the length prefix is random too.
        bytes = Buffer.from(
          Array.from({ length: 1 + Math.floor(random() * 300) }, () => Math.floor(random() * 256)),
        );
      } else if (kind === 1) {
        // A frame that promises more than it sends, then nothing (the idle timeout ends it).
        const q = frame(query(c));
        bytes = q.subarray(0, 1 + Math.floor(random() * (q.length - 2)));
      } else if (kind === 2) {
        // A well-framed message with damaged content.
        const q = Buffer.from(query(c));
        for (let f = 0; f < 4; f++)
          q[12 + Math.floor(random() * (q.length - 12))] = Math.floor(random() * 256);
        bytes = frame(q);
      } else {
        // Tiny frames (shorter than a header) close the connection.
        bytes = frame(Buffer.from([1, 2, 3]));
      }
      const replies = tcpExchange(server.port, [bytes], 1, 3_000);
      attempts.push(replies);
      if (kind === 2) damaged.push({ id: c, replies });
    }
    await Promise.all(attempts);
    // A framed message whose header survived is answered (FORMERR, NXDOMAIN, ...), with its id.
    for (const d of damaged) {
      expect(
        (await d.replies).map((r) => r.readUInt16BE(0)),
        `seed ${SEED}`,
      ).toEqual([d.id]);
    }
    // Pipelined valid queries on one connection after all that: every one answered, in order.
    const ids = [501, 502, 503, 504, 505];
    const replies = await tcpExchange(
      server.port,
      [Buffer.concat(ids.map((id) => frame(query(id, 'web.service.cairn', 'SRV'))))],
      ids.length,
    );
    expect(
      replies.map((r) => r.readUInt16BE(0)),
      `seed ${SEED}`,
    ).toEqual(ids);
    // A query split across many writes is reassembled.
    const q = frame(query(900));
    const pieces = Array.from(q, (b) => Buffer.from([b]));
    const [split] = await tcpExchange(server.port, pieces, 1);
    expect(split?.readUInt16BE(0)).toBe(900);
  });

  it('a port already in use: start rejects naming it and leaves nothing bound', async () => {
    const other = new DnsServer({ host: '127.0.0.1', port: server.port, view: reg.view(), config: config() });
    await expect(other.start()).rejects.toThrow(new RegExp(`DNS on 127.0.0.1:${server.port}: .*EADDRINUSE`));
    // The first server still answers.
    const [r] = await tcpExchange(server.port, [frame(query(77))], 1);
    expect(r?.readUInt16BE(0)).toBe(77);
  });
});
