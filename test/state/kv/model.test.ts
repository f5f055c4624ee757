/**
 * Model-based test: random sequences of kvSet / kvDelete / txn (and session
 * ends) on a few keys, applied both to the real state machine and to a plain
 * Map model written from the semantics (Consul's, as cairn documents them).
 * After every command the answers, entries, indexes and per-key history must
 * agree. fast-check prints the seed and path of any failing run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command, WriteInfo } from '../../../src/state/commands.js';
import type { ApplyResult } from '../../../src/state/errors.js';
import type { KvEntry, TxnOp } from '../../../src/state/kv-types.js';
import { TXN_VERBS } from '../../../src/state/kv-types.js';
import { register } from '../support.js';
import { bytes, KvHarness, sessionCreate, text } from './kv-support.js';

const KEYS = ['a', 'a/x', 'a/y', 'b'] as const;
const PREFIXES = ['', 'a', 'a/', 'b', 'c'] as const;
const SESSIONS = ['s1', 's2'] as const;
const VALUES = ['', 'v1', 'v2', 'hello'] as const;

// ---- abstract commands (resolved against the model when run) ----------------------------

type CasChoice =
  | { readonly t: 'none' }
  | { readonly t: 'zero' }
  | { readonly t: 'current' }
  | { readonly t: 'stale'; readonly back: number }
  | { readonly t: 'abs'; readonly n: number };

type AbsOp = {
  readonly verb: TxnOp['verb'];
  readonly key: string;
  readonly prefix: string;
  readonly value: string | null;
  readonly flags: number;
  readonly index: CasChoice;
  readonly session: string;
};

type Abs =
  | {
      readonly kind: 'set';
      readonly key: string;
      readonly value: string;
      readonly flags: number;
      readonly cas: CasChoice;
      readonly lock: null | { readonly acquire: string } | { readonly release: string };
      readonly keep: number;
    }
  | {
      readonly kind: 'del';
      readonly key: string;
      readonly prefix: string;
      readonly recurse: boolean;
      readonly cas: CasChoice;
      readonly keep: number;
    }
  | { readonly kind: 'txn'; readonly ops: readonly AbsOp[]; readonly keep: number }
  | { readonly kind: 'end'; readonly session: string; readonly keep: number };

const casArb: fc.Arbitrary<CasChoice> = fc.oneof(
  fc.constant({ t: 'none' } as const),
  fc.constant({ t: 'zero' } as const),
  fc.constant({ t: 'current' } as const),
  fc.constant({ t: 'current' } as const),
  fc.record({ t: fc.constant('stale' as const), back: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ t: fc.constant('abs' as const), n: fc.integer({ min: 1, max: 60 }) }),
);
const keyArb = fc.constantFrom(...KEYS);
const prefixArb = fc.constantFrom(...PREFIXES);
const sessionArb = fc.constantFrom('s1', 's2', 'ghost');
const keepArb = fc.integer({ min: 0, max: 4 });

const opArb: fc.Arbitrary<AbsOp> = fc.record({
  verb: fc.constantFrom(...TXN_VERBS),
  key: keyArb,
  prefix: prefixArb,
  value: fc.option(fc.constantFrom(...VALUES), { nil: null }),
  flags: fc.integer({ min: 0, max: 3 }),
  index: casArb,
  session: sessionArb,
});

const absArb: fc.Arbitrary<Abs> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      key: keyArb,
      value: fc.constantFrom(...VALUES),
      flags: fc.integer({ min: 0, max: 3 }),
      cas: casArb,
      lock: fc.oneof(
        { weight: 3, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.record({ acquire: sessionArb }) },
        { weight: 1, arbitrary: fc.record({ release: sessionArb }) },
      ),
      keep: keepArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('del' as const),
      key: keyArb,
      prefix: prefixArb,
      recurse: fc.boolean(),
      cas: casArb,
      keep: keepArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('txn' as const),
      ops: fc.array(opArb, { minLength: 1, maxLength: 5 }),
      keep: keepArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('end' as const),
      session: fc.constantFrom(...SESSIONS),
      keep: keepArb,
    }),
  },
);

// ---- the model ------------------------------------------------------------------------------

interface MEntry {
  readonly key: string;
  readonly value: string;
  readonly flags: number;
  readonly createIndex: number;
  readonly modifyIndex: number;
  readonly lockIndex: number;
  readonly session: string | null;
}

interface MVersion {
  readonly index: number;
  readonly op: 'set' | 'delete';
  readonly value: string | null;
  readonly flags: number;
  readonly session: string | null;
  readonly at: number;
  readonly author: string;
}

/** What a command answered, in plain data. */
type MResult =
  | { ok: false; kind: string }
  | { ok: true; value?: boolean }
  | { ok: true; committed: true; results: MEntry[] }
  | { ok: true; committed: false; opIndexes: number[] };

