/**
 * Linearizability of a whole history: partitioned by key (a history is
 * linearizable iff each key's sub-history is, as every operation touches one
 * key), each key checked with the WGL search (wgl.ts) under its model
 * (models.ts). A key whose search runs out of budget is "unknown", never "ok".
 *
 * For a key that is not linearizable, `minimize` looks for a small
 * sub-history that is still not linearizable, using only reductions that
 * keep "the sub-history is not linearizable => the history is not":
 * 1. cutting the history at a time T: operations invoked after T dropped,
 *    those still running at T turned into unknown outcomes (a prefix of a
 *    linearization is a linearization of the prefix), with the smallest T by
 *    bisection (this is monotone in T);
 * 2. dropping operations that cannot change the state as recorded (reads,
 *    failed CAS / acquire / release): a linearization minus them is still one;
 * 3. for registers, dropping a write whose value no remaining read returned,
 *    provided no remaining failed CAS ends after the write began (only a
 *    failed CAS could have relied on that write having happened).
 */
import type { Op } from '../history.js';
import { type BuiltModel, lockModel, registerModel } from './models.js';
import { type Budget, type Model, type SearchResult, search, type Verdict } from './wgl.js';

export type ModelKind = 'register' | 'lock';

export interface KeyResult {
  readonly key: string;
  readonly model: ModelKind;
  readonly verdict: Verdict;
  readonly search: SearchResult | null;
  readonly anomalies: readonly string[];
  /** For a violation: the smallest non-linearizable sub-history found. */
  readonly minimal?: readonly Op[];
  readonly minimizeMs?: number;
}

export interface LinearizabilityResult {
  readonly verdict: Verdict;
  readonly keys: readonly KeyResult[];
  readonly ms: number;
}

export interface CheckOptions {
  /** Per key. */
  readonly maxSteps?: number;
  readonly maxStates?: number;
  readonly msPerKey?: number;
  /** Time for shrinking each failing key's history (0: do not shrink). */
  readonly minimizeMs?: number;
}

// biome-ignore lint/suspicious/noExplicitAny: a model of any state type
type AnyBuilt = BuiltModel<any>;

function build(kind: ModelKind, ops: readonly Op[]): AnyBuilt {
  return kind === 'register' ? registerModel(ops) : lockModel(ops);
}

function budgetOf(opts: CheckOptions, ms: number): Budget {
  return {
    maxSteps: opts.maxSteps ?? 50_000_000,
    maxStates: opts.maxStates ?? 3_000_000,
    deadline: performance.now() + ms,
  };
}

/** Checks one key's operations. */
export function checkKey(
  key: string,
  kind: ModelKind,
  ops: readonly Op[],
  opts: CheckOptions = {},
): KeyResult {
  let built: AnyBuilt;
  try {
    built = build(kind, ops);
  } catch (e) {
    return { key, model: kind, verdict: 'unknown', search: null, anomalies: [(e as Error).message] };
  }
  const res = search(built.model, ops, budgetOf(opts, opts.msPerKey ?? 60_000));
  const verdict: Verdict = built.anomalies.length > 0 ? 'violation' : res.verdict;
  if (verdict !== 'violation') return { key, model: kind, verdict, search: res, anomalies: built.anomalies };
  const started = performance.now();
  const minimal =
    (opts.minimizeMs ?? 20_000) > 0 ? minimize(kind, ops, opts) : ops.filter((o) => o.outcome !== 'fail');
  return {
    key,
    model: kind,
    verdict,
    search: res,
    anomalies: built.anomalies,
    minimal,
    minimizeMs: performance.now() - started,
  };
}

/** Checks every key of `ops` (all operations of one history that have a model). */
export function checkLinearizable(
  ops: readonly Op[],
  kindOf: (op: Op) => ModelKind | null,
  opts: CheckOptions = {},
): LinearizabilityResult {
  const started = performance.now();
  const byKey = new Map<string, { kind: ModelKind; ops: Op[] }>();
  for (const op of ops) {
    const kind = kindOf(op);
    if (kind === null) continue;
    let p = byKey.get(op.key);
    if (!p) {
      p = { kind, ops: [] };
      byKey.set(op.key, p);
    }
    p.ops.push(op);
  }
  const keys = [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, p]) => checkKey(key, p.kind, p.ops, opts));
  const verdict: Verdict = keys.some((k) => k.verdict === 'violation')
    ? 'violation'
    : keys.some((k) => k.verdict === 'unknown')
      ? 'unknown'
      : 'ok';
  return { verdict, keys, ms: performance.now() - started };
}

