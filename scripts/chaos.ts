/**
 * Fault tests on a real cluster (test/chaos): `npm run chaos -- [options]`.
 *
 *   --seconds S        how long the nemesis works (default 60)
 *   --seed N           the seed of the fault schedule and the clients (default: from the clock)
 *   --servers N        3 or 5 (default 3)
 *   --nemesis LIST     any of kill,partition,pause,clock, or none (default: all four)
 *   --workloads LIST   any of register,counter,set,lock,health (default: all)
 *   --stale-reads      register and counter reads use ?stale: the run must FAIL (checker self-check)
 *   --dir D            where run directories go (default: $TMPDIR/cairn-chaos)
 *   --keep-data        keep the servers' data directories after a passing run
 *   --log-level L      the servers' log level (default info)
 *
 * Prints the schedule and progress, then one JSON line of statistics. Exit
 * status 0 when every check passed, 1 when one failed (the report names the
 * seed, the schedule and the smallest non-linearizable sub-history), 2 for bad
 * options. While it runs, <dir>/chaos.pid holds this process's PID and each
 * server's pidfile sits beside its log; SIGINT or SIGTERM stops everything.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NEMESES, type NemesisKind } from '../test/chaos/nemesis.js';
import { runChaos, WORKLOADS, type WorkloadName } from '../test/chaos/run.js';

function fail(message: string): never {
  console.error(`chaos: ${message}`);
  process.exit(2);
}

function value(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) fail(`--${name} needs a value`);
  return v;
}

function int(name: string, fallback: number, min: number): number {
  const raw = value(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) fail(`--${name}: expected an integer >= ${min}, got ${raw}`);
  return v;
}

function list<T extends string>(name: string, allowed: readonly T[], fallback: readonly T[]): T[] {
  const raw = value(name);
  if (raw === undefined) return [...fallback];
  if (raw === 'none') return [];
  const items = raw.split(',').map((s) => s.trim());
  for (const it of items)
    if (!(allowed as readonly string[]).includes(it))
      fail(`--${name}: unknown "${it}" (${allowed.join(', ')})`);
  return items as T[];
}

const known = new Set([
  'seconds',
  'seed',
  'servers',
  'nemesis',
  'workloads',
  'dir',
  'log-level',
  'stale-reads',
  'keep-data',
]);
for (const a of process.argv.slice(2))
  if (a.startsWith('--') && !known.has(a.slice(2))) fail(`unknown option ${a}`);

const seconds = int('seconds', 60, 5);
const seed = int('seed', Date.now() % 1_000_000, 0);
const servers = int('servers', 3, 3);
if (servers !== 3 && servers !== 5) fail('--servers: 3 or 5');
const nemeses = list<NemesisKind>('nemesis', NEMESES, NEMESES);
const workloads = list<WorkloadName>('workloads', WORKLOADS, WORKLOADS);
const dir = value('dir') ?? join(tmpdir(), 'cairn-chaos');
mkdirSync(dir, { recursive: true });
const pidFile = join(dir, 'chaos.pid');
writeFileSync(pidFile, `${process.pid}\n`);

const abort = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => abort.abort());

const result = await runChaos({
  seed,
  seconds,
  servers,
  nemeses,
  workloads,
  baseDir: dir,
  staleReads: process.argv.includes('--stale-reads'),
  keepData: process.argv.includes('--keep-data'),
  logLevel: value('log-level') ?? 'info',
  signal: abort.signal,
  log: (line) => console.log(line),
});
rmSync(pidFile, { force: true });
for (const p of result.problems.slice(0, 20)) console.log(`  problem: ${p}`);
console.log(
  JSON.stringify({
    ok: result.ok,
    seed,
    servers,
    seconds,
    nemeses,
    operations: result.totalOps,
    unknown: result.unknownOps,
    byWorkload: result.ops,
    faults: result.faults,
    checkerMs: Math.round(result.checkerMs),
    linearizability: result.linearizability?.keys.map((k) => ({
      key: k.key,
      verdict: k.verdict,
      ops: k.search?.ops,
      ms: k.search ? Math.round(k.search.ms) : null,
    })),
    counter: result.counter,
    report: result.failurePath ?? result.reportPath,
  }),
);
process.exit(result.ok ? 0 : 1);
