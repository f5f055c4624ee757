import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../cluster/index.js';
import type { Message } from '../../../src/raft/messages.js';
import { helloFrame, requestFrame } from '../../../src/raft/transport/frames.js';
import { FrameKind, FrameParser, frameHeader } from '../../../src/raft/transport/framing.js';
import { proofFrame } from '../../../src/raft/transport/handshake.js';
import {
  ClusterKeyError,
  ClusterKeyring,
  generateClusterKey,
  type HandshakeFailureEvent,
  parseClusterKey,
  TcpTransport,
} from '../../../src/raft/transport/index.js';

const KEY_A = generateClusterKey();
const KEY_B = generateClusterKey();

/** A transport on loopback that records what reached it. */
class Endpoint {
  readonly received: Message[] = [];
  readonly requests: string[] = [];
  readonly failures: HandshakeFailureEvent[] = [];
  readonly t: TcpTransport;

  constructor(
    readonly id: string,
    keys: string[] | null,
    limits: Partial<ConstructorParameters<typeof TcpTransport>[0]['limits']> = {},
  ) {
    this.t = new TcpTransport({
      id,
      host: '127.0.0.1',
      keyring: keys === null ? null : ClusterKeyring.fromBase64(keys),
      limits: { backoffBaseMs: 10, backoffMaxMs: 100, ...limits },
      onHandshakeFailure: (e) => this.failures.push(e),
    });
    this.t.onRequest(async (from, payload) => {
      this.requests.push(`${from}:${Buffer.from(payload).toString()}`);
      return Buffer.from(`ok ${Buffer.from(payload).toString()}`);
    });
  }

  async start(): Promise<this> {
    await this.t.start({
      onMessage: (m) => this.received.push(m),
      onUnreachable: () => {},
      onSnapshotStatus: () => {},
    });
    return this;
  }
}

const open: Endpoint[] = [];
const sockets: Socket[] = [];
async function endpoint(id: string, keys: string[] | null, limits = {}): Promise<Endpoint> {
  const e = await new Endpoint(id, keys, limits).start();
  open.push(e);
  return e;
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(open.splice(0).map((e) => e.t.close()));
});

const heartbeat = (from: string, to: string, seq: number): Message => ({
  type: 'heartbeat',
  from,
  to,
  term: 3,
  commit: 7,
  seq,
});

/** A raw client connection to `port` that collects what the server sends and when it closes. */
function raw(port: number, localAddress = '127.0.0.1') {
  const s = connect({ host: '127.0.0.1', port, localAddress });
  sockets.push(s);
  const frames: { kind: number; payload: Buffer }[] = [];
  const parser = new FrameParser(
    (kind, payload) => frames.push({ kind, payload: Buffer.from(payload) }),
    1 << 20,
  );
  let closed = false;
  s.on('data', (c: Buffer) => parser.push(c));
  s.on('error', () => {});
  s.on('close', () => {
    closed = true;
  });
  const write = (parts: Uint8Array[]) => {
    for (const p of parts) s.write(p);
  };
  return { s, frames, write, isClosed: () => closed };
}

const portOf = (e: Endpoint) => Number(e.t.address.split(':').pop());

