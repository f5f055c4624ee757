import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { KvMachine } from '../../src/raft/demo/kv-machine.js';
import { MemoryDisk, MemoryNetwork, MemoryStorage, type RaftError, RaftNode } from '../../src/raft/index.js';
import { until } from './until.js';

/**
 * Regression (found by test/chaos, pause nemesis): the core measures the
 * leader lease in ticks, and the driver ticked it once per timer callback.
 * A leader whose process was stopped (SIGSTOP, a frozen VM) or whose event
 * loop stalled lost the ticks of the stall, so on resuming it still trusted
 * its lease, although the other servers had elected a new leader and
 * committed writes meanwhile: it answered default (lease) reads from stale
 * state. The driver now ticks the core for all the time that passed before it
 * handles a read, a message or a timer.
 */
const logger = pino({ level: 'silent' });
const enc = (k: string, v: string) => new TextEncoder().encode(JSON.stringify({ k, v }));

describe('RaftNode: a leader that was stalled does not trust its old lease', () => {
  const nodes: RaftNode<number>[] = [];
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop();
  });

  it('after a stall longer than an election timeout, a lease read waits for a quorum instead of answering stale', async () => {
    const net = new MemoryNetwork(3);
    const ids = ['a', 'b', 'c'];
    for (const id of ids) {
      const node = new RaftNode<number>({
        id,
        tickMs: 10,
        readTimeoutMs: 300,
        storage: new MemoryStorage(new MemoryDisk()),
        transport: net.transport(id),
        stateMachine: new KvMachine(),
        peers: new Map(ids.filter((p) => p !== id).map((p) => [p, p])),
        bootstrap: ids,
        logger,
      });
      await node.start();
      nodes.push(node);
    }
    const old = await until('a leader', 10_000, () => nodes.find((n) => n.isLeader()));
    const first = await old.propose(enc('k', 'old'));
    expect(await old.readBarrier(true)).toBeGreaterThanOrEqual(first.index);

    // The old leader stalls: its timer stops firing and nothing reaches it (nor leaves it).
    clearInterval((old as unknown as { ticker: NodeJS.Timeout }).ticker);
    net.isolate(old.id);
    const next = await until('a new leader', 10_000, () => nodes.find((n) => n !== old && n.isLeader()));
    const newer = await next.propose(enc('k', 'new'));

    // It resumes, still cut off, and is asked for a lease read before its timer fires.
    expect(old.isLeader()).toBe(true);
    const read = await old.readBarrier(true).then(
      (index) => ({ index }),
      (e: unknown) => ({ error: e }),
    );
    expect(
      read,
      `stale lease read at index ${'index' in read ? read.index : '-'} < ${newer.index}`,
    ).toHaveProperty('error');
    expect(((read as { error: unknown }).error as RaftError).code).toMatch(
      /RAFT_NOT_LEADER|RAFT_READ_TIMEOUT/,
    );
  });
});
