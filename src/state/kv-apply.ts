/**
 * The KV commands: single puts and deletes, transactions, and what a
 * session's end does to its locks. Every write goes through a Draft, so a
 * transaction is checked whole before anything is applied (all or none).
 */
import type { Index } from '../raft/index.js';
import type { Command, WriteInfo } from './commands.js';
import { type ApplyResult, failure } from './errors.js';
import type { KvStore, WriteMeta } from './kv.js';
import type { KvEntry, TxnError, TxnOp } from './kv-types.js';
import type { SessionStore } from './sessions.js';
import type { Touched } from './topics.js';

/** Pending changes on top of the store: `null` marks a delete. */
class Draft {
  private readonly changes = new Map<string, KvEntry | null>();

  constructor(
    private readonly kv: KvStore,
    private readonly index: Index,
  ) {}

  get(key: string): KvEntry | undefined {
    if (this.changes.has(key)) return this.changes.get(key) ?? undefined;
    return this.kv.get(key);
  }

  list(prefix: string): KvEntry[] {
    const byKey = new Map(this.kv.list(prefix).map((e) => [e.key, e] as const));
    for (const [k, e] of this.changes) {
      if (!k.startsWith(prefix)) continue;
      if (e) byKey.set(k, e);
      else byKey.delete(k);
    }
    return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  set(
    key: string,
    value: Uint8Array,
    flags: number,
    lock: { session: string | null; lockIndex: number } | null,
  ): KvEntry {
    const old = this.get(key);
    const entry: KvEntry = {
      key,
      value,
      flags,
      createIndex: old?.createIndex ?? this.index,
      modifyIndex: this.index,
      lockIndex: lock ? lock.lockIndex : (old?.lockIndex ?? 0),
      session: lock ? lock.session : (old?.session ?? null),
    };
    this.changes.set(key, entry);
    return entry;
  }

  delete(key: string): void {
    if (this.get(key)) this.changes.set(key, null);
  }

  /** Keys this draft would add to the store, less those it would delete. */
  netNewKeys(): number {
    let n = 0;
    for (const [k, e] of this.changes) {
      const stored = this.kv.get(k) !== undefined;
      if (e && !stored) n++;
      else if (!e && stored) n--;
    }
    return n;
  }

  commit(meta: WriteMeta, touched: Touched): void {
    for (const [k, e] of this.changes) {
      if (e) this.kv.put(e, meta, touched);
      else this.kv.remove(k, meta, touched);
    }
  }
}

type KvCommand = Extract<Command, { type: 'kvSet' | 'kvDelete' | 'txn' }>;

export function applyKv(
  kv: KvStore,
  sessions: SessionStore,
  cmd: KvCommand,
  index: Index,
  touched: Touched,
): ApplyResult {
  const meta = writeMeta(cmd.write, index);
  const draft = new Draft(kv, index);
  switch (cmd.type) {
    case 'kvSet': {
      const old = draft.get(cmd.key);
      if (cmd.cas !== null && (cmd.cas === 0 ? old !== undefined : old?.modifyIndex !== cmd.cas)) {
        return { ok: true, value: false };
      }
      if (cmd.acquire !== null) {
        if (!sessions.get(cmd.acquire)) return failure('invalid', `invalid session "${cmd.acquire}"`);
        if (old?.session && old.session !== cmd.acquire) return { ok: true, value: false };
        const same = old?.session === cmd.acquire;
        draft.set(cmd.key, cmd.value, cmd.flags, {
          session: cmd.acquire,
          lockIndex: same ? (old?.lockIndex ?? 0) : (old?.lockIndex ?? 0) + 1,
        });
      } else if (cmd.release !== null) {
        if (!sessions.get(cmd.release)) return failure('invalid', `invalid session "${cmd.release}"`);
        if (old?.session !== cmd.release) return { ok: true, value: false };
        draft.set(cmd.key, cmd.value, cmd.flags, { session: null, lockIndex: old.lockIndex });
      } else {
        draft.set(cmd.key, cmd.value, cmd.flags, null);
      }
      const over = overKeyLimit(kv, draft, cmd.write);
      if (over) return over;
      draft.commit(meta, touched);
      return { ok: true, value: true };
    }
    case 'kvDelete': {
      if (cmd.recurse) {
        for (const e of draft.list(cmd.key)) draft.delete(e.key);
      } else {
        const old = draft.get(cmd.key);
        // As Consul: a CAS delete of a key that is already gone succeeds, whatever the index.
        if (cmd.cas !== null && old !== undefined && old.modifyIndex !== cmd.cas) {
          return { ok: true, value: false };
        }
        draft.delete(cmd.key);
      }
      draft.commit(meta, touched);
      return { ok: true, value: true };
    }
    case 'txn':
      return applyTxn(draft, sessions, cmd.ops, meta, touched, () => overKeyLimit(kv, draft, cmd.write));
  }
}

/** The refusal of a write that would take the store past the proposer's key limit; null within it. */
function overKeyLimit(kv: KvStore, draft: Draft, w: WriteInfo): ApplyResult | null {
  const max = w.maxKeys ?? 0;
  if (max <= 0) return null;
  const added = draft.netNewKeys();
  if (added <= 0 || kv.size + added <= max) return null;
  return failure(
    'quota',
    `KV key limit reached: ${kv.size} keys stored, this write adds ${added}, at most ${max} allowed (kv_max_keys); delete keys first`,
  );
}

function applyTxn(
  draft: Draft,
  sessions: SessionStore,
  ops: readonly TxnOp[],
  meta: WriteMeta,
  touched: Touched,
  overLimit: () => ApplyResult | null,
): ApplyResult {
  const results: KvEntry[] = [];
  const errors: TxnError[] = [];
  for (const [opIndex, op] of ops.entries()) {
    const what = txnStep(draft, sessions, op, results);
    if (what !== null) errors.push({ opIndex, what });
  }
  if (errors.length > 0) return { ok: true, value: { committed: false, errors } };
  const over = overLimit();
  if (over) return over;
  draft.commit(meta, touched);
  return { ok: true, value: { committed: true, results } };
}

/** Applies one operation to the draft; returns why it failed, or null. */
function txnStep(draft: Draft, sessions: SessionStore, op: TxnOp, results: KvEntry[]): string | null {
  {
    const fail = (what: string) => what;
    const cur = draft.get(op.key);
    const value = op.value ?? new Uint8Array(0);
    switch (op.verb) {
      case 'set':
        results.push(withoutValue(draft.set(op.key, value, op.flags, null)));
        return null;
      case 'cas':
        if (op.index === 0 ? cur !== undefined : cur?.modifyIndex !== op.index) {
          return fail(`failed to set key "${op.key}", index is stale`);
        }
        results.push(withoutValue(draft.set(op.key, value, op.flags, null)));
        return null;
      case 'lock':
        if (!sessions.get(op.session)) return fail(`invalid session "${op.session}"`);
        if (cur?.session && cur.session !== op.session)
          return fail(`failed to lock key "${op.key}", lock is already held`);
        results.push(
          withoutValue(
            draft.set(op.key, value, op.flags, {
              session: op.session,
              lockIndex: cur?.session === op.session ? cur.lockIndex : (cur?.lockIndex ?? 0) + 1,
            }),
          ),
        );
        return null;
      case 'unlock':
        if (cur?.session !== op.session)
          return fail(`failed to unlock key "${op.key}", lock isn't held, or is held by another session`);
        results.push(
          withoutValue(draft.set(op.key, value, op.flags, { session: null, lockIndex: cur.lockIndex })),
        );
        return null;
      case 'get':
        if (!cur) return fail(`key "${op.key}" doesn't exist`);
        results.push(cur);
        return null;
      case 'get-tree':
        results.push(...draft.list(op.key));
        return null;
      case 'check-index':
        if (cur?.modifyIndex !== op.index)
          return fail(`current modify index ${cur?.modifyIndex ?? 0} != ${op.index}`);
        results.push(cur);
        return null;
      case 'check-session':
        if (cur?.session !== op.session)
          return fail(
            `failed session check for key "${op.key}", current session ${cur?.session ?? '(none)'} != ${op.session}`,
          );
        results.push(cur);
        return null;
      case 'check-not-exists':
        if (cur) return fail(`key "${op.key}" exists`);
        return null;
      case 'delete':
        draft.delete(op.key);
        return null;
      case 'delete-tree':
        for (const e of draft.list(op.key)) draft.delete(e.key);
        return null;
      case 'delete-cas':
        if (cur && cur.modifyIndex !== op.index)
          return fail(`failed to delete key "${op.key}", index is stale`);
        draft.delete(op.key);
        return null;
    }
  }
}

function withoutValue(e: KvEntry): KvEntry {
  return { ...e, value: new Uint8Array(0) };
}

export function writeMeta(w: WriteInfo, index: Index): WriteMeta {
  return { index, at: w.at, author: w.author, keep: Math.max(1, Math.min(1000, w.keep)) };
}
