import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalCluster } from '../../cluster/index.js';
import type { LoadResult } from '../../src/raft/demo/load.js';

/**
 * Raft throughput and latency: 1, 3 and 5 servers as separate processes on
 * loopback with durable (fsync'd) writes. 64 closed-loop proposers run inside
 * the leader's process (POST /raft/load) so the figures are consensus
 * (batching, fsync, replication), not an HTTP stack. One JSON line per size.
 */

const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: '1,3,5' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '64' },
    size: { type: 'string', default: '256' },
    /** Write a V8 CPU profile of every server into this directory. */
    profile: { type: 'string' },
  },
});
const sizes = values.servers.split(',').map(Number);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const size = Number(values.size);
if (
  sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 7) ||
  !(seconds > 0) ||
  !(concurrency > 0) ||
  !(size > 0)
) {
  process.stderr.write(
    'bench:raft: --servers is a list of 1..7, --seconds/--concurrency/--size positive numbers\n',
  );
  process.exit(2);
}

for (const n of sizes) {
  const dir = mkdtempSync(join(tmpdir(), `cairn-bench-raft-${n}-`));
  const cluster = await LocalCluster.create({
    size: n,
    baseDir: dir,
    logLevel: 'warn',
    ...(values.profile ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] } : {}),
  });
  try {
    cluster.start();
    const leader = await cluster.waitForLeader(30_000);
    process.stderr.write(`bench:raft: ${n} server(s), leader ${leader.id}, ${seconds}s of load...\n`);
    const res = await leader.post(`/raft/load?concurrency=${concurrency}&seconds=${seconds}&size=${size}`);
    if (res.status !== 200) throw new Error(`load failed: ${res.status} ${JSON.stringify(res.body)}`);
    const r = res.body as LoadResult;
    const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
    process.stdout.write(
      `${JSON.stringify({
        servers: n,
        ops_per_s: r.opsPerSec,
        p50_ms: r.p50Ms,
        p99_ms: r.p99Ms,
        max_ms: r.maxMs,
        entries_per_fsync: r.entriesPerFsync,
        ops: r.ops,
        errors,
        concurrency,
        size_bytes: size,
        seconds,
      })}\n`,
    );
  } finally {
    await cluster.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
