import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import type { DnsLimitReason, DnsQueryObserver, Transport } from '../../src/dns/index.js';

/** A query for `name`; `edns` adds an OPT record advertising that UDP payload size. */
export function query(
  id: number,
  name = 'web.service.cairn',
  type: 'A' | 'SRV' = 'A',
  edns?: number,
): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    questions: [{ type, name }],
    additionals:
      edns === undefined
        ? []
        : [
            {
              type: 'OPT',
              name: '.',
              udpPayloadSize: edns,
              extendedRcode: 0,
              ednsVersion: 0,
              flags: 0,
              flag_do: false,
              options: [],
            },
          ],
  });
}

/** RFC 7766 framing: the two-byte length, then the message. */
export function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

/** A UDP client on a loopback address that collects replies by id. */
export class UdpClient {
  readonly replies = new Map<number, Buffer>();
  private constructor(readonly socket: UdpSocket) {}

  static async open(address = '127.0.0.1'): Promise<UdpClient> {
    const s = createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, address, () => resolve()));
    const c = new UdpClient(s);
    s.on('message', (m) => {
      if (m.length >= 2) c.replies.set(m.readUInt16BE(0), m);
    });
    return c;
  }

  send(msg: Buffer, port: number): void {
    this.socket.send(msg, port, '127.0.0.1');
  }

  async waitFor(ids: readonly number[], timeoutMs = 5_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!ids.every((id) => this.replies.has(id)) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 10));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** A TCP connection from a loopback address that stays open, collecting framed replies. */
export class TcpClient {
  readonly replies: Buffer[] = [];
  /** Resolves when the connection has closed (either side). */
  readonly closed: Promise<void>;
  isClosed = false;
  private pending = Buffer.alloc(0);

  private constructor(readonly socket: Socket) {
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.isClosed = true;
        resolve();
      });
    });
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 2 && this.pending.length >= 2 + this.pending.readUInt16BE(0)) {
        const len = this.pending.readUInt16BE(0);
        this.replies.push(this.pending.subarray(2, 2 + len));
        this.pending = this.pending.subarray(2 + len);
      }
    });
  }

  /** Connects (the server may still close it at once: see `closed`). */
  static open(port: number, localAddress = '127.0.0.1'): Promise<TcpClient> {
    return new Promise((resolve, reject) => {
      const sock = connect({ port, host: '127.0.0.1', localAddress });
      const c = new TcpClient(sock);
      sock.once('connect', () => resolve(c));
      sock.once('error', reject);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Waits for `count` replies or the close, whichever comes first (or gives up after `timeoutMs`). */
  async waitForReplies(count: number, timeoutMs = 10_000): Promise<Buffer[]> {
    const end = Date.now() + timeoutMs;
    while (this.replies.length < count && !this.isClosed && Date.now() < end)
      await new Promise((r) => setTimeout(r, 10));
    return this.replies;
  }

  /** Resolves true once closed, false if still open after `timeoutMs` (a generous bound, not a speed check). */
  async waitClosed(timeoutMs = 20_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const r = await Promise.race([this.closed.then(() => true), gaveUp]);
    clearTimeout(timer);
    return r;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Opens a TCP connection and collects the framed replies until it closes or `count` arrive. */
export async function tcpExchange(
  port: number,
  bytes: Buffer[],
  count: number,
  timeoutMs = 5_000,
): Promise<Buffer[]> {
  let c: TcpClient;
  try {
    c = await TcpClient.open(port);
  } catch {
    return [];
  }
  for (const b of bytes) c.write(b);
  const replies = await c.waitForReplies(count, timeoutMs);
  c.destroy();
  return replies;
}

/** Counts what a DNS server reports, as the Prometheus metrics would. */
export class CountingObserver implements DnsQueryObserver {
  readonly queries = new Map<string, number>();
  readonly limits = new Map<string, number>();
  truncated = 0;

  dnsQuery(transport: Transport, type: string, rcode: string, truncated: boolean): void {
    const key = `${transport} ${type} ${rcode}`;
    this.queries.set(key, (this.queries.get(key) ?? 0) + 1);
    if (truncated) this.truncated++;
  }

  dnsLimit(transport: Transport, reason: DnsLimitReason): void {
    const key = `${transport} ${reason}`;
    this.limits.set(key, (this.limits.get(key) ?? 0) + 1);
  }

  limit(transport: Transport, reason: DnsLimitReason): number {
    return this.limits.get(`${transport} ${reason}`) ?? 0;
  }
}

/** Polls `probe` until true; false after `timeoutMs` (a bound for a broken run, not a speed check). */
export async function eventually(probe: () => boolean, timeoutMs = 20_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}
