/** Helpers shared by the KV / session suites: a clocked harness and command builders. */
import type { Command, SessionSpec, WriteInfo } from '../../../src/state/commands.js';
import { encodeCommand } from '../../../src/state/commands.js';
import type { ApplyResult, TxnOutcome } from '../../../src/state/errors.js';
import type { KvEntry, TxnOp } from '../../../src/state/kv-types.js';
import { RegistryState } from '../../../src/state/machine.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

export function bytes(s: string): Uint8Array {
  return enc.encode(s);
}

export function text(b: Uint8Array | null | undefined): string | null {
  return b == null ? null : dec.decode(b);
}

export const WRITE: WriteInfo = { at: 1_700_000_000_000, author: 'tester', keep: 10 };

export function write(over: Partial<WriteInfo> = {}): WriteInfo {
  return { ...WRITE, ...over };
}

export type KvSet = Extract<Command, { type: 'kvSet' }>;
export type KvDelete = Extract<Command, { type: 'kvDelete' }>;

export function kvSet(key: string, value: string, over: Partial<Omit<KvSet, 'type' | 'key'>> = {}): KvSet {
  return {
    type: 'kvSet',
    key,
    value: bytes(value),
    flags: 0,
    cas: null,
    acquire: null,
    release: null,
    write: WRITE,
    ...over,
  };
}

export function kvDelete(key: string, over: Partial<Omit<KvDelete, 'type' | 'key'>> = {}): KvDelete {
  return { type: 'kvDelete', key, recurse: false, cas: null, write: WRITE, ...over };
}

export function op(verb: TxnOp['verb'], key: string, over: Partial<Omit<TxnOp, 'verb' | 'key'>> = {}): TxnOp {
  return { verb, key, value: null, flags: 0, index: 0, session: '', ...over };
}

export function txn(ops: readonly TxnOp[], w: WriteInfo = WRITE): Command {
  return { type: 'txn', ops, write: w };
}

export function sessionSpec(id: string, over: Partial<SessionSpec> = {}): SessionSpec {
  return {
    id,
    name: `session ${id}`,
    node: 'n1',
    lockDelayMs: 0,
    behavior: 'release',
    ttlMs: 0,
    nodeChecks: [],
    serviceChecks: [],
    ...over,
  };
}

export function sessionCreate(id: string, over: Partial<SessionSpec> = {}, w: WriteInfo = WRITE): Command {
  return { type: 'sessionCreate', session: sessionSpec(id, over), write: w };
}

export function sessionEnd(ids: readonly string[], w: WriteInfo = WRITE): Command {
  return { type: 'sessionEnd', ids, write: w };
}

/** A RegistryState fed encoded commands at increasing indexes, with a clock the test moves. */
export class KvHarness {
  now = 50_000;
  readonly state = new RegistryState(() => this.now);
  index = 0;

  apply(cmd: Command): ApplyResult {
    this.index++;
    return this.state.apply(encodeCommand(cmd), this.index);
  }

  /** Applies and insists it succeeded (ok: true, whatever its value); returns its index. */
  ok(cmd: Command): number {
    const r = this.apply(cmd);
    if (!r.ok) throw new Error(`expected ${cmd.type} at ${this.index} to succeed: ${r.message}`);
    return this.index;
  }

  /** Applies a KV write and returns its boolean answer. */
  bool(cmd: Command): boolean {
    const r = this.apply(cmd);
    if (!r.ok) throw new Error(`expected ${cmd.type} at ${this.index} to apply: ${r.message}`);
    if (typeof r.value !== 'boolean')
      throw new Error(`expected a boolean from ${cmd.type}, got ${String(r.value)}`);
    return r.value;
  }

  /** Applies a txn and returns its outcome. */
  txn(ops: readonly TxnOp[], w: WriteInfo = WRITE): TxnOutcome {
    const r = this.apply(txn(ops, w));
    if (!r.ok) throw new Error(`expected txn at ${this.index} to apply: ${r.message}`);
    if (typeof r.value !== 'object') throw new Error(`expected a txn outcome, got ${String(r.value)}`);
    return r.value;
  }

  get kv() {
    return this.state.kv;
  }

  value(key: string): string | null {
    return text(this.state.kv.get(key)?.value);
  }
}

/** Every KV/session answer a reader can get, as plain data (values decoded), for before/after comparisons. */
export function dumpKv(state: RegistryState, keys: readonly string[], prefixes: readonly string[]) {
  const kv = state.kv;
  const entry = (e: KvEntry) => ({ ...e, value: text(e.value) });
  return {
    size: kv.size,
    index: kv.index,
    all: kv.list('').map(entry),
    lists: prefixes.map((p) => [p, kv.list(p).map((e) => e.key)] as const),
    prefixIndexes: prefixes.map((p) => [p, kv.prefixIndex(p)] as const),
    keyIndexes: keys.map((k) => [k, kv.keyIndex(k)] as const),
    history: keys.map((k) => [k, kv.versions(k).map((v) => ({ ...v, value: text(v.value) }))] as const),
    sessions: state.sessions.all(),
    sessionsIndex: state.sessions.index,
    sessionsSize: state.sessions.size,
  };
}
