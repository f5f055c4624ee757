import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../cluster/index.js';
import type { Message } from '../../src/raft/messages.js';
import { TcpTransport } from '../../src/raft/transport/index.js';
import { FaultNetwork } from './proxy.js';

/** Two real cluster transports that reach each other only through a FaultNetwork. */
class Side {
  readonly got: number[] = [];
  readonly t: TcpTransport;
  constructor(readonly id: string) {
    this.t = new TcpTransport({ id, limits: { backoffBaseMs: 10, backoffMaxMs: 50 } });
    this.t.onRequest(async (_from, payload) => Buffer.from(`${id} got ${Buffer.from(payload).toString()}`));
  }
  async start(): Promise<void> {
    await this.t.start({
      onMessage: (m) => this.got.push((m as { seq: number }).seq),
      onUnreachable: () => {},
      onSnapshotStatus: () => {},
    });
  }
  send(to: string, seq: number): void {
    const m: Message = { type: 'heartbeat', from: this.id, to, term: 1, commit: 0, seq } as Message;
    this.t.send(m);
  }
  async ask(to: string, what: string, timeoutMs = 300): Promise<string> {
    try {
      return Buffer.from(await this.t.request(to, Buffer.from(what), timeoutMs)).toString();
    } catch (e) {
      return `error: ${(e as Error).message}`;
    }
  }
}

const port = (addr: string) => Number(addr.split(':')[1]);

describe('fault proxy between two cluster transports', () => {
  let net: FaultNetwork;
  let a: Side;
  let b: Side;

  afterEach(async () => {
    await a?.t.close();
    await b?.t.close();
    await net?.close();
  });

  async function setup(): Promise<void> {
    net = new FaultNetwork();
    a = new Side('a');
    b = new Side('b');
    await a.start();
    await b.start();
    const pa = await net.addProxy('a', port(a.t.address));
    const pb = await net.addProxy('b', port(b.t.address));
    a.t.setPeer('b', pb.address);
    b.t.setPeer('a', pa.address);
  }

  it('forwards messages and requests both ways and knows who called', async () => {
    await setup();
    a.send('b', 1);
    b.send('a', 2);
    await waitUntil(
      'delivery',
      async () => (a.got.includes(2) && b.got.includes(1) ? true : undefined),
      5000,
    );
    expect(await a.ask('b', 'x')).toBe('b got x');
    expect(await b.ask('a', 'y')).toBe('a got y');
    expect(net.proxy('b').connectionsFrom('a')).toBeGreaterThan(0);
    expect(net.proxy('b').connectionsFrom('b')).toBe(0);
    expect(net.stats.bytes).toBeGreaterThan(0);
  });

  it('a one-way stall a -> b: nothing from a reaches b (nor a answers to b), b still reaches a; healed, late bytes arrive', async () => {
    await setup();
    a.send('b', 1);
    b.send('a', 1);
    await waitUntil('warm', async () => (a.got.length && b.got.length ? true : undefined), 5000);
    net.cut('a', 'b', 'stall');
    a.send('b', 2);
    b.send('a', 3);
    await waitUntil('b -> a still works', async () => (a.got.includes(3) ? true : undefined), 5000);
    expect(await a.ask('b', 'x')).toMatch(/^error: .*timed out/);
    // b's request reaches a, but a's answer travels a -> b: stalled.
    expect(await b.ask('a', 'y')).toMatch(/^error: .*timed out/);
    await new Promise((r) => setTimeout(r, 200));
    expect(b.got).toEqual([1]);
    net.heal();
    await waitUntil('the stalled message', async () => (b.got.includes(2) ? true : undefined), 5000);
    expect(await a.ask('b', 'z')).toBe('b got z');
    expect(await b.ask('a', 'w')).toBe('a got w');
  });

  it('a reset cut destroys connections and refuses new ones until healed', async () => {
    await setup();
    a.send('b', 1);
    await waitUntil('warm', async () => (b.got.length ? true : undefined), 5000);
    net.cut('a', 'b', 'reset');
    expect(net.stats.reset).toBeGreaterThan(0);
    expect(net.proxy('b').connectionsFrom('a')).toBe(0);
    for (let i = 0; i < 20; i++) {
      a.send('b', 100 + i);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(net.stats.refused).toBeGreaterThan(0);
    expect(b.got.some((s) => s >= 100)).toBe(false);
    // b -> a messages still arrive; a's answers to b travel a -> b and stall.
    b.send('a', 7);
    await waitUntil('b -> a', async () => (a.got.includes(7) ? true : undefined), 5000);
    expect(await b.ask('a', 'still')).toMatch(/^error: .*timed out/);
    net.heal('a', 'b');
    await waitUntil(
      'delivery after heal',
      async () => {
        a.send('b', 500);
        return b.got.includes(500) ? true : undefined;
      },
      5000,
    );
    expect(net.cutLinks).toEqual([]);
  });
});
