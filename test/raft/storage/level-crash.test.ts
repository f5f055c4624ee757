import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { LevelStorage } from '../../../src/raft/storage/index.js';

const WRITER = join(import.meta.dirname, 'crash-writer.mjs');

interface Batch {
  readonly from: number;
  readonly to: number;
  readonly term: number;
}

/** index -> term of the log a sequence of batches leaves behind. */
function apply(log: Map<number, number>, b: Batch): Map<number, number> {
  const next = new Map([...log].filter(([i]) => i < b.from));
  for (let i = b.from; i <= b.to; i++) next.set(i, b.term);
  return next;
}

/**
 * Starts the writer, lets it acknowledge `acks` synced batches, SIGKILLs it,
 * and returns what it acknowledged and what it was writing when it died.
 */
function runAndKill(
  dir: string,
  seed: number,
  acks: number,
): Promise<{ acked: Batch[]; inFlight: Batch | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: Batch[] = [];
    let inFlight: Batch | null = null;
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [kind, from, to, term] = line.split(' ');
      const b = { from: Number(from), to: Number(to), term: Number(term) };
      if (kind === 'will') inFlight = b;
      else if (kind === 'ack') {
        acked.push(b);
        inFlight = null;
      }
      if (acked.length >= acks && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code}: ${stderr}`));
      else resolve({ acked, inFlight });
    });
  });
}

describe('LevelStorage survives SIGKILL in the middle of synced writes', () => {
  it('keeps every acknowledged batch, never half a batch, never a lower term', async () => {
    const seed = Number(process.env.CAIRN_SEED ?? Date.now() % 1_000_000);
    const dir = mkdtempSync(join(tmpdir(), 'cairn-crash-'));
    let rng = seed || 1;
    const next = (n: number) => {
      rng = (rng * 1103515245 + 12345) % 2 ** 31;
      return rng % n;
    };
    try {
      let model = new Map<number, number>();
      let lastTerm = 0;
      for (let round = 0; round < 5; round++) {
        const { acked, inFlight } = await runAndKill(dir, seed + round, 30 + next(200));
        for (const b of acked) model = apply(model, b);
        if (acked.length > 0) lastTerm = (acked[acked.length - 1] as Batch).term;

        const s = new LevelStorage(dir);
        await s.open();
        const st = await s.load();
        await s.close();
        const loaded = new Map(st.entries.map((e) => [e.index, e.term]));
        for (const e of st.entries) {
          expect(new TextDecoder().decode(e.data), `seed ${seed} round ${round}`).toBe(
            `${e.index}@${e.term}`,
          );
        }
        // The batch being written at the kill either made it whole or not at all.
        const candidates = [model, ...(inFlight ? [apply(model, inFlight)] : [])];
        const match = candidates.findIndex(
          (m) => m.size === loaded.size && [...m].every(([i, t]) => loaded.get(i) === t),
        );
        expect(
          match,
          `seed ${seed} round ${round}: loaded log matches neither the acked nor acked+in-flight state`,
        ).toBeGreaterThanOrEqual(0);
        if (match === 1 && inFlight) {
          model = candidates[1] as Map<number, number>;
          lastTerm = inFlight.term;
        }
        expect(st.hardState.term, `seed ${seed} round ${round}: term went back`).toBe(lastTerm);
        expect(st.hardState.vote, `seed ${seed} round ${round}: vote lost`).toBe(`v${lastTerm}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