// ---- shrinking -------------------------------------------------------------------------

function violates(kind: ModelKind, ops: readonly Op[], opts: CheckOptions, deadline: number): boolean {
  let built: AnyBuilt;
  try {
    built = build(kind, ops);
  } catch {
    return false;
  }
  if (built.anomalies.length > 0) return true;
  const left = Math.max(1, deadline - performance.now());
  const r = search(built.model as Model<unknown>, ops, {
    maxSteps: Math.min(opts.maxSteps ?? 50_000_000, 2_000_000),
    maxStates: Math.min(opts.maxStates ?? 3_000_000, 500_000),
    deadline: performance.now() + Math.min(left, 5_000),
  });
  return r.verdict === 'violation';
}

/** The history cut at `t`: later invocations dropped, operations running at `t` made unknown. */
export function cutAt(ops: readonly Op[], t: number): Op[] {
  const out: Op[] = [];
  for (const op of ops) {
    if (op.outcome === 'fail' || op.invoke > t) continue;
    if (op.outcome === 'ok' && op.complete !== null && op.complete <= t) out.push(op);
    else out.push({ ...op, outcome: 'unknown', output: undefined, complete: null, error: 'cut' });
  }
  return out;
}

export function minimize(kind: ModelKind, history: readonly Op[], opts: CheckOptions = {}): Op[] {
  const deadline = performance.now() + (opts.minimizeMs ?? 20_000);
  let ops = history.filter((o) => o.outcome !== 'fail');
  // 1. The earliest cut that is still a violation.
  const times = [...new Set(ops.filter((o) => o.outcome === 'ok').map((o) => o.complete as number))].sort(
    (a, b) => a - b,
  );
  let lo = 0;
  let hi = times.length - 1;
  if (hi >= 0 && violates(kind, cutAt(ops, times[hi]!), opts, deadline)) {
    while (lo < hi && performance.now() < deadline) {
      const mid = (lo + hi) >> 1;
      if (violates(kind, cutAt(ops, times[mid]!), opts, deadline)) hi = mid;
      else lo = mid + 1;
    }
    ops = cutAt(ops, times[hi]!);
  }
  // 2 and 3, until nothing more goes or time is up.
  const built = build(kind, ops);
  const readOnly = (o: Op) => built.model.readOnly(o);
  for (let round = 0; round < 4 && performance.now() < deadline; round++) {
    const before = ops.length;
    ops = shrink(ops, readOnly, () => true, kind, opts, deadline);
    if (kind === 'register') ops = shrink(ops, (o) => !readOnly(o), writesDroppable, kind, opts, deadline);
    if (ops.length === before) break;
  }
  return ops.sort((a, b) => a.invoke - b.invoke);
}

/** Register step 3's condition for dropping `removed` (writes) and keeping `kept`. */
function writesDroppable(removed: readonly Op[], kept: readonly Op[]): boolean {
  const seen = new Set<string>();
  let lastFailedCasEnd = -Infinity;
  for (const o of kept) {
    if (o.f === 'read' && o.outcome === 'ok') {
      const v = (o.output as { value: string | null }).value;
      if (v !== null) seen.add(v);
    }
    if (o.f === 'cas' && o.outcome === 'ok' && o.output === false)
      lastFailedCasEnd = Math.max(lastFailedCasEnd, o.complete as number);
  }
  return removed.every(
    (w) => !seen.has((w.input as { value: string }).value) && lastFailedCasEnd <= w.invoke,
  );
}

/** Greedy chunked removal (halving chunk sizes) of candidates, keeping the violation. */
function shrink(
  ops: Op[],
  candidate: (o: Op) => boolean,
  allowed: (removed: readonly Op[], kept: readonly Op[]) => boolean,
  kind: ModelKind,
  opts: CheckOptions,
  deadline: number,
): Op[] {
  let current = ops;
  const cands = ops.filter(candidate);
  for (let size = Math.max(1, Math.ceil(cands.length / 2)); size >= 1; size = Math.floor(size / 2)) {
    for (let i = 0; i < cands.length; i += size) {
      if (performance.now() > deadline) return current;
      const chunk = new Set(cands.slice(i, i + size).filter((o) => current.includes(o)));
      if (chunk.size === 0) continue;
      const kept = current.filter((o) => !chunk.has(o));
      if (!allowed([...chunk], kept)) continue;
      if (violates(kind, kept, opts, deadline)) current = kept;
    }
    if (size === 1) break;
  }
  return current;
}
