/**
 * The Wing–Gong linearizability search with Lowe's improvements (the
 * algorithm Porcupine implements), over one partition of a history (one key).
 *
 * Calls and returns sit in one doubly linked list in time order (a call
 * before a return at the same instant: closed intervals, ops that touch are
 * concurrent). The search walks the list: at a call it tries to linearize
 * that operation now (the model accepts its recorded output in the current
 * state); it lifts the call and its return out of the list and starts again
 * from the head. Reaching a return means the operation it closes was not
 * linearized in time: undo the last choice (unlift) and try the next call.
 * Every (set of linearized operations, model state) reached is remembered,
 * so no configuration is explored twice.
 *
 * Unknown outcomes (timeouts, resets) have no return: they may take effect at
 * any moment after their invocation, or never (equivalently, after every
 * other operation), so the search is done as soon as no return is left. Two
 * reductions keep them from blowing the search up, both exact:
 * - an unknown operation is never linearized where it would not change the
 *   state (it could as well be linearized later);
 * - unknown operations the model calls symmetric (same symmetry class: they
 *   have the same effect in every state, e.g. blind writes of values nobody
 *   ever read) are used in invocation order only: once invoked they are all
 *   available for ever, so which one is used does not matter.
 *
 * The set of linearized operations is hashed Zobrist-style (two 32-bit XOR
 * sums of per-operation random words, 64 bits in all); a collision could only
 * make the search skip a configuration, with probability ~ states² / 2^64.
 */
import type { Op } from '../history.js';

export interface Model<S> {
  readonly name: string;
  init(): S;
  /**
   * The state after `op` in `s`, or null if `op`'s recorded output is
   * impossible in `s`. For an unknown outcome the output is not checked: the
   * operation takes effect as it would in `s`.
   */
  step(s: S, op: Op): S | null;
  /** Identifies a state exactly (memoization, and "did this change anything"). */
  hash(s: S): string;
  describe(s: S): string;
  /** True for an operation that, as recorded, cannot change the state (a read, a failed CAS). */
  readOnly(op: Op): boolean;
  /** For an unknown-outcome operation: its symmetry class (see above), or null. */
  symmetry?(op: Op): string | null;
}

export type Verdict = 'ok' | 'violation' | 'unknown';

export interface Budget {
  /** Give up ("unknown") after this many search steps. */
  readonly maxSteps: number;
  /** ... or after this many remembered configurations. */
  readonly maxStates: number;
  /** ... or at this `performance.now()`. */
  readonly deadline: number;
}

export interface SearchResult {
  readonly verdict: Verdict;
  /** Operations searched (unknown reads and failures are left out before). */
  readonly ops: number;
  readonly steps: number;
  readonly states: number;
  readonly ms: number;
  /** Why "unknown". */
  readonly reason?: string;
  /** For a violation: most operations linearized at once, the return that blocked there, and the state. */
  readonly deepest?: {
    readonly linearized: number;
    readonly blockedBy: number | null;
    readonly state: string;
  };
}

interface Entry {
  readonly op: number;
  readonly call: boolean;
  readonly time: number;
  prev: Entry | null;
  next: Entry | null;
  ret: Entry | null;
}

/** sfc32-style words for the Zobrist hash: deterministic, so runs are repeatable. */
function zobrist(n: number, seed: number): Uint32Array {
  const out = new Uint32Array(n);
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = 1;
  for (let i = 0; i < n + 12; i++) {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    if (i >= 12) out[i - 12] = t >>> 0;
  }
  return out;
}

/** Which operations the search must consider: completed ones, and unknown ones that may write. */
export function searchable<S>(model: Model<S>, ops: readonly Op[]): Op[] {
  return ops.filter((op) => op.outcome === 'ok' || (op.outcome === 'unknown' && !model.readOnly(op)));
}

