import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePorts, waitUntil } from '../../../cluster/index.js';
import type { AppendMsg, Message } from '../../../src/raft/messages.js';
import {
  ClusterKeyring,
  generateClusterKey,
  TcpTransport,
  TransportError,
} from '../../../src/raft/transport/index.js';

/** Each test runs without a cluster key and with one (every connection then starts with the key handshake). */
let keyring: ClusterKeyring | null = null;

/** A transport on loopback and everything it was told. */
class Endpoint {
  readonly received: Message[] = [];
  readonly unreachable: string[] = [];
  readonly snapshotStatus: { id: string; ok: boolean }[] = [];
  readonly t: TcpTransport;

  constructor(
    readonly id: string,
    port = 0,
  ) {
    this.t = new TcpTransport({
      id,
      host: '127.0.0.1',
      port,
      keyring,
      limits: { backoffBaseMs: 10, backoffMaxMs: 100 },
    });
  }

  async start(): Promise<this> {
    await this.t.start({
      onMessage: (m) => this.received.push(m),
      onUnreachable: (id) => this.unreachable.push(id),
      onSnapshotStatus: (id, ok) => this.snapshotStatus.push({ id, ok }),
    });
    return this;
  }
}

const open: Endpoint[] = [];
async function endpoint(id: string, port = 0): Promise<Endpoint> {
  const e = await new Endpoint(id, port).start();
  open.push(e);
  return e;
}

function link(a: Endpoint, b: Endpoint) {
  a.t.setPeer(b.id, a.t.address === b.t.address ? a.t.address : b.t.address);
  b.t.setPeer(a.id, a.t.address);
}

const heartbeat = (from: string, to: string, seq: number): Message => ({
  type: 'heartbeat',
  from,
  to,
  term: 3,
  commit: 7,
  seq,
});

function append(from: string, to: string, entries: number, bytes: number): AppendMsg {
  return {
    type: 'append',
    from,
    to,
    term: 3,
    index: 10,
    logTerm: 2,
    commit: 9,
    entries: Array.from({ length: entries }, (_, i) => ({
      index: 11 + i,
      term: 3,
      kind: 'normal' as const,
      data: new Uint8Array(bytes).fill(i % 251),
    })),
  };
}

/** A message as plain data (byte arrays as number arrays) for deep comparison. */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return [...v];
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.t.close()));
});