describe('cluster key handshake', () => {
  it('peers holding the same key exchange messages and requests', async () => {
    const a = await endpoint('a', [KEY_A]);
    const b = await endpoint('b', [KEY_A]);
    a.t.setPeer('b', b.t.address);
    b.t.setPeer('a', a.t.address);
    // Sent before the connection exists: held until the callee has proved the key, then delivered.
    a.t.send(heartbeat('a', 'b', 1));
    const reply = await a.t.request('b', Buffer.from('join please'), 10_000);
    expect(Buffer.from(reply).toString()).toBe('ok join please');
    b.t.send(heartbeat('b', 'a', 2));
    await waitUntil('messages', async () =>
      b.received.length === 1 && a.received.length === 1 ? true : undefined,
    );
    expect(b.received[0]).toMatchObject({ type: 'heartbeat', from: 'a', seq: 1 });
    expect(b.requests).toEqual(['a:join please']);
    expect(a.failures).toEqual([]);
    expect(b.failures).toEqual([]);
  });

  it('a callee accepts any key of its ring, so a key can be rotated without a gap', async () => {
    const a = await endpoint('a', [KEY_B, KEY_A]); // new key first
    const b = await endpoint('b', [KEY_A, KEY_B]); // still proves the old one
    a.t.setPeer('b', b.t.address);
    b.t.setPeer('a', a.t.address);
    expect(Buffer.from(await a.t.request('b', Buffer.from('x'), 10_000)).toString()).toBe('ok x');
    expect(Buffer.from(await b.t.request('a', Buffer.from('y'), 10_000)).toString()).toBe('ok y');
  });

  it('a caller with another key is refused, and both sides say why', async () => {
    const a = await endpoint('a', [KEY_B]);
    const b = await endpoint('b', [KEY_A]);
    a.t.setPeer('b', b.t.address);
    await expect(a.t.request('b', Buffer.from('x'), 10_000)).rejects.toThrow();
    await waitUntil('both sides report', async () =>
      b.failures.length > 0 && a.failures.length > 0 ? true : undefined,
    );
    expect(b.failures[0]).toMatchObject({ side: 'inbound', reason: 'unknownKey', peer: 'a' });
    expect(a.failures[0]).toMatchObject({ side: 'outbound', reason: 'closedByPeer' });
    expect(b.requests).toEqual([]);
    expect(b.t.stats.handshakeFailures.inbound.unknownKey).toBeGreaterThan(0);
  });

  it('a caller without a key is refused by a keyed server, and a keyed caller by a keyless one', async () => {
    const keyed = await endpoint('keyed', [KEY_A]);
    const plain = await endpoint('plain', null);
    plain.t.setPeer('keyed', keyed.t.address);
    keyed.t.setPeer('plain', plain.t.address);
    await expect(plain.t.request('keyed', Buffer.from('x'), 10_000)).rejects.toThrow();
    await expect(keyed.t.request('plain', Buffer.from('y'), 10_000)).rejects.toThrow();
    await waitUntil('reports', async () =>
      keyed.failures.length > 0 && plain.failures.length > 0 ? true : undefined,
    );
    expect(keyed.failures.find((f) => f.side === 'inbound')).toMatchObject({
      reason: 'keyRequired',
      peer: 'plain',
    });
    expect(plain.failures.find((f) => f.side === 'inbound')).toMatchObject({
      reason: 'keyNotExpected',
      peer: 'keyed',
    });
    expect(keyed.requests).toEqual([]);
    expect(plain.requests).toEqual([]);
  });

  it('a stranger that says hello and asks to join without the key is dropped unheard', async () => {
    const b = await endpoint('b', [KEY_A]);
    const c = raw(portOf(b));
    c.write(helloFrame('intruder', 'control'));
    c.write(requestFrame(1, Buffer.from('join')));
    await waitUntil('closed', async () => (c.isClosed() ? true : undefined));
    expect(b.requests).toEqual([]);
    expect(c.frames).toEqual([]);
    expect(b.failures[0]).toMatchObject({ reason: 'keyRequired', peer: 'intruder' });
  });

  it('a forged proof is refused, and a recorded proof cannot be replayed on a new connection', async () => {
    const b = await endpoint('b', [KEY_A]);
    const ring = ClusterKeyring.fromBase64([KEY_A]);
    // The key id is public (it crosses the wire); knowing it proves nothing.
    const c = raw(portOf(b));
    c.write(helloFrame('intruder', 'control', { keyId: ring.primary.id, nonce: Buffer.alloc(32, 7) }));
    await waitUntil('challenge', async () => (c.frames.length > 0 ? true : undefined));
    expect(c.frames[0]!.kind).toBe(FrameKind.challenge);
    c.write(proofFrame(Buffer.alloc(32, 1)));
    c.write(requestFrame(1, Buffer.from('join')));
    await waitUntil('closed', async () => (c.isClosed() ? true : undefined));
    expect(b.requests).toEqual([]);
    expect(b.failures.map((f) => f.reason)).toEqual(['badProof']);

    // Replay: a second connection with the same caller nonce gets a fresh callee nonce, so a
    // proof computed for the first challenge (here: any fixed bytes) does not fit the second.
    const d = raw(portOf(b));
    d.write(helloFrame('intruder', 'control', { keyId: ring.primary.id, nonce: Buffer.alloc(32, 7) }));
    await waitUntil('challenge 2', async () => (d.frames.length > 0 ? true : undefined));
    expect(d.frames[0]!.payload.subarray(0, 32).equals(c.frames[0]!.payload.subarray(0, 32))).toBe(false);
  });

  it('random bytes, a frame claiming 4 GiB and frames before the proof close the connection', async () => {
    const b = await endpoint('b', [KEY_A]);
    const junk = raw(portOf(b));
    junk.s.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const huge = raw(portOf(b));
    huge.s.write(frameHeader(FrameKind.hello, 0xffffffff));
    const early = raw(portOf(b));
    const ring = ClusterKeyring.fromBase64([KEY_A]);
    early.write(helloFrame('x', 'control', { keyId: ring.primary.id, nonce: Buffer.alloc(32) }));
    early.write(requestFrame(1, Buffer.from('join')));
    await waitUntil('all closed', async () =>
      junk.isClosed() && huge.isClosed() && early.isClosed() ? true : undefined,
    );
    expect(b.requests).toEqual([]);
    expect(b.t.stats.handshakeFailures.inbound.malformed).toBe(3);
  });

  it('connections that never finish the handshake are bounded per address and closed after the timeout', async () => {
    const b = await endpoint('b', [KEY_A], { maxHandshakesPerAddress: 4, handshakeTimeoutMs: 300 });
    const idle = Array.from({ length: 10 }, () => raw(portOf(b), '127.0.0.7'));
    await waitUntil('refused beyond the cap', async () =>
      b.t.stats.refusedConnections >= 6 ? true : undefined,
    );
    // Another address is not affected by the first one's stalled connections.
    const a = await endpoint('a', [KEY_A]);
    a.t.setPeer('b', b.t.address);
    expect(Buffer.from(await a.t.request('b', Buffer.from('still here'), 10_000)).toString()).toBe(
      'ok still here',
    );
    await waitUntil('stalled ones time out', async () =>
      idle.every((c) => c.isClosed()) ? true : undefined,
    );
    expect(b.t.stats.refusedConnections).toBe(6);
    expect(b.t.stats.handshakeFailures.inbound.timeout).toBe(4);
  });
});

describe('cluster keys', () => {
  it('parses base64 of 32 bytes and refuses anything else', () => {
    expect(parseClusterKey(KEY_A)).toHaveLength(32);
    expect(() => parseClusterKey('c2hvcnQ=')).toThrow(ClusterKeyError);
    expect(() => parseClusterKey('not base64!')).toThrow(/base64/);
    expect(() => parseClusterKey(Buffer.alloc(33).toString('base64'))).toThrow(/32 bytes/);
  });

  it('names each key by an id that differs between keys and is not the key', () => {
    const ring = ClusterKeyring.fromBase64([KEY_A, KEY_B]);
    const a = ClusterKeyring.fromBase64([KEY_A]).primary;
    const b = ClusterKeyring.fromBase64([KEY_B]).primary;
    expect(a.id.equals(b.id)).toBe(false);
    expect(ring.byId(a.id)?.equals(a.key)).toBe(true);
    expect(ring.byId(b.id)?.equals(b.key)).toBe(true);
    expect(ring.byId(Buffer.alloc(8))).toBeUndefined();
    expect(parseClusterKey(KEY_A).includes(a.id)).toBe(false);
  });
});
