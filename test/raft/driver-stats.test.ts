import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { KvMachine } from '../../src/raft/demo/kv-machine.js';
import { MemoryDisk, MemoryNetwork, MemoryStorage, RaftNode } from '../../src/raft/index.js';
import { until } from './until.js';

/**
 * The driver's counts that the metrics export and the alerts watch: snapshots taken and failed,
 * and one `syncedWrite` event per durable log write. One in-memory server, 10 ms ticks.
 */
const enc = (k: string, v: string) => new TextEncoder().encode(JSON.stringify({ k, v }));

/** A KvMachine whose first `failures` snapshot serializations throw. */
class FailingSnapshots extends KvMachine {
  constructor(private failures: number) {
    super();
  }

  override snapshot(): () => Uint8Array {
    const serialize = super.snapshot();
    if (this.failures === 0) return serialize;
    this.failures--;
    return () => {
      throw new Error('serialization failed (test)');
    };
  }
}

describe('RaftNode stats for metrics', () => {
  let node: RaftNode<number> | null = null;
  afterEach(async () => {
    await node?.stop();
    node = null;
  });

  async function solo(machine: KvMachine): Promise<RaftNode<number>> {
    const n = new RaftNode<number>({
      tickMs: 10,
      id: 'solo',
      bootstrap: ['solo'],
      snapshotEvery: 5,
      keepEntries: 1,
      storage: new MemoryStorage(new MemoryDisk()),
      transport: new MemoryNetwork(3).transport('solo'),
      stateMachine: machine,
      logger: pino({ level: 'silent' }),
    });
    node = n;
    await n.start();
    await until('a leader', 10_000, () => (n.isLeader() ? true : undefined));
    return n;
  }

  it('counts a failed snapshot, then the retry that succeeds', async () => {
    const n = await solo(new FailingSnapshots(1));
    expect(n.stats.snapshotFailures).toBe(0);
    for (let i = 0; i < 6; i++) await n.propose(enc(`k${i}`, 'v'));
    await until('the failed attempt', 5000, () => (n.stats.snapshotFailures > 0 ? true : undefined));
    for (let i = 0; i < 6; i++) await n.propose(enc(`m${i}`, 'v'));
    await until('a snapshot', 5000, () => (n.stats.snapshotsTaken > 0 ? true : undefined));
    expect(n.stats.snapshotFailures).toBe(1);
    expect(n.status().firstIndex, 'the log was compacted behind the snapshot').toBeGreaterThan(1);
  });

  it('a machine whose snapshots work counts no failure', async () => {
    const n = await solo(new KvMachine());
    for (let i = 0; i < 12; i++) await n.propose(enc(`k${i}`, 'v'));
    await until('a snapshot', 5000, () => (n.stats.snapshotsTaken > 0 ? true : undefined));
    expect(n.stats.snapshotFailures).toBe(0);
  });

  it('reports every durable write with its duration', async () => {
    const n = await solo(new KvMachine());
    const seen: number[] = [];
    n.on('syncedWrite', (ms: number) => seen.push(ms));
    const before = n.stats.syncedWrites;
    for (let i = 0; i < 3; i++) await n.propose(enc(`k${i}`, 'v'));
    expect(n.stats.syncedWrites - before).toBeGreaterThanOrEqual(3);
    expect(seen.length).toBe(n.stats.syncedWrites - before);
    for (const ms of seen) expect(ms).toBeGreaterThanOrEqual(0);
  });
});
