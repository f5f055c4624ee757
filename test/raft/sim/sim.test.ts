import { describe, expect, it } from 'vitest';
import { runSeed } from './run.js';

const SEEDS = 320;
const BATCH = 40;

describe('raft deterministic simulation', () => {
  for (let start = 1; start <= SEEDS; start += BATCH) {
    it(`seeds ${start}..${start + BATCH - 1} keep every invariant`, () => {
      const failures: string[] = [];
      for (let seed = start; seed < start + BATCH; seed++) {
        const run = runSeed(seed);
        if (!run.ok) failures.push(`SIM_SEED=${seed}: ${run.error}`);
      }
      expect(failures).toEqual([]);
    });
  }
});
