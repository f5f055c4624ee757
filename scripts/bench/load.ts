import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerPlan } from './load-worker.js';
import { quantile, round } from './support/index.js';

export interface LoadFigures {
  readonly ops: number;
  readonly ops_per_s: number;
  readonly errors: number;
  readonly p50_ms: number | null;
  readonly p99_ms: number | null;
  readonly max_ms: number | null;
}

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'load-worker.js');

/** Runs `plan` on `threads` load-generator threads (concurrency split between them) and merges the figures. */
export async function runLoad(plan: WorkerPlan, threads: number): Promise<LoadFigures> {
  const started = performance.now();
  const per = Math.max(1, Math.floor(plan.concurrency / threads));
  const results = await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const part: WorkerPlan = {
        ...plan,
        concurrency: per,
        // Threads take disjoint id ranges so registrations never collide.
        first:
          plan.workload === 'register' || plan.workload === 'etcd-lease-put'
            ? plan.first + t * 10_000_000
            : plan.first,
        offset: t,
        stride: threads,
      };
      return new Promise<{ latencies: number[]; errors: number }>((resolve, reject) => {
        const w = new Worker(WORKER, { workerData: part });
        w.once('message', resolve);
        w.once('error', reject);
      });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const all = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return {
    ops: all.length,
    ops_per_s: Math.round(all.length / seconds),
    errors: results.reduce((n, r) => n + r.errors, 0),
    p50_ms: quantile(all, 0.5),
    p99_ms: quantile(all, 0.99),
    max_ms: all.length ? round(all[all.length - 1] as number) : null,
  };
}
