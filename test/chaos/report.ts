/**
 * A run's report, in its directory: `report.json` (statistics, the nemesis
 * schedule as planned and as carried out, checker results), `history.jsonl`
 * (every operation), and on failure `failure.txt`: the seed and how to replay
 * it, the schedule, the problems, and for each key that is not linearizable
 * the smallest non-linearizable sub-history found.
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describeOp, type Op } from './history.js';
import { describePlan, type PlannedFault, type RealizedEvent } from './nemesis.js';
import type { NetworkStats } from './proxy.js';
import type { ChaosOptions, ChaosResult } from './run.js';

export interface ReportContext {
  readonly opts: ChaosOptions;
  readonly plan: readonly PlannedFault[];
  readonly events: readonly RealizedEvent[];
  readonly ops: readonly Op[];
  readonly network: NetworkStats;
}

export function replayCommand(opts: ChaosOptions): string {
  return [
    'npm run chaos --',
    `--seed ${opts.seed}`,
    `--seconds ${opts.seconds}`,
    `--servers ${opts.servers}`,
    `--nemesis ${opts.nemeses.join(',') || 'none'}`,
    ...(opts.workloads ? [`--workloads ${opts.workloads.join(',')}`] : []),
    ...(opts.staleReads ? ['--stale-reads'] : []),
  ].join(' ');
}

export function writeReport(result: ChaosResult, ctx: ReportContext): void {
  const dir = result.runDir;
  // Written in pieces: a long run's history does not fit in one string.
  const fd = openSync(join(dir, 'history.jsonl'), 'w');
  try {
    for (let i = 0; i < ctx.ops.length; i += 10_000)
      writeSync(
        fd,
        `${ctx.ops
          .slice(i, i + 10_000)
          .map((o) => JSON.stringify(o))
          .join('\n')}\n`,
      );
  } finally {
    closeSync(fd);
  }
  const lin = result.linearizability;
  const json = {
    ok: result.ok,
    seed: result.seed,
    replay: replayCommand(ctx.opts),
    options: { ...ctx.opts, log: undefined },
    durationMs: result.durationMs,
    problems: result.problems,
    operations: { total: result.totalOps, unknown: result.unknownOps, byWorkload: result.ops },
    checkerMs: Math.round(result.checkerMs),
    linearizability: lin && {
      verdict: lin.verdict,
      ms: Math.round(lin.ms),
      keys: lin.keys.map((k) => ({
        key: k.key,
        model: k.model,
        verdict: k.verdict,
        ops: k.search?.ops ?? null,
        states: k.search?.states ?? null,
        ms: k.search ? Math.round(k.search.ms) : null,
        reason: k.search?.reason,
        anomalies: k.anomalies,
        minimal: k.minimal?.map(describeOp),
      })),
    },
    counter: result.counter,
    set: result.set,
    health: result.health,
    network: ctx.network,
    nemesis: { planned: ctx.plan.map((f) => ({ ...f, text: describePlan(f) })), realized: ctx.events },
  };
  writeFileSync(result.reportPath, `${JSON.stringify(json, null, 2)}\n`);
  if (result.failurePath === null) return;

  const lines: string[] = [];
  lines.push(`cairn chaos run FAILED — seed ${result.seed}`);
  lines.push(`replay: ${replayCommand(ctx.opts)}`);
  lines.push(`run directory: ${dir} (server logs n*.log, history.jsonl, report.json)`);
  lines.push('');
  lines.push('problems:');
  for (const p of result.problems) lines.push(`  - ${p}`);
  lines.push('');
  lines.push('nemesis schedule (planned, ms after the workloads started):');
  for (const f of ctx.plan) lines.push(`  +${f.at} ${describePlan(f)}`);
  lines.push('nemesis schedule (carried out, ms on the history clock):');
  for (const e of ctx.events) lines.push(`  ${e.t} ${e.what}`);
  for (const k of lin?.keys ?? []) {
    if (k.verdict !== 'violation') continue;
    lines.push('');
    const all = ctx.ops.filter((o) => o.key === k.key && o.outcome !== 'fail').length;
    lines.push(`key ${k.key} (${k.model} model): not linearizable`);
    for (const a of k.anomalies) lines.push(`  anomaly: ${a}`);
    const d = k.search?.deepest;
    if (d)
      lines.push(
        `  search: at most ${d.linearized} operations linearized; stuck at the completion of #${d.blockedBy} in state ${d.state}`,
      );
    lines.push(
      `  smallest non-linearizable sub-history found (${k.minimal?.length ?? 0} of ${all} operations, shrunk in ${Math.round(k.minimizeMs ?? 0)} ms):`,
    );
    for (const o of k.minimal ?? []) lines.push(`    ${describeOp(o)}`);
    const blocked = ctx.ops.find((o) => o.id === d?.blockedBy);
    if (blocked && blocked.complete !== null) {
      // What ran on this key just before and during the operation every linearization got stuck at.
      const from = blocked.invoke - 500;
      const near = ctx.ops
        .filter(
          (o) =>
            o.key === k.key &&
            o.outcome !== 'fail' &&
            o.invoke <= (blocked.complete as number) &&
            (o.complete ?? o.invoke + 2000) >= from,
        )
        .slice(-40);
      lines.push(
        `  context: operations on ${k.key} overlapping the 500 ms before #${blocked.id} and #${blocked.id} itself:`,
      );
      for (const o of near) lines.push(`    ${describeOp(o)}`);
    }
  }
  lines.push('');
  lines.push('Times are milliseconds on one monotonic clock; [invoke, complete], ∞ = unknown outcome.');
  writeFileSync(result.failurePath, `${lines.join('\n')}\n`);
}
