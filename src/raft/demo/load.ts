import type { RaftNode } from '../driver.js';
import { RaftError } from '../errors.js';

export interface LoadResult {
  readonly ops: number;
  readonly opsPerSec: number;
  readonly errors: Record<string, number>;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly entriesPerFsync: number;
  readonly seconds: number;
}

/**
 * Closed-loop proposers inside the leader's process: each proposes a
 * `size`-byte command, waits for it to apply, and proposes the next. This
 * measures consensus (batching, fsync, replication), not an HTTP stack.
 */
export async function runProposers(
  node: RaftNode<number>,
  opts: { concurrency: number; seconds: number; size: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const syncedBefore = node.stats.syncedWrites;
  const entriesBefore = node.stats.entriesWritten;
  const started = performance.now();
  const deadline = started + opts.seconds * 1000;
  const payload = (i: number) => {
    const b = new Uint8Array(opts.size);
    b.fill(0x61);
    new DataView(b.buffer).setUint32(0, i);
    return b;
  };
  let seq = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        await node.propose(payload(seq++));
        latencies.push(performance.now() - t0);
      } catch (e) {
        const code = e instanceof RaftError ? e.code : 'ERROR';
        errors[code] = (errors[code] ?? 0) + 1;
        if (code === 'RAFT_NOT_LEADER') await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  const synced = node.stats.syncedWrites - syncedBefore;
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    ops: latencies.length,
    opsPerSec: Math.round(latencies.length / seconds),
    errors,
    p50Ms: round(q(0.5)),
    p99Ms: round(q(0.99)),
    maxMs: round(latencies[latencies.length - 1] ?? 0),
    entriesPerFsync: round(synced > 0 ? (node.stats.entriesWritten - entriesBefore) / synced : 0),
    seconds: round(seconds),
  };
}
