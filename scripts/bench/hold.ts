import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HoldMessage, HoldPlan, HoldResult } from './hold-worker.js';
import type { LoadFigures } from './load.js';
import { quantile, round } from './support/index.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'hold-worker.js');

export interface HoldFigures {
  /** Seconds from the start until every instance was registered. */
  readonly register_s: number;
  readonly registrations_per_s: number;
  readonly register_errors: number;
  readonly heartbeats_while_registering: number;
  readonly late_before_window: number;
  readonly late_in_window: number;
  /** Instances late at some point or at the end (hold-worker.ts), by id. */
  readonly lateIds: ReadonlySet<number>;
  /** The measured window: heartbeats only, every instance registered. */
  readonly heartbeats: LoadFigures;
}

export interface HoldHooks {
  /** Runs once every instance is registered, before the window opens (e.g. read an expiry counter). */
  readonly beforeWindow: () => Promise<void>;
}

/**
 * Runs the hold workload (hold-worker.ts) on `threads` threads: registers `instances` and
 * heartbeats each from its registration on, then measures `seconds` of heartbeats.
 */
export async function runHold(
  plan: Omit<HoldPlan, 'offset' | 'stride' | 'concurrency'> & { readonly concurrency: number },
  threads: number,
  hooks: HoldHooks,
): Promise<HoldFigures> {
  const started = performance.now();
  const per = Math.max(1, Math.floor(plan.concurrency / threads));
  const workers = Array.from(
    { length: threads },
    (_, t) =>
      new Worker(WORKER, {
        workerData: { ...plan, concurrency: per, offset: t, stride: threads } satisfies HoldPlan,
      }),
  );
  let registeredAt = 0;
  let windowOpened = 0;
  const running = new Promise<HoldResult[]>((resolve, reject) => {
    const out: HoldResult[] = [];
    let registeredCount = 0;
    for (const w of workers) {
      w.once('error', reject);
      w.on('message', (m: HoldMessage) => {
        if (m.kind === 'registered') {
          registeredCount++;
          if (registeredCount < workers.length) return;
          registeredAt = performance.now();
          hooks.beforeWindow().then(() => {
            windowOpened = performance.now();
            for (const x of workers) x.postMessage({ kind: 'measure' });
          }, reject);
          return;
        }
        out.push(m);
        if (out.length === workers.length) resolve(out);
      });
    }
  });
  // One failed thread fails the run; the others would otherwise heartbeat forever.
  const results = await running.catch(async (e: unknown) => {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  });
  const windowSeconds = (performance.now() - windowOpened) / 1000;
  const all = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const registerSeconds = (registeredAt - started) / 1000;
  const sum = (f: (r: HoldResult) => number) => results.reduce((n, r) => n + f(r), 0);
  return {
    register_s: round(registerSeconds, 1),
    registrations_per_s: Math.round(plan.instances / registerSeconds),
    register_errors: sum((r) => r.registerErrors),
    heartbeats_while_registering: sum((r) => r.heartbeatsWhileRegistering),
    late_before_window: sum((r) => r.lateBeforeWindow),
    late_in_window: sum((r) => r.lateInWindow),
    lateIds: new Set(results.flatMap((r) => r.lateIds)),
    heartbeats: {
      ops: all.length,
      ops_per_s: Math.round(all.length / windowSeconds),
      errors: sum((r) => r.errors),
      p50_ms: quantile(all, 0.5),
      p99_ms: quantile(all, 0.99),
      max_ms: all.length ? round(all[all.length - 1] as number) : null,
    },
  };
}
