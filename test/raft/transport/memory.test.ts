import { describe, expect, it } from 'vitest';
import type { Message } from '../../../src/raft/messages.js';
import { MemoryNetwork, type MemoryTransport } from '../../../src/raft/transport/index.js';

const hb = (from: string, to: string, seq: number): Message => ({
  type: 'heartbeat',
  from,
  to,
  term: 1,
  commit: 0,
  seq,
});
const settle = () => new Promise((r) => setImmediate(r));

async function pair(net: MemoryNetwork) {
  const got: Record<string, Message[]> = { a: [], b: [] };
  const unreachable: string[] = [];
  const ends: Record<string, MemoryTransport> = {};
  for (const id of ['a', 'b']) {
    const t = net.transport(id);
    await t.start({
      onMessage: (m) => got[id]?.push(m),
      onUnreachable: (to) => unreachable.push(`${id}>${to}`),
      onSnapshotStatus: () => undefined,
    });
    t.setPeer(id === 'a' ? 'b' : 'a');
    ends[id] = t;
  }
  return { got, unreachable, a: ends.a as MemoryTransport, b: ends.b as MemoryTransport };
}

describe('MemoryNetwork', () => {
  it('delivers asynchronously, never inside send', async () => {
    const { got, a } = await pair(new MemoryNetwork());
    a.send(hb('a', 'b', 1));
    expect(got.b).toHaveLength(0);
    await settle();
    expect(got.b?.[0]).toMatchObject({ type: 'heartbeat', seq: 1 });
  });

  it('partitions one way or both, and heals', async () => {
    const net = new MemoryNetwork();
    const { got, unreachable, a, b } = await pair(net);
    net.partition('a', 'b', true);
    a.send(hb('a', 'b', 1));
    b.send(hb('b', 'a', 1));
    await settle();
    expect(got.b).toHaveLength(0);
    expect(got.a).toHaveLength(1);
    expect(unreachable).toContain('a>b');
    net.heal();
    a.send(hb('a', 'b', 2));
    await settle();
    expect(got.b).toHaveLength(1);
  });

  it('drops the same messages for the same seed', async () => {
    const run = async (seed: number) => {
      const net = new MemoryNetwork(seed);
      net.setDropRate(0.5);
      const { got, a } = await pair(net);
      for (let i = 0; i < 200; i++) a.send(hb('a', 'b', i));
      await settle();
      return got.b?.map((m) => (m.type === 'heartbeat' ? m.seq : -1)) ?? [];
    };
    const first = await run(99);
    expect(first.length, 'seed 99').toBeGreaterThan(50);
    expect(first.length, 'seed 99').toBeLessThan(150);
    expect(await run(99)).toEqual(first);
    expect(await run(100)).not.toEqual(first);
  });

  it('sends a request to the address a peer was given, so a peer known only by address answers', async () => {
    const net = new MemoryNetwork();
    const { a, b } = await pair(net);
    b.onRequest(async (from, payload) => new Uint8Array([...payload, from.length]));
    await expect(a.request('~b', new Uint8Array([7]), 1000)).rejects.toMatchObject({
      code: 'TRANSPORT_UNKNOWN_PEER',
    });
    a.setPeer('~b', 'b');
    expect([...(await a.request('~b', new Uint8Array([7]), 1000))]).toEqual([7, 1]);
    net.partition('a', 'b');
    await expect(a.request('~b', new Uint8Array([7]), 1000)).rejects.toMatchObject({
      code: 'TRANSPORT_UNREACHABLE',
    });
  });
});
