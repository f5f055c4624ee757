/**
 * Models for the linearizability checker, one key each.
 *
 * ## The register (KV get / put / CAS on ModifyIndex)
 *
 * Consul's CAS compares against the key's ModifyIndex (the Raft index of its
 * last write), which a put does not return. So the model is a register whose
 * every written value is unique (the workloads write `client-seq` strings),
 * and whose reads return (value, ModifyIndex). Reading a value reveals the
 * index its write got; since each value is written once, the whole history
 * gives one map value -> index (the model is built per history, `registerModel`).
 * A CAS(expected index X) succeeds iff the current value is the one a read saw
 * at index X (X = 0: the key does not exist). This is option (b) of the issue,
 * and it is exact:
 * - a value no read ever returned cannot be what a later read returns, and its
 *   index was never revealed, so no CAS can expect it (every CAS expects an
 *   index some read returned; `registerModel` refuses histories where not):
 *   all unread values behave alike, and the model folds them into one state,
 *   UNSEEN. That keeps states few and makes unknown writes of unread values
 *   symmetric (see wgl.ts);
 * - indexes must grow in linearization order (Consul's "indexes never go
 *   back"): a write of a read value must carry a larger index than every read
 *   value before it. The model state is (value, largest index so far);
 * - a value seen at two different indexes, or two values at one index, is an
 *   anomaly by itself (a write applied twice, an index reused): reported
 *   without a search.
 *
 * ## The lock (acquire / release with sessions, LockIndex fencing)
 *
 * State: whether the key exists, the holding session, LockIndex, the value.
 * acquire(S) succeeds iff nobody or S holds it; a new holder increments
 * LockIndex (the fencing token), a re-acquire by the holder does not. release(S)
 * succeeds iff S holds it. Reads return (Session, LockIndex, value), all three
 * checked (values no read returned fold into one, as for registers). The
 * workload uses sessions without TTL or checks and a LockDelay of
 * 0, so nothing but the clients' own operations changes the key.
 */
import type { Op } from '../history.js';
import type { Model } from './wgl.js';

export interface RegisterRead {
  readonly value: string | null;
  /** ModifyIndex; 0 for a missing key. */
  readonly index: number;
}
export interface WriteInput {
  readonly value: string;
}
export interface CasInput {
  readonly expect: number;
  readonly value: string;
}

/** The state of a register: its value (null: absent; UNSEEN: a value nobody read) and the largest index so far. */
export interface RegisterState {
  readonly v: string | null;
  readonly floor: number;
}

const UNSEEN = '\u0000unseen';

export interface BuiltModel<S> {
  readonly model: Model<S>;
  /** Contradictions found without searching (see above). */
  readonly anomalies: string[];
}

export function registerModel(ops: readonly Op[]): BuiltModel<RegisterState> {
  const indexOf = new Map<string, number>();
  const valueAt = new Map<number, string>();
  const anomalies: string[] = [];
  for (const op of ops) {
    if (op.f !== 'read' || op.outcome !== 'ok') continue;
    const r = op.output as RegisterRead;
    if (r.value === null) continue;
    const had = indexOf.get(r.value);
    if (had !== undefined && had !== r.index)
      anomalies.push(
        `value ${JSON.stringify(r.value)} read at ModifyIndex ${had} and ${r.index} (#${op.id})`,
      );
    const other = valueAt.get(r.index);
    if (other !== undefined && other !== r.value)
      anomalies.push(
        `ModifyIndex ${r.index} read with values ${JSON.stringify(other)} and ${JSON.stringify(r.value)} (#${op.id})`,
      );
    if (had === undefined) indexOf.set(r.value, r.index);
    if (other === undefined) valueAt.set(r.index, r.value);
  }
  for (const op of ops) {
    if (op.f !== 'cas') continue;
    const x = (op.input as CasInput).expect;
    if (x !== 0 && !valueAt.has(x))
      throw new Error(`CAS #${op.id} expects ModifyIndex ${x}, which no read revealed: cannot model it`);
  }
  const idx = (v: string | null): number => (v === null ? 0 : v === UNSEEN ? -1 : (indexOf.get(v) ?? -1));
  /** The state after writing `value` over `s`, or null if its index would go back. */
  const written = (s: RegisterState, value: string): RegisterState | null => {
    const i = indexOf.get(value);
    if (i === undefined) return { v: UNSEEN, floor: s.floor };
    return i > s.floor ? { v: value, floor: i } : null;
  };
  const model: Model<RegisterState> = {
    name: 'register',
    init: () => ({ v: null, floor: 0 }),
    step(s, op) {
      switch (op.f) {
        case 'read': {
          const r = op.output as RegisterRead;
          return r.value === s.v ? s : null;
        }
        case 'write':
          return written(s, (op.input as WriteInput).value);
        case 'cas': {
          const c = op.input as CasInput;
          const match = idx(s.v) === c.expect;
          if (op.outcome === 'unknown') return match ? written(s, c.value) : s;
          if (op.output === true) return match ? written(s, c.value) : null;
          return match ? null : s;
        }
        default:
          throw new Error(`register model: unknown operation ${op.f}`);
      }
    },
    hash: (s) => `${s.v}\u0001${s.floor}`,
    describe: (s) =>
      s.v === null ? 'absent' : s.v === UNSEEN ? `an unread value (index > ${s.floor})` : `${s.v}@${s.floor}`,
    readOnly: (op) => op.f === 'read' || (op.f === 'cas' && op.outcome === 'ok' && op.output === false),
    symmetry(op) {
      const value = (op.input as WriteInput).value;
      if (indexOf.has(value)) return null;
      if (op.f === 'write') return 'write';
      if (op.f === 'cas') return `cas:${(op.input as CasInput).expect}`;
      return null;
    },
  };
  return { model, anomalies };
}