class Model {
  entries = new Map<string, MEntry>();
  tombstones = new Map<string, number>();
  history = new Map<string, MVersion[]>();
  sessions = new Set<string>(SESSIONS);
  tableIndex = 0;

  resolve(c: CasChoice, cur: MEntry | undefined): number | null {
    switch (c.t) {
      case 'none':
        return null;
      case 'zero':
        return 0;
      case 'current':
        return cur?.modifyIndex ?? 0;
      case 'stale':
        return cur && cur.modifyIndex - c.back > 0 ? cur.modifyIndex - c.back : 1_000 + c.back;
      case 'abs':
        return c.n;
    }
  }

  /** Commits the final state of `changed` keys (null: deleted) at `index`. */
  commit(changed: Map<string, MEntry | null>, index: number, w: WriteInfo): void {
    const keep = Math.max(1, Math.min(1000, w.keep));
    for (const [key, e] of changed) {
      const old = this.entries.get(key);
      let v: MVersion;
      if (e) {
        this.entries.set(key, e);
        this.tombstones.delete(key);
        v = {
          index,
          op: 'set',
          value: e.value,
          flags: e.flags,
          session: e.session,
          at: w.at,
          author: w.author,
        };
      } else {
        if (!old) continue;
        this.entries.delete(key);
        this.tombstones.set(key, index);
        v = { index, op: 'delete', value: null, flags: old.flags, session: null, at: w.at, author: w.author };
      }
      this.history.set(key, [...(this.history.get(key) ?? []), v].slice(-keep));
      this.tableIndex = index;
    }
  }

  keyIndex(key: string): number {
    return this.entries.get(key)?.modifyIndex ?? this.tombstones.get(key) ?? this.tableIndex;
  }

  prefixIndex(prefix: string): number {
    let max = 0;
    for (const [k, e] of this.entries) if (k.startsWith(prefix)) max = Math.max(max, e.modifyIndex);
    for (const [k, i] of this.tombstones) if (k.startsWith(prefix)) max = Math.max(max, i);
    return max === 0 ? this.tableIndex : max;
  }
}

/** A draft of a txn (or single write) over the model. */
class MDraft {
  readonly changes = new Map<string, MEntry | null>();
  constructor(
    private readonly m: Model,
    private readonly index: number,
  ) {}

  get(key: string): MEntry | undefined {
    return this.changes.has(key) ? (this.changes.get(key) ?? undefined) : this.m.entries.get(key);
  }

  list(prefix: string): MEntry[] {
    const keys = new Set([...this.m.entries.keys(), ...this.changes.keys()]);
    return [...keys]
      .filter((k) => k.startsWith(prefix))
      .sort()
      .map((k) => this.get(k))
      .filter((e): e is MEntry => e !== undefined);
  }

  set(
    key: string,
    value: string,
    flags: number,
    lock: { session: string | null; lockIndex: number } | null,
  ): MEntry {
    const old = this.get(key);
    const e: MEntry = {
      key,
      value,
      flags,
      createIndex: old?.createIndex ?? this.index,
      modifyIndex: this.index,
      lockIndex: lock ? lock.lockIndex : (old?.lockIndex ?? 0),
      session: lock ? lock.session : (old?.session ?? null),
    };
    this.changes.set(key, e);
    return e;
  }

  delete(key: string): void {
    if (this.get(key)) this.changes.set(key, null);
  }
}

const blank = (e: MEntry): MEntry => ({ ...e, value: '' });

