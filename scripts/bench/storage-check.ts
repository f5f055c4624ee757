import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentProcess, RegistryCluster } from '../../cluster/index.js';
import { LevelStorage } from '../../src/raft/storage/index.js';
import { benchOutput, parseFlags, quantile, round, sleep, stopOnSignals } from './support/index.js';

/**
 * `npm run bench:storage-check`: what watching the data directory costs, and how soon it acts.
 *
 * - verify: `LevelStorage.verify()` (two stats, an access and an open/close of the marker)
 *   `--checks` times in a row: wall time per check (p50, p99, in ms) and CPU per check (µs).
 * - halt: `--trials` times, a one-server cairn (`--dev`) under `--concurrency` closed-loop KV
 *   writers, whose data directory is deleted after a second: ms from the deletion to the
 *   process's exit, its exit status, and the writes acknowledged after the deletion began
 *   (`ackedAfterDelete`, an upper bound: some were on disk before) and those sent after it had
 *   finished (`ackedSentAfterDelete`: on a single server each is a lost write; the marker check
 *   made with every write should keep it at 0 for a deletion by rm).
 *
 * One JSON line per benchmark on stdout; progress on stderr.
 */

const { progress, fail } = benchOutput('bench:storage-check');
const values = parseFlags(
  {
    checks: { type: 'string', default: '5000' },
    trials: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '4' },
  },
  fail,
);
const checks = Number(values.checks);
const trials = Number(values.trials);
const concurrency = Number(values.concurrency);
if (![checks, trials, concurrency].every((n) => Number.isInteger(n) && n > 0))
  fail('--checks, --trials and --concurrency must be positive integers', 2);

const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-storage-'));
let current: RegistryCluster | null = null;
const stopAll = async () => {
  await current?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
};
const interrupted = stopOnSignals(stopAll, progress);

async function benchVerify(): Promise<void> {
  const storage = new LevelStorage(join(dir, 'verify'));
  await storage.open();
  for (let i = 0; i < 200; i++) await storage.verify();
  const times = new Float64Array(checks);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < checks; i++) {
    const t0 = performance.now();
    const fault = await storage.verify();
    times[i] = performance.now() - t0;
    if (fault) fail(`verify reported ${fault.code} on a healthy directory`);
  }
  const cpu = process.cpuUsage(cpu0);
  await storage.close();
  times.sort();
  process.stdout.write(
    `${JSON.stringify({
      bench: 'verify',
      checks,
      p50Ms: quantile(times, 0.5),
      p99Ms: quantile(times, 0.99),
      cpuUsPerCheck: round((cpu.user + cpu.system) / checks, 1),
    })}\n`,
  );
}

interface Trial {
  haltMs: number;
  exitCode: number | null;
  /** Answered after the deletion began: an upper bound, as some were on disk before it. */
  ackedAfterDelete: number;
  /** Sent after the deletion had finished: each one a write acknowledged into deleted files. */
  ackedSentAfterDelete: number;
  acked: number;
}

async function oneHalt(n: number): Promise<Trial> {
  const base = join(dir, `halt-${n}`);
  const cluster = await RegistryCluster.create({ size: 1, baseDir: base, logLevel: 'warn' });
  current = cluster;
  cluster.start();
  const server = (await cluster.waitForLeader(60_000)) as AgentProcess;
  let deletedAt = Number.POSITIVE_INFINITY;
  let deletedBy = Number.POSITIVE_INFINITY;
  let acked = 0;
  let ackedAfterDelete = 0;
  let ackedSentAfterDelete = 0;
  const writers = Array.from({ length: concurrency }, async (_, w) => {
    for (let i = 0; server.running; i++) {
      const sent = performance.now();
      try {
        const res = await fetch(`${server.url}/v1/kv/bench/${w}/${i}`, {
          method: 'PUT',
          body: 'x',
          signal: AbortSignal.timeout(5_000),
        });
        if (res.status === 200 && (await res.json()) === true) {
          acked++;
          if (performance.now() > deletedAt) ackedAfterDelete++;
          if (sent > deletedBy) ackedSentAfterDelete++;
        }
      } catch {
        // Refused or reset once it halts: the loop ends on `running`.
      }
    }
  });
  await sleep(1000);
  deletedAt = performance.now();
  rmSync(join(base, server.name), { recursive: true, force: true, maxRetries: 5 });
  deletedBy = performance.now();
  const deadline = Date.now() + 30_000;
  while (server.running && Date.now() < deadline) await sleep(5);
  const haltMs = performance.now() - deletedAt;
  const exitCode = server.exitCode;
  await cluster.stop('SIGKILL');
  await Promise.all(writers);
  current = null;
  return { haltMs: round(haltMs), exitCode, ackedAfterDelete, ackedSentAfterDelete, acked };
}

async function benchHalt(): Promise<void> {
  const results: Trial[] = [];
  for (let n = 0; n < trials && !interrupted(); n++) {
    const t = await oneHalt(n);
    progress(`trial ${n + 1}: halted ${t.haltMs} ms after the deletion, exit ${t.exitCode}`);
    results.push(t);
  }
  const halts = Float64Array.from(results.map((r) => r.haltMs)).sort();
  process.stdout.write(
    `${JSON.stringify({
      bench: 'halt',
      trials: results.length,
      concurrency,
      haltMsMin: halts[0] ?? null,
      haltMsMedian: quantile(halts, 0.5),
      haltMsMax: halts[halts.length - 1] ?? null,
      exitCodes: results.map((r) => r.exitCode),
      ackedAfterDelete: results.map((r) => r.ackedAfterDelete),
      ackedSentAfterDelete: results.map((r) => r.ackedSentAfterDelete),
      ackedTotal: results.map((r) => r.acked),
    })}\n`,
  );
}

try {
  progress(`verify: ${checks} checks`);
  await benchVerify();
  progress(`halt: ${trials} trials`);
  await benchHalt();
} finally {
  await stopAll();
}