export interface LockInput {
  readonly session: string;
  readonly value: string;
}
export interface LockRead {
  readonly session: string | null;
  readonly lockIndex: number;
  readonly value: string | null;
}
export interface LockState {
  readonly exists: boolean;
  readonly holder: string | null;
  readonly lockIndex: number;
  readonly value: string | null;
}

export function lockModel(ops: readonly Op[]): BuiltModel<LockState> {
  // As for registers: values no read returned are all alike (UNSEEN), which makes unknown
  // acquires and releases of one session with unread values symmetric.
  const read = new Set<string>();
  for (const op of ops) {
    const r = op.f === 'read' && op.outcome === 'ok' ? (op.output as LockRead | null) : null;
    if (r?.value != null) read.add(r.value);
  }
  const fold = (v: string) => (read.has(v) ? v : UNSEEN);
  const model: Model<LockState> = {
    name: 'lock',
    init: () => ({ exists: false, holder: null, lockIndex: 0, value: null }),
    step(s, op) {
      switch (op.f) {
        case 'read': {
          const r = op.output as LockRead | null;
          if (r === null) return s.exists ? null : s;
          return s.exists && r.session === s.holder && r.lockIndex === s.lockIndex && r.value === s.value
            ? s
            : null;
        }
        case 'acquire': {
          const { session, value } = op.input as LockInput;
          const can = s.holder === null || s.holder === session;
          const next: LockState = {
            exists: true,
            holder: session,
            lockIndex: s.holder === session ? s.lockIndex : s.lockIndex + 1,
            value: fold(value),
          };
          if (op.outcome === 'unknown') return can ? next : s;
          if (op.output === true) return can ? next : null;
          return can ? null : s;
        }
        case 'release': {
          const { session, value } = op.input as LockInput;
          const can = s.holder === session;
          const next: LockState = { exists: true, holder: null, lockIndex: s.lockIndex, value: fold(value) };
          if (op.outcome === 'unknown') return can ? next : s;
          if (op.output === true) return can ? next : null;
          return can ? null : s;
        }
        default:
          throw new Error(`lock model: unknown operation ${op.f}`);
      }
    },
    hash: (s) => `${s.exists ? 1 : 0}\u0001${s.holder}\u0001${s.lockIndex}\u0001${s.value}`,
    describe: (s) =>
      s.exists ? `held by ${s.holder ?? 'nobody'}, LockIndex ${s.lockIndex}, value ${s.value}` : 'absent',
    readOnly: (op) => op.f === 'read' || (op.outcome === 'ok' && op.output === false),
    symmetry(op) {
      const { session, value } = op.input as LockInput;
      return read.has(value) ? null : `${op.f}:${session}`;
    },
  };
  return { model, anomalies: [] };
}
