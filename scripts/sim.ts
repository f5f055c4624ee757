/**
 * Runs seeded Raft simulations: `npm run sim -- --seeds N --start S [--verbose]`.
 * Prints SIM_SEED=<s> for each failure (enough to replay it exactly) and ends
 * with "<n> passed, <m> failed".
 */
import { runSeed } from '../test/raft/sim/run.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`--${name}: expected a non-negative integer, got ${process.argv[i + 1] ?? 'nothing'}`);
    process.exit(2);
  }
  return v;
}

const seeds = arg('seeds', 100);
const start = arg('start', 1);
const verbose = process.argv.includes('--verbose');
let passed = 0;
let failed = 0;
const began = Date.now();
for (let seed = start; seed < start + seeds; seed++) {
  const run = runSeed(seed);
  if (run.ok) passed++;
  else {
    failed++;
    console.log(`SIM_SEED=${seed} ${run.error}`);
    if (verbose) {
      console.log(JSON.stringify(run.params));
      for (const line of run.trace) console.log(`  ${line}`);
    }
  }
  if ((seed - start + 1) % 500 === 0) {
    process.stderr.write(
      `… ${seed - start + 1}/${seeds} seeds, ${failed} failed, ${((Date.now() - began) / 1000).toFixed(0)} s\n`,
    );
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