/** Runs an abstract command on the model; returns the concrete command and what it must answer. */
function step(m: Model, a: Abs, index: number, w: WriteInfo): { cmd: Command; want: MResult } {
  const d = new MDraft(m, index);
  switch (a.kind) {
    case 'set': {
      const cur = d.get(a.key);
      const cas = m.resolve(a.cas, cur);
      const acquire = a.lock && 'acquire' in a.lock ? a.lock.acquire : null;
      const release = a.lock && 'release' in a.lock ? a.lock.release : null;
      const cmd: Command = {
        type: 'kvSet',
        key: a.key,
        value: bytes(a.value),
        flags: a.flags,
        cas,
        acquire,
        release,
        write: w,
      };
      if (cas !== null && (cas === 0 ? cur !== undefined : cur?.modifyIndex !== cas)) {
        return { cmd, want: { ok: true, value: false } };
      }
      if (acquire !== null) {
        if (!m.sessions.has(acquire)) return { cmd, want: { ok: false, kind: 'invalid' } };
        if (cur?.session && cur.session !== acquire) return { cmd, want: { ok: true, value: false } };
        const lockIndex = cur?.session === acquire ? cur.lockIndex : (cur?.lockIndex ?? 0) + 1;
        d.set(a.key, a.value, a.flags, { session: acquire, lockIndex });
      } else if (release !== null) {
        if (!m.sessions.has(release)) return { cmd, want: { ok: false, kind: 'invalid' } };
        if (!cur || cur.session !== release) return { cmd, want: { ok: true, value: false } };
        d.set(a.key, a.value, a.flags, { session: null, lockIndex: cur.lockIndex });
      } else {
        d.set(a.key, a.value, a.flags, null);
      }
      m.commit(d.changes, index, w);
      return { cmd, want: { ok: true, value: true } };
    }
    case 'del': {
      const key = a.recurse ? a.prefix : a.key;
      const cur = d.get(key);
      const cas = a.recurse ? null : m.resolve(a.cas, cur);
      const cmd: Command = { type: 'kvDelete', key, recurse: a.recurse, cas, write: w };
      if (a.recurse) {
        for (const e of d.list(key)) d.delete(e.key);
      } else {
        if (cas !== null && cur !== undefined && cur.modifyIndex !== cas) {
          return { cmd, want: { ok: true, value: false } };
        }
        d.delete(key);
      }
      m.commit(d.changes, index, w);
      return { cmd, want: { ok: true, value: true } };
    }
    case 'txn': {
      const ops: TxnOp[] = [];
      const results: MEntry[] = [];
      const failed: number[] = [];
      for (const [i, o] of a.ops.entries()) {
        const tree = o.verb === 'get-tree' || o.verb === 'delete-tree';
        const key = tree ? o.prefix : o.key;
        const cur = d.get(key);
        const idx = m.resolve(o.index, cur) ?? 0;
        ops.push({
          verb: o.verb,
          key,
          value: o.value === null ? null : bytes(o.value),
          flags: o.flags,
          index: idx,
          session: o.session,
        });
        const value = o.value ?? '';
        const fail = () => failed.push(i);
        switch (o.verb) {
          case 'set':
            results.push(blank(d.set(key, value, o.flags, null)));
            break;
          case 'cas':
            if (idx === 0 ? cur === undefined : cur?.modifyIndex === idx)
              results.push(blank(d.set(key, value, o.flags, null)));
            else fail();
            break;
          case 'lock':
            if (!m.sessions.has(o.session) || (cur?.session && cur.session !== o.session)) fail();
            else {
              const lockIndex = cur?.session === o.session ? cur.lockIndex : (cur?.lockIndex ?? 0) + 1;
              results.push(blank(d.set(key, value, o.flags, { session: o.session, lockIndex })));
            }
            break;
          case 'unlock':
            if (!cur || cur.session !== o.session) fail();
            else results.push(blank(d.set(key, value, o.flags, { session: null, lockIndex: cur.lockIndex })));
            break;
          case 'get':
            if (cur) results.push(cur);
            else fail();
            break;
          case 'get-tree':
            results.push(...d.list(key));
            break;
          case 'check-index':
            if (cur && cur.modifyIndex === idx) results.push(cur);
            else fail();
            break;
          case 'check-session':
            if (cur && cur.session === o.session) results.push(cur);
            else fail();
            break;
          case 'check-not-exists':
            if (cur) fail();
            break;
          case 'delete':
            d.delete(key);
            break;
          case 'delete-tree':
            for (const e of d.list(key)) d.delete(e.key);
            break;
          case 'delete-cas':
            if (!cur) break;
            if (cur.modifyIndex === idx) d.delete(key);
            else fail();
            break;
        }
      }
      const cmd: Command = { type: 'txn', ops, write: w };
      if (failed.length > 0) return { cmd, want: { ok: true, committed: false, opIndexes: failed } };
      m.commit(d.changes, index, w);
      return { cmd, want: { ok: true, committed: true, results } };
    }
    case 'end': {
      for (const e of m.entries.values()) {
        if (e.session === a.session)
          d.set(e.key, e.value, e.flags, { session: null, lockIndex: e.lockIndex });
      }
      m.commit(d.changes, index, w);
      return { cmd: { type: 'sessionEnd', ids: [a.session], write: w }, want: { ok: true } };
    }
  }
}

// ---- comparing ----------------------------------------------------------------------------

function plain(e: KvEntry): MEntry {
  return {
    key: e.key,
    value: text(e.value) ?? '',
    flags: e.flags,
    createIndex: e.createIndex,
    modifyIndex: e.modifyIndex,
    lockIndex: e.lockIndex,
    session: e.session,
  };
}

function observed(r: ApplyResult): MResult {
  if (!r.ok) return { ok: false, kind: r.kind };
  if (r.value === undefined) return { ok: true };
  if (typeof r.value === 'boolean') return { ok: true, value: r.value };
  if (r.value.committed) return { ok: true, committed: true, results: r.value.results.map(plain) };
  return { ok: true, committed: false, opIndexes: r.value.errors.map((e) => e.opIndex) };
}

