import { Agent } from 'node:http';
import { quantile, sleep } from '../support/index.js';
import { call, get } from './http-call.js';

/** The cluster's own traffic during an attack: from 127.0.0.1, which the attacker never uses. */
export const NORMAL_SOURCE = '127.0.0.1';

export interface LoadFigures {
  readonly writes_committed: number;
  readonly writes_per_s: number;
  readonly writes_failed: number;
  /** Writes not started because `maxInFlight` were still waiting: the server fell behind the rate. */
  readonly writes_not_started: number;
  readonly write_p99_ms: number | null;
  readonly probes: number;
  readonly probe_failures: number;
  readonly probe_p50_ms: number | null;
  readonly probe_p99_ms: number | null;
  readonly probe_max_ms: number | null;
  /** Probes that needed a new connection (the kept-alive one was gone). */
  readonly probe_new_connections: number;
  /** The slowest probes (at most 5 of 250 ms or more): when in the phase, how long, and on what connection. */
  readonly probe_slowest: readonly { at_s: number; ms: number; new_connection: boolean; status: number }[];
}

/**
 * KV writes at `rate` a second and a KV read every `probeEveryMs` (each after the previous answered)
 * against `url` until `until`; resolves once every write started has answered or timed out.
 */
export async function steadyLoad(
  url: string,
  until: number,
  rate: number,
  probeEveryMs: number,
  interrupted: () => boolean,
): Promise<LoadFigures> {
  const started = performance.now();
  const writeAgent = new Agent({ keepAlive: true, maxSockets: 64 });
  const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const maxInFlight = 64;
  let inFlight = 0;
  let committed = 0;
  let failed = 0;
  let notStarted = 0;
  const writeMs: number[] = [];
  const writes: Promise<void>[] = [];

  const writer = async (): Promise<void> => {
    let n = 0;
    while (performance.now() < until && !interrupted()) {
      // Paced from the start, so a stall is followed by catch-up up to maxInFlight, not by a slower rate.
      const due = started + (n * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (performance.now() >= until) break;
      const i = n++;
      if (inFlight >= maxInFlight) {
        notStarted++;
        continue;
      }
      inFlight++;
      const t = performance.now();
      writes.push(
        call(`${url}/v1/kv/bench/attack/k${i % 200}`, NORMAL_SOURCE, 10_000, 'PUT', `v${i}`, writeAgent).then(
          (a) => {
            inFlight--;
            if (a.status === 200 && a.text.trim() === 'true') {
              committed++;
              writeMs.push(performance.now() - t);
            } else failed++;
          },
        ),
      );
    }
  };

  const probeMs: number[] = [];
  let probeFailures = 0;
  let probeNewConnections = 0;
  const slow: { at_s: number; ms: number; new_connection: boolean; status: number }[] = [];
  const prober = async (): Promise<void> => {
    while (performance.now() < until && !interrupted()) {
      const t = performance.now();
      const a = await get(`${url}/v1/kv/bench/probe`, NORMAL_SOURCE, 10_000, probeAgent);
      const ms = performance.now() - t;
      probeMs.push(ms);
      if (a.reused !== true) probeNewConnections++;
      if (ms >= 250) {
        slow.push({
          at_s: Math.round((t - started) / 100) / 10,
          ms: Math.round(ms),
          new_connection: a.reused !== true,
          status: a.status,
        });
      }
      if (a.status !== 200) probeFailures++;
      await sleep(probeEveryMs);
    }
  };

  await Promise.all([writer(), prober()]);
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(writes);
  writeAgent.destroy();
  probeAgent.destroy();
  writeMs.sort((a, b) => a - b);
  probeMs.sort((a, b) => a - b);
  return {
    writes_committed: committed,
    writes_per_s: Math.round((committed / elapsed) * 10) / 10,
    writes_failed: failed,
    writes_not_started: notStarted,
    write_p99_ms: quantile(writeMs, 0.99),
    probes: probeMs.length,
    probe_failures: probeFailures,
    probe_p50_ms: quantile(probeMs, 0.5),
    probe_p99_ms: quantile(probeMs, 0.99),
    probe_max_ms: probeMs.length === 0 ? null : quantile(probeMs, 1),
    probe_new_connections: probeNewConnections,
    probe_slowest: slow.sort((a, b) => b.ms - a.ms).slice(0, 5),
  };
}
