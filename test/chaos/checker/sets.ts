/**
 * The set workload's checker: grow-only sets (one per operation key) with
 * adds and full reads.
 * Necessary conditions of linearizability, checked exactly (no search):
 * - lost: an acknowledged add missing from the final read of any server, or
 *   from a read invoked after the add was acknowledged;
 * - disappeared: an element one read returned, missing from a read invoked
 *   after that read completed;
 * - phantom: an element that no add could have written (never attempted, or
 *   reported failed, or attempted only after the read completed).
 */
import type { Op } from '../history.js';

export interface SetCheck {
  readonly ok: boolean;
  readonly problems: string[];
  readonly acknowledged: number;
  readonly unknown: number;
  readonly failed: number;
  readonly reads: number;
}

export interface FinalSetRead {
  readonly server: string;
  /** Every set's elements on that server, as [set, element] pairs; null if the read failed. */
  readonly elements: readonly (readonly [string, string])[] | null;
}

const MAX_PROBLEMS = 50;

/** Checks every set (operation key) of the workload. */
export function checkSet(ops: readonly Op[], finals: readonly FinalSetRead[]): SetCheck {
  const problems: string[] = [];
  const bySet = new Map<string, Op[]>();
  for (const o of ops) {
    const list = bySet.get(o.key) ?? [];
    list.push(o);
    bySet.set(o.key, list);
  }
  for (const f of finals)
    for (const [set, e] of f.elements ?? [])
      if (!bySet.has(set))
        problems.push(`phantom: the final read on ${f.server} returned ${set}/${e}, a set nobody wrote`);
  let acknowledged = 0;
  let unknown = 0;
  let failed = 0;
  let reads = 0;
  for (const [set, list] of bySet) {
    const one = checkOneSet(
      set,
      list,
      finals.map((f) => ({
        server: f.server,
        elements: f.elements === null ? null : f.elements.filter(([s]) => s === set).map(([, e]) => e),
      })),
    );
    for (const p of one.problems) if (problems.length < MAX_PROBLEMS) problems.push(p);
    acknowledged += one.acknowledged;
    unknown += one.unknown;
    failed += one.failed;
    reads += one.reads;
  }
  return { ok: problems.length === 0, problems, acknowledged, unknown, failed, reads };
}

function checkOneSet(
  set: string,
  ops: readonly Op[],
  finals: readonly { server: string; elements: readonly string[] | null }[],
): SetCheck {
  const problems: string[] = [];
  const report = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(`${set}: ${p}`);
  };
  const adds = ops.filter((o) => o.f === 'add');
  const addOf = new Map<string, Op>();
  for (const a of adds) addOf.set(a.input as string, a);
  const ok = adds.filter((a) => a.outcome === 'ok');
  const reads = ops
    .filter((o) => o.f === 'read-set' && o.outcome === 'ok' && o.mode !== 'stale')
    .sort((x, y) => x.invoke - y.invoke);

  const phantom = (e: string, before: number, where: string) => {
    const a = addOf.get(e);
    if (!a) report(`phantom: ${where} returned ${e}, which no client added`);
    else if (a.outcome === 'fail')
      report(`phantom: ${where} returned ${e}, whose add was refused${a.error ? ` (${a.error})` : ''}`);
    else if (a.invoke > before) report(`phantom: ${where} returned ${e} before its add (#${a.id}) began`);
  };

  for (const f of finals) {
    if (f.elements === null) {
      report(`final read on ${f.server} failed`);
      continue;
    }
    const have = new Set(f.elements);
    for (const a of ok)
      if (!have.has(a.input as string))
        report(`lost: acknowledged add #${a.id} ${a.input} missing on ${f.server}`);
    for (const e of have) phantom(e, Infinity, `the final read on ${f.server}`);
  }

  // Reads against the adds acknowledged, and the reads completed, before they began.
  const acked = [...ok].sort((x, y) => (x.complete as number) - (y.complete as number));
  const done = [...reads].sort((x, y) => (x.complete as number) - (y.complete as number));
  const mustHave = new Map<string, string>();
  let ai = 0;
  let ri = 0;
  for (const r of reads) {
    while (ai < acked.length && (acked[ai]!.complete as number) < r.invoke) {
      const a = acked[ai++]!;
      mustHave.set(a.input as string, `add #${a.id} (acknowledged before)`);
    }
    while (ri < done.length && (done[ri]!.complete as number) < r.invoke) {
      const d = done[ri++]!;
      for (const e of d.output as string[])
        if (!mustHave.has(e)) mustHave.set(e, `read #${d.id} (completed before)`);
    }
    const have = new Set(r.output as string[]);
    for (const [e, why] of mustHave) {
      if (!have.has(e))
        report(
          `${why.startsWith('add') ? 'lost' : 'disappeared'}: read #${r.id} on ${r.server} lacks ${e}, seen by ${why}`,
        );
    }
    for (const e of have) phantom(e, r.complete as number, `read #${r.id}`);
  }
  return {
    ok: problems.length === 0,
    problems,
    acknowledged: ok.length,
    unknown: adds.filter((a) => a.outcome === 'unknown').length,
    failed: adds.filter((a) => a.outcome === 'fail').length,
    reads: reads.length,
  };
}