/** How often each kind of answer came up, so a generator that never reaches a case is noticed. */
const seen = new Map<string, number>();

function tally(a: Abs, r: MResult): void {
  const what =
    'committed' in r ? `txn ${r.committed}` : r.ok ? `${a.kind} ${String(r.value)}` : `${a.kind} ${r.kind}`;
  seen.set(what, (seen.get(what) ?? 0) + 1);
}

function run(cmds: readonly Abs[]): void {
  const h = new KvHarness();
  h.ok(register('n1', null));
  for (const s of SESSIONS) h.ok(sessionCreate(s));
  const m = new Model();
  const trace: string[] = [];
  for (const a of cmds) {
    const index = h.index + 1;
    const w: WriteInfo = { at: index * 10, author: `w${index}`, keep: a.keep };
    const { cmd, want } = step(m, a, index, w);
    trace.push(`${index}: ${JSON.stringify(cmd, (_k, v) => (v instanceof Uint8Array ? text(v) : v))}`);
    const where = () => `after\n${trace.slice(-8).join('\n')}`;
    expect(observed(h.apply(cmd)), where()).toEqual(want);
    tally(a, want);
    if (a.kind === 'end') {
      // Bring the session back so later commands can use it again.
      h.ok(sessionCreate(a.session));
    }
    const kv = h.kv;
    expect(kv.list('').map(plain), where()).toEqual(
      [...m.entries.values()].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0)),
    );
    expect(kv.index, where()).toBe(m.tableIndex);
    for (const k of KEYS) {
      expect(
        kv.versions(k).map((v) => ({ ...v, value: text(v.value) })),
        `${k} history ${where()}`,
      ).toEqual(m.history.get(k) ?? []);
      expect(kv.keyIndex(k), `keyIndex(${k}) ${where()}`).toBe(m.keyIndex(k));
    }
    for (const p of PREFIXES) {
      expect(kv.prefixIndex(p), `prefixIndex(${p}) ${where()}`).toBe(m.prefixIndex(p));
      expect(
        kv.list(p).map((e) => e.key),
        `list(${p}) ${where()}`,
      ).toEqual([...m.entries.keys()].filter((k) => k.startsWith(p)).sort());
    }
  }
}

describe('KV against a Map model', () => {
  it('random kvSet / kvDelete / txn / session-end sequences agree with the model', () => {
    fc.assert(
      fc.property(fc.array(absArb, { minLength: 1, maxLength: 40, size: 'max' }), (cmds) => {
        run(cmds);
      }),
      { numRuns: 150 },
    );
    for (const what of [
      'set true',
      'set false',
      'set invalid',
      'del true',
      'del false',
      'txn true',
      'txn false',
    ])
      expect(seen.get(what) ?? 0, `${what} in ${JSON.stringify([...seen])}`).toBeGreaterThan(20);
  });

  it('the model itself distinguishes outcomes (sanity: a fixed scenario)', () => {
    // Guards against a model that agrees with anything: a known sequence with known answers.
    const m = new Model();
    const w = (i: number): WriteInfo => ({ at: i, author: '', keep: 2 });
    expect(
      step(
        m,
        { kind: 'set', key: 'a', value: 'v1', flags: 1, cas: { t: 'zero' }, lock: null, keep: 2 },
        4,
        w(4),
      ).want,
    ).toEqual({
      ok: true,
      value: true,
    });
    expect(
      step(
        m,
        { kind: 'set', key: 'a', value: 'v2', flags: 0, cas: { t: 'zero' }, lock: null, keep: 2 },
        5,
        w(5),
      ).want,
    ).toEqual({
      ok: true,
      value: false,
    });
    expect(
      step(
        m,
        {
          kind: 'set',
          key: 'a',
          value: 'v3',
          flags: 0,
          cas: { t: 'none' },
          lock: { acquire: 'ghost' },
          keep: 2,
        },
        6,
        w(6),
      ).want,
    ).toEqual({ ok: false, kind: 'invalid' });
    step(
      m,
      { kind: 'set', key: 'a', value: 'v4', flags: 0, cas: { t: 'current' }, lock: null, keep: 2 },
      7,
      w(7),
    );
    step(
      m,
      { kind: 'set', key: 'a', value: 'v5', flags: 0, cas: { t: 'none' }, lock: null, keep: 2 },
      8,
      w(8),
    );
    expect(m.history.get('a')?.map((v) => v.value)).toEqual(['v4', 'v5']);
    expect(m.entries.get('a')).toMatchObject({ createIndex: 4, modifyIndex: 8 });
  });
});
