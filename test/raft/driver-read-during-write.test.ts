import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { KvMachine } from '../../src/raft/demo/kv-machine.js';
import { MemoryDisk, MemoryNetwork, MemoryStorage, RaftNode } from '../../src/raft/index.js';
import { until } from './until.js';

const logger = pino({ level: 'silent' });
const enc = (k: string, v: string) => new TextEncoder().encode(JSON.stringify({ k, v }));

/** Memory storage whose log writes can be held, as a slow fsync holds them. */
class GatedStorage extends MemoryStorage {
  private gate: Promise<void> | null = null;
  private openGate: () => void = () => {};
  held = 0;

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  release(): void {
    this.gate = null;
    this.openGate();
  }

  override async save(...args: Parameters<MemoryStorage['save']>): Promise<void> {
    const gate = this.gate;
    if (gate !== null) {
      this.held++;
      await gate;
    }
    return super.save(...args);
  }
}

/**
 * A default (lease) read on the leader is answered from the state as of the commit index it
 * observes, without waiting for a log write that is in progress (issue: drop-in for Consul's
 * clients: "a read sent just after a write returns its result late"). The write here is held until
 * the test releases it, so nothing depends on how fast the machine is.
 */
describe('RaftNode: reads do not wait for a log write in progress', () => {
  const nodes: RaftNode<number>[] = [];
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop();
  });

  it("a read on the leader resolves while the leader's own log write is still held", async () => {
    // One voter: it confirms reads at once (no lease, no round), so nothing here depends on timing;
    // the core test (raft-read) covers taking a lease read between Readies on three voters.
    const storage = new GatedStorage(new MemoryDisk());
    const node = new RaftNode<number>({
      id: 'a',
      tickMs: 10,
      readTimeoutMs: 60_000,
      storage,
      transport: new MemoryNetwork(1).transport('a'),
      stateMachine: new KvMachine(),
      peers: new Map(),
      bootstrap: ['a'],
      logger,
    });
    await node.start();
    nodes.push(node);
    await until('a leader', 10_000, () => (node.isLeader() ? node : undefined));
    const first = await node.propose(enc('k', '1'));
    expect(await node.readBarrier(true)).toBeGreaterThanOrEqual(first.index);

    storage.hold();
    const second = node.propose(enc('k', '2'));
    await until('the leader to be writing the second entry', 10_000, () => storage.held > 0 || undefined);

    // Answered at an index the state machine has applied, with the write still on its way to disk.
    const index = await node.readBarrier(true);
    expect(storage.held).toBeGreaterThan(0);
    expect(index).toBeGreaterThanOrEqual(first.index);
    expect(node.applied).toBeGreaterThanOrEqual(index);

    storage.release();
    const done = await second;
    expect(done.index).toBeGreaterThan(first.index);
    // And once written and applied, a read covers the second write too.
    expect(await node.readBarrier(true)).toBeGreaterThanOrEqual(done.index);
  });
});