export function search<S>(model: Model<S>, history: readonly Op[], budget: Budget): SearchResult {
  const started = performance.now();
  const ops = searchable(model, history);
  const n = ops.length;
  const unknown = ops.map((op) => op.outcome === 'unknown');
  // Symmetry classes of unknown operations, and each one's rank (invocation order) in its class.
  const klass: (string | null)[] = ops.map((op, i) =>
    unknown[i] && model.symmetry ? model.symmetry(op) : null,
  );
  const rank = new Int32Array(n);
  {
    const order = ops.map((_, i) => i).sort((x, y) => ops[x]!.invoke - ops[y]!.invoke);
    const seen = new Map<string, number>();
    for (const i of order) {
      const k = klass[i];
      if (k === null || k === undefined) continue;
      const r = seen.get(k) ?? 0;
      rank[i] = r;
      seen.set(k, r + 1);
    }
  }
  const used = new Map<string, number>();

  // The entry list.
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    const call: Entry = { op: i, call: true, time: op.invoke, prev: null, next: null, ret: null };
    entries.push(call);
    if (!unknown[i]) {
      if (op.complete === null) throw new Error(`operation ${op.id} is ok but has no completion`);
      const ret: Entry = { op: i, call: false, time: op.complete, prev: null, next: null, ret: null };
      call.ret = ret;
      entries.push(ret);
    }
  }
  entries.sort((x, y) => x.time - y.time || (x.call === y.call ? x.op - y.op : x.call ? -1 : 1));
  const head: Entry = { op: -1, call: true, time: -Infinity, prev: null, next: null, ret: null };
  let prev = head;
  let returns = 0;
  for (const e of entries) {
    prev.next = e;
    e.prev = prev;
    prev = e;
    if (!e.call) returns++;
  }

  const lift = (e: Entry) => {
    e.prev!.next = e.next;
    if (e.next) e.next.prev = e.prev;
    const r = e.ret;
    if (r) {
      r.prev!.next = r.next;
      if (r.next) r.next.prev = r.prev;
      returns--;
    }
  };
  const unlift = (e: Entry) => {
    const r = e.ret;
    if (r) {
      r.prev!.next = r;
      if (r.next) r.next.prev = r;
      returns++;
    }
    e.prev!.next = e;
    if (e.next) e.next.prev = e;
  };

  const z1 = zobrist(n, 1);
  const z2 = zobrist(n, 2);
  let h1 = 0;
  let h2 = 0;
  let state = model.init();
  let stateHash = model.hash(state);
  const cache = new Set<string>();
  const stack: { e: Entry; state: S; hash: string; h1: number; h2: number }[] = [];
  let steps = 0;
  let deepest = { linearized: 0, blockedBy: null as number | null, state: model.describe(state) };
  const result = (verdict: Verdict, reason?: string): SearchResult => ({
    verdict,
    ops: n,
    steps,
    states: cache.size,
    ms: performance.now() - started,
    ...(reason !== undefined ? { reason } : {}),
    ...(verdict === 'violation' ? { deepest } : {}),
  });

  let e: Entry | null = head.next;
  while (returns > 0) {
    if (e === null) throw new Error('linearizability search ran off the end of the history');
    steps++;
    if (steps > budget.maxSteps) return result('unknown', `more than ${budget.maxSteps} search steps`);
    if ((steps & 1023) === 0 && performance.now() > budget.deadline)
      return result('unknown', 'time budget exhausted');
    if (e.call) {
      const i = e.op;
      const k = klass[i] ?? null;
      let next: S | null = null;
      let nextHash = '';
      if (k === null || (used.get(k) ?? 0) === rank[i]) {
        next = model.step(state, ops[i]!);
        if (next !== null) {
          nextHash = model.hash(next);
          if (unknown[i] && nextHash === stateHash) next = null;
        }
      }
      if (next !== null) {
        const n1 = (h1 ^ z1[i]!) >>> 0;
        const n2 = (h2 ^ z2[i]!) >>> 0;
        const key = `${n1},${n2},${nextHash}`;
        if (!cache.has(key)) {
          if (cache.size >= budget.maxStates)
            return result('unknown', `more than ${budget.maxStates} configurations`);
          cache.add(key);
          stack.push({ e, state, hash: stateHash, h1, h2 });
          state = next;
          stateHash = nextHash;
          h1 = n1;
          h2 = n2;
          lift(e);
          if (k !== null) used.set(k, (used.get(k) ?? 0) + 1);
          e = head.next;
          continue;
        }
      }
      e = e.next;
    } else {
      if (stack.length >= deepest.linearized) {
        deepest = { linearized: stack.length, blockedBy: ops[e.op]!.id, state: model.describe(state) };
      }
      const top = stack.pop();
      if (top === undefined) return result('violation');
      state = top.state;
      stateHash = top.hash;
      h1 = top.h1;
      h2 = top.h2;
      unlift(top.e);
      const k = klass[top.e.op] ?? null;
      if (k !== null) used.set(k, (used.get(k) ?? 1) - 1);
      e = top.e.next;
    }
  }
  return result('ok');
}
