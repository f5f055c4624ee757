import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { DnsServer, type DnsServerOptions } from '../../src/dns/index.js';
import { dig } from '../support/dig.js';
import { CountingObserver, eventually, frame, query, TcpClient, UdpClient } from './clients.js';
import { config, Registry } from './support.js';

/** `n` instances of `big`, each on its own node (an SRV answer and an A record per instance). */
function big(n: number): Registry {
  const reg = new Registry().add('n1', 'web-1', 'web');
  for (let i = 0; i < n; i++)
    reg.add(`node-${i}`, `big-${i}`, 'big', 'passing', {}, `10.${i >> 8}.${i & 255}.7`);
  return reg;
}

function decode(b: Buffer): DecodedPacket & { rcode?: string } {
  return dnsPacket.decode(b) as DecodedPacket & { rcode?: string };
}

/** Real DnsServer instances on 127.0.0.1 (clients from other 127/8 addresses are other sources). */
describe('DNS server limits', () => {
  const servers: DnsServer[] = [];
  const clients: (TcpClient | UdpClient)[] = [];

  async function start(
    reg: Registry,
    over: Partial<DnsServerOptions> = {},
  ): Promise<{ server: DnsServer; seen: CountingObserver }> {
    const seen = new CountingObserver();
    const server = new DnsServer({
      host: '127.0.0.1',
      port: 0,
      view: reg.view(),
      config: config(),
      metrics: seen,
      ...over,
    });
    await server.start();
    servers.push(server);
    return { server, seen };
  }

  async function tcp(port: number, from = '127.0.0.1'): Promise<TcpClient> {
    const c = await TcpClient.open(port, from);
    clients.push(c);
    return c;
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) {
      if (c instanceof TcpClient) c.destroy();
      else await c.close();
    }
    for (const s of servers.splice(0)) await s.stop();
  });

  it('amplification: an SRV query with a 65535-byte EDNS0 buffer gets at most 4096 bytes with TC; TCP gets all', async () => {
    const { server, seen } = await start(big(500));
    const q = query(7, 'big.service.cairn', 'SRV', 65535);
    const udp = await UdpClient.open();
    clients.push(udp);
    udp.send(q, server.port);
    await udp.waitFor([7]);
    const reply = udp.replies.get(7);
    expect(reply).toBeDefined();
    expect(reply!.length).toBeLessThanOrEqual(4096);
    const p = decode(reply!);
    expect(p.flag_tc).toBe(true);
    expect(p.answers!.length).toBeGreaterThan(0);
    expect(p.answers!.length).toBeLessThan(500);
    expect(seen.limit('udp', 'udp_answer_limit')).toBe(1);
    expect(seen.truncated).toBe(1);

    // dig sees the same, and its retry over TCP (or +tcp) carries all 500 with their addresses.
    // (dig 9.18 sends its default 1232 for a +bufsize of 32768 or more, so dig asks for 32767.)
    const capped = await dig(server.port, ['+bufsize=32767', '+ignore', 'big.service.cairn', 'SRV']);
    expect(capped.flags).toContain('tc');
    const size = Number(/MSG SIZE\s+rcvd: (\d+)/.exec(capped.stdout)?.[1]);
    expect(size).toBeGreaterThan(0);
    expect(size).toBeLessThanOrEqual(4096);
    const full = await dig(server.port, ['+tcp', '+bufsize=32767', 'big.service.cairn', 'SRV']);
    expect(full.flags).not.toContain('tc');
    expect(full.answer).toHaveLength(500);
    expect(full.additional.filter((r) => r[3] === 'A')).toHaveLength(500);
    const retried = await dig(server.port, ['+bufsize=32767', 'big.service.cairn', 'SRV']);
    expect(retried.stdout).toContain('Truncated, retrying in TCP mode');
    expect(retried.answer).toHaveLength(500);
    expect(seen.limit('udp', 'udp_answer_limit')).toBe(3);
  });

  it('a smaller --dns-udp-answer-limit applies the same way', async () => {
    const { server, seen } = await start(big(60), { config: config({ udpAnswerLimit: 1232 }) });
    const d = await dig(server.port, ['+bufsize=32767', '+ignore', 'big.service.cairn', 'SRV']);
    expect(d.flags).toContain('tc');
    expect(Number(/MSG SIZE\s+rcvd: (\d+)/.exec(d.stdout)?.[1])).toBeLessThanOrEqual(1232);
    // A client asking for no more than the cap is truncated as it asked: not counted as capped.
    await dig(server.port, ['+bufsize=1000', '+ignore', 'big.service.cairn', 'SRV']);
    expect([seen.limit('udp', 'udp_answer_limit'), seen.truncated]).toEqual([1, 2]);
  });

  it('TCP: a length prefix and then nothing is closed after the idle time', async () => {
    const { server, seen } = await start(big(1), { tcpIdleMs: 300 });
    const c = await tcp(server.port);
    c.write(Buffer.from([0x00, 0x28]));
    expect(await c.waitClosed()).toBe(true);
    expect(c.replies).toHaveLength(0);
    expect(seen.limit('tcp', 'idle')).toBe(1);
    expect(await eventually(() => server.tcpConnections === 0)).toBe(true);
  });

  it('TCP: a frame trickled a byte at a time (activity, but never a whole query) is closed too', async () => {
    const { server, seen } = await start(big(1), { tcpIdleMs: 300 });
    const c = await tcp(server.port);
    c.write(Buffer.from([0xff, 0xff]));
    // One byte every 50 ms: the socket is never quiet for the idle time, the frame never completes.
    const trickle = setInterval(() => {
      if (!c.isClosed) c.write(Buffer.from([0x41]));
    }, 50);
    try {
      expect(await c.waitClosed()).toBe(true);
    } finally {
      clearInterval(trickle);
    }
    expect(seen.limit('tcp', 'idle')).toBe(1);
  });

  it('TCP: more connections than the per-source cap are refused; another source still gets answers', async () => {
    const { server, seen } = await start(big(1), { maxTcpConnectionsPerSource: 3, maxTcpConnections: 5 });
    const held: TcpClient[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await tcp(server.port, '127.0.0.1');
      c.write(frame(query(10 + i)));
      expect((await c.waitForReplies(1)).map((r) => r.readUInt16BE(0))).toEqual([10 + i]);
      held.push(c);
    }
    const fourth = await tcp(server.port, '127.0.0.1');
    fourth.write(frame(query(20)));
    expect(await fourth.waitClosed()).toBe(true);
    expect(fourth.replies).toHaveLength(0);
    expect(seen.limit('tcp', 'connections_per_source')).toBe(1);

    const other = await tcp(server.port, '127.0.0.2');
    other.write(frame(query(30)));
    expect((await other.waitForReplies(1)).map((r) => r.readUInt16BE(0))).toEqual([30]);

    // 4 open; a fifth from a third source fits the total of 5, a sixth does not.
    const fifth = await tcp(server.port, '127.0.0.3');
    fifth.write(frame(query(40)));
    expect((await fifth.waitForReplies(1)).map((r) => r.readUInt16BE(0))).toEqual([40]);
    const sixth = await tcp(server.port, '127.0.0.4');
    sixth.write(frame(query(50)));
    expect(await sixth.waitClosed()).toBe(true);
    expect(sixth.replies).toHaveLength(0);
    expect(seen.limit('tcp', 'connections')).toBe(1);

    // A closed connection gives its slot back.
    held[0]!.destroy();
    expect(await eventually(() => server.tcpConnections === 4)).toBe(true);
    const again = await tcp(server.port, '127.0.0.1');
    again.write(frame(query(60)));
    expect((await again.waitForReplies(1)).map((r) => r.readUInt16BE(0))).toEqual([60]);
  });

  it('TCP: a connection is closed after its last allowed query, every answer before that sent', async () => {
    const { server, seen } = await start(big(1), { maxTcpQueriesPerConnection: 3 });
    const c = await tcp(server.port);
    c.write(Buffer.concat([1, 2, 3, 4, 5].map((id) => frame(query(id)))));
    expect(await c.waitClosed()).toBe(true);
    expect(c.replies.map((r) => r.readUInt16BE(0))).toEqual([1, 2, 3]);
    expect(seen.limit('tcp', 'queries_per_connection')).toBe(1);
  });

  it('TCP: a client that pipelines queries and never reads is not answered without bound, and is closed', async () => {
    const { server, seen } = await start(big(500), { tcpIdleMs: 1_000 });
    // About 41 KB per answer, 80 MB for all of them: far beyond any socket buffer.
    const queries = Buffer.concat(
      Array.from({ length: 2000 }, (_, i) => frame(query(i, 'big.service.cairn', 'SRV'))),
    );
    const c = await tcp(server.port);
    c.socket.pause();
    c.write(queries);
    // The server closes it (a paused client notices only once it reads again).
    expect(await eventually(() => seen.limit('tcp', 'idle') === 1 && server.tcpConnections === 0)).toBe(true);
    // Answering stopped at the write high-water mark, so far fewer than all were answered.
    expect(seen.queries.get('tcp SRV NOERROR') ?? 0).toBeLessThan(2000);
    c.socket.resume();
    expect(await c.waitClosed()).toBe(true);
  });

  it('rate limit per source: UDP excess dropped, TCP excess REFUSED, other sources unaffected, refilled with time', async () => {
    let clock = 1_700_000_000_000;
    const { server, seen } = await start(big(1), { rateLimit: 5, now: () => clock });

    const a = await UdpClient.open('127.0.0.1');
    clients.push(a);
    const ids = [1, 2, 3, 4, 5, 6, 7, 8];
    for (const id of ids) a.send(query(id), server.port);
    // The clock stands still: exactly 5 are answered and 3 dropped, however fast they came.
    expect(await eventually(() => seen.limit('udp', 'rate') === 3 && a.replies.size === 5)).toBe(true);
    expect(seen.queries.get('udp A NOERROR')).toBe(5);

    const b = await UdpClient.open('127.0.0.2');
    clients.push(b);
    b.send(query(100), server.port);
    await b.waitFor([100]);
    expect(b.replies.has(100)).toBe(true);

    clock += 1_000;
    a.send(query(200), server.port);
    await a.waitFor([200]);
    expect(a.replies.has(200)).toBe(true);

    // TCP has its own buckets; excess queries get REFUSED in order, the connection stays usable.
    const c = await tcp(server.port, '127.0.0.3');
    c.write(Buffer.concat(ids.map((id) => frame(query(id)))));
    const replies = await c.waitForReplies(8);
    expect(replies.map((r) => r.readUInt16BE(0))).toEqual(ids);
    expect(replies.map((r) => decode(r).rcode)).toEqual([
      ...Array(5).fill('NOERROR'),
      ...Array(3).fill('REFUSED'),
    ]);
    expect(seen.limit('tcp', 'rate')).toBe(3);
    expect(c.isClosed).toBe(false);
  });
});
