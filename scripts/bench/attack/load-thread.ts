import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { type LoadFigures, steadyLoad } from './load.js';

/*
 * The load and probe run on a thread of their own: thousands of attack sockets on the main thread's
 * event loop would otherwise delay the probe's own callbacks, and the probe would measure the attacker.
 */

interface LoadJob {
  readonly url: string;
  readonly ms: number;
  readonly rate: number;
  readonly probeEveryMs: number;
}

/** Runs `steadyLoad` for `job.ms` on a worker thread; resolves with its figures. */
export function loadOnThread(job: LoadJob): Promise<LoadFigures> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: job });
    w.once('message', (f: LoadFigures) => resolve(f));
    w.once('error', reject);
    w.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the load thread exited with ${code}`));
    });
  });
}

if (!isMainThread && parentPort !== null) {
  const job = workerData as LoadJob;
  const port = parentPort;
  void steadyLoad(job.url, performance.now() + job.ms, job.rate, job.probeEveryMs, () => false).then((f) =>
    port.postMessage(f),
  );
}