describe.each([
  ['without a cluster key', null],
  ['with a cluster key', ClusterKeyring.fromBase64([generateClusterKey()])],
])('TcpTransport on loopback, %s', (_name, ring) => {
  beforeEach(() => {
    keyring = ring;
  });

  it('delivers every message type both ways with its fields intact', async () => {
    const a = await endpoint('a');
    const b = await endpoint('b');
    link(a, b);
    const msgs: Message[] = [
      append('a', 'b', 3, 10),
      { type: 'appendResp', from: 'a', to: 'b', term: 3, index: 13, reject: true, rejectHint: 5, logTerm: 2 },
      { type: 'vote', from: 'a', to: 'b', term: 4, index: 13, logTerm: 3, transfer: true },
      { type: 'preVote', from: 'a', to: 'b', term: 4, index: 13, logTerm: 3, transfer: false },
      { type: 'voteResp', from: 'a', to: 'b', term: 4, reject: false },
      { type: 'preVoteResp', from: 'a', to: 'b', term: 4, reject: true },
      heartbeat('a', 'b', 1),
      { type: 'heartbeatResp', from: 'a', to: 'b', term: 3, seq: 1 },
      { type: 'timeoutNow', from: 'a', to: 'b', term: 3 },
      { type: 'readIndex', from: 'a', to: 'b', term: 3, ctx: 'r1', lease: true },
      { type: 'readIndexResp', from: 'a', to: 'b', term: 3, ctx: 'r1', index: 12 },
      {
        type: 'snapshot',
        from: 'a',
        to: 'b',
        term: 3,
        snapshot: {
          meta: { index: 50, term: 2, conf: { voters: ['a', 'b'], learners: ['c'] } },
          data: new Uint8Array([1, 2, 3]),
        },
      },
    ];
    for (const m of msgs) a.t.send(m);
    b.t.send(heartbeat('b', 'a', 9));
    await waitUntil(
      'all messages',
      async () => (b.received.length === msgs.length && a.received.length === 1 ? true : undefined),
      10_000,
    );
    const norm = (m: Message) => plain(m) as { type: string };
    expect(b.received.map(norm).sort((x, y) => x.type.localeCompare(y.type))).toEqual(
      msgs.map(norm).sort((x, y) => x.type.localeCompare(y.type)),
    );
    expect(a.received[0]).toMatchObject({ type: 'heartbeat', from: 'b', seq: 9 });
    await waitUntil('snapshot status', async () => (a.snapshotStatus.length > 0 ? true : undefined));
    expect(a.snapshotStatus).toEqual([{ id: 'b', ok: true }]);
  });

  it('a heartbeat sent after a large append is not stuck behind it', async () => {
    const a = await endpoint('a');
    const b = await endpoint('b');
    link(a, b);
    a.t.send(heartbeat('a', 'b', 0)); // opens the connections
    await waitUntil('first heartbeat', async () => (b.received.length === 1 ? true : undefined));
    a.t.send(append('a', 'b', 64, 128 * 1024)); // 8 MiB
    a.t.send(heartbeat('a', 'b', 1));
    await waitUntil('both', async () => (b.received.length === 3 ? true : undefined), 20_000);
    expect(b.received.map((m) => m.type)).toEqual(['heartbeat', 'heartbeat', 'append']);
    const big = b.received[2] as AppendMsg;
    expect(big.entries).toHaveLength(64);
    expect(big.entries[63]?.data.byteLength).toBe(128 * 1024);
    expect(big.entries[63]?.data[5]).toBe(63);
  });

  it('reports an unreachable peer, then resumes when it comes back on the same port', async () => {
    const [port] = (await freePorts(1)) as [number];
    const a = await endpoint('a');
    a.t.setPeer('b', `127.0.0.1:${port}`);
    a.t.send(heartbeat('a', 'b', 1));
    await waitUntil('unreachable', async () => (a.unreachable.includes('b') ? true : undefined));
    const b = await endpoint('b', port);
    b.t.setPeer('a', a.t.address);
    await waitUntil(
      'delivery after the peer started',
      async () => {
        a.t.send(heartbeat('a', 'b', 2));
        return b.received.some((m) => m.type === 'heartbeat') ? true : undefined;
      },
      10_000,
    );
    // Restart the receiver: the sender reconnects by itself.
    await b.t.close();
    const b2 = await endpoint('b', port);
    await waitUntil(
      'delivery after a restart',
      async () => {
        a.t.send(heartbeat('a', 'b', 3));
        return b2.received.length > 0 ? true : undefined;
      },
      10_000,
    );
  });

  it('streams a multi-megabyte snapshot byte for byte, and reports failure to a dead peer', async () => {
    const a = await endpoint('a');
    const b = await endpoint('b');
    link(a, b);
    const data = new Uint8Array(6 * 1024 * 1024 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    a.t.send({
      type: 'snapshot',
      from: 'a',
      to: 'b',
      term: 5,
      snapshot: { meta: { index: 900, term: 5, conf: { voters: ['a', 'b'], learners: [] } }, data },
    });
    await waitUntil('snapshot', async () => (b.received.length === 1 ? true : undefined), 20_000);
    const got = b.received[0];
    if (got?.type !== 'snapshot') throw new Error(`expected a snapshot, got ${got?.type}`);
    expect(Buffer.compare(Buffer.from(got.snapshot.data), Buffer.from(data))).toBe(0);
    await waitUntil('ok status', async () => (a.snapshotStatus.length === 1 ? true : undefined));
    expect(a.snapshotStatus[0]).toEqual({ id: 'b', ok: true });

    const [dead] = (await freePorts(1)) as [number];
    a.t.setPeer('c', `127.0.0.1:${dead}`);
    a.t.send({
      type: 'snapshot',
      from: 'a',
      to: 'c',
      term: 5,
      snapshot: { meta: { index: 900, term: 5, conf: { voters: ['a'], learners: [] } }, data },
    });
    await waitUntil(
      'failed status',
      async () => (a.snapshotStatus.some((s) => s.id === 'c') ? true : undefined),
      10_000,
    );
    expect(a.snapshotStatus.find((s) => s.id === 'c')?.ok).toBe(false);
  });

  it('request/response: a reply, a handler error, a timeout, an unknown peer, and close', async () => {
    const a = await endpoint('a');
    const b = await endpoint('b');
    link(a, b);
    let hold: (() => void) | null = null;
    b.t.onRequest(async (from, payload) => {
      const text = Buffer.from(payload).toString();
      if (text === 'fail') throw new Error('handler says no');
      if (text === 'slow') await new Promise<void>((r) => (hold = r));
      return Buffer.from(`${from}:${text.toUpperCase()}`);
    });
    expect(Buffer.from(await a.t.request('b', Buffer.from('ping'), 5000)).toString()).toBe('a:PING');
    await expect(a.t.request('b', Buffer.from('fail'), 5000)).rejects.toMatchObject({
      code: 'TRANSPORT_REMOTE',
      message: expect.stringContaining('handler says no'),
    });
    await expect(a.t.request('b', Buffer.from('slow'), 200)).rejects.toMatchObject({
      code: 'TRANSPORT_TIMEOUT',
    });
    await expect(a.t.request('zz', Buffer.from('x'), 200)).rejects.toBeInstanceOf(TransportError);
    const pending = a.t.request('b', Buffer.from('slow'), 10_000).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await a.t.close();
    expect(await pending).toBeInstanceOf(TransportError);
    (hold as (() => void) | null)?.();
    a.t.send(heartbeat('a', 'b', 1)); // a no-op after close, not a throw
  });

  it('removePeer stops traffic to it', async () => {
    const a = await endpoint('a');
    const b = await endpoint('b');
    link(a, b);
    a.t.send(heartbeat('a', 'b', 1));
    await waitUntil('first', async () => (b.received.length === 1 ? true : undefined));
    a.t.removePeer('b');
    a.t.send(heartbeat('a', 'b', 2));
    await waitUntil('unreachable report', async () => (a.unreachable.includes('b') ? true : undefined));
    await new Promise((r) => setTimeout(r, 100));
    expect(b.received).toHaveLength(1);
  });

  it('garbage from a stranger closes that connection only', async () => {
    const a = await endpoint('a');
    const b = await endpoint('b');
    link(a, b);
    const [host, port] = b.t.address.split(':') as [string, string];
    const closed = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port: Number(port) }, () =>
        s.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x63, 1, 2, 3])),
      );
      s.on('close', () => resolve(true));
      s.on('error', () => undefined);
      setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 5000);
    });
    expect(closed).toBe(true);
    a.t.send(heartbeat('a', 'b', 1));
    await waitUntil('delivery after the garbage', async () => (b.received.length === 1 ? true : undefined));
  });
});
