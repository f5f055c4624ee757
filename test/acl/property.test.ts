import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Access,
  type AccessLevel,
  compilePolicies,
  type DefaultPolicy,
  type Policy,
  parseRules,
  type Resource,
  type Rule,
} from '../../src/acl/index.js';

/** Replay a failure with ACL_PROPERTY_SEED=<the seed fast-check prints>. */
const SEED = Number(process.env.ACL_PROPERTY_SEED ?? 1515);

const SINGLE: readonly Resource[] = ['acl', 'keyring', 'mesh', 'operator'];
const TESTED: readonly Resource[] = ['key', 'service', 'node', 'operator', 'mesh', 'acl'];

/** A small alphabet, so random rules and segments often share prefixes. */
const segment = fc.string({ unit: fc.constantFrom('a', 'b', '/'), maxLength: 4 });

const rule: fc.Arbitrary<Rule> = fc
  .record({
    resource: fc.constantFrom(...TESTED),
    segment,
    prefix: fc.boolean(),
    policy: fc.constantFrom<AccessLevel>('read', 'write', 'list', 'deny'),
  })
  .map((r): Rule => {
    const policy = r.policy === 'list' && r.resource !== 'key' ? 'read' : r.policy;
    return SINGLE.includes(r.resource)
      ? { resource: r.resource, segment: '', prefix: false, policy }
      : { ...r, policy };
  });

const policies: fc.Arbitrary<Policy[]> = fc
  .array(fc.array(rule, { maxLength: 12 }), { maxLength: 3 })
  .map((lists) => lists.map((rules, i) => ({ name: `p${i}`, rules })));

const question = fc.record({
  resource: fc.constantFrom(...TESTED),
  segment,
  access: fc.constantFrom<Access>('read', 'list', 'write'),
});

/** Of rules that tie, the one Consul keeps: any deny, else any write, else any list, else read. */
function strongest(levels: readonly AccessLevel[]): AccessLevel | undefined {
  for (const l of ['deny', 'write', 'list', 'read'] as const) if (levels.includes(l)) return l;
  return undefined;
}

/** The rules as Consul's documentation states them, by brute force over every rule. */
function referenceLevel(ps: readonly Policy[], resource: Resource, seg: string): AccessLevel | undefined {
  const rules = ps.flatMap((p) => p.rules).filter((r) => r.resource === resource);
  const s = SINGLE.includes(resource) ? '' : seg;
  const exact = strongest(rules.filter((r) => !r.prefix && r.segment === s).map((r) => r.policy));
  if (exact !== undefined) return exact;
  const matching = rules.filter((r) => r.prefix && s.startsWith(r.segment));
  const longest = Math.max(-1, ...matching.map((r) => r.segment.length));
  const level = strongest(matching.filter((r) => r.segment.length === longest).map((r) => r.policy));
  if (level === undefined && resource === 'mesh') return referenceLevel(ps, 'operator', '');
  return level;
}

function reference(
  ps: readonly Policy[],
  def: DefaultPolicy,
  resource: Resource,
  seg: string,
  access: Access,
): boolean {
  const level = referenceLevel(ps, resource, seg);
  if (level === undefined) return def === 'allow' && resource !== 'acl';
  if (access === 'write') return level === 'write';
  if (access === 'list') return level === 'write' || level === 'list';
  return level !== 'deny';
}

describe(`the compiled authorizer against a brute-force reference (seed ${SEED})`, () => {
  it('decides every question as the reference does', () => {
    fc.assert(
      fc.property(
        policies,
        fc.constantFrom<DefaultPolicy>('allow', 'deny'),
        fc.array(question, { minLength: 1, maxLength: 20 }),
        (ps, def, questions) => {
          const a = compilePolicies(ps, def);
          for (const q of questions) {
            if (q.access === 'list' && q.resource !== 'key') continue;
            expect(a.allowed(q.resource, q.segment, q.access), JSON.stringify(q)).toBe(
              reference(ps, def, q.resource, q.segment, q.access),
            );
          }
        },
      ),
      { numRuns: 2000, seed: SEED },
    );
  });

  it('asks the same of every segment a rule names and its neighbours (the edges of each prefix)', () => {
    fc.assert(
      fc.property(policies, fc.constantFrom<DefaultPolicy>('allow', 'deny'), (ps, def) => {
        const a = compilePolicies(ps, def);
        const segs = ps
          .flatMap((p) => p.rules)
          .flatMap((r) => [r.segment, `${r.segment}a`, r.segment.slice(0, -1)]);
        for (const s of segs)
          for (const resource of TESTED)
            for (const access of [
              'read',
              'write',
              ...(resource === 'key' ? ['list' as const] : []),
            ] as Access[])
              expect(a.allowed(resource, s, access)).toBe(reference(ps, def, resource, s, access));
      }),
      { numRuns: 400, seed: SEED + 1 },
    );
  });

  it('writes a whole key prefix exactly when the reference says every rule there and above grants write', () => {
    fc.assert(
      fc.property(policies, fc.constantFrom<DefaultPolicy>('allow', 'deny'), segment, (ps, def, prefix) => {
        const under = ps
          .flatMap((p) => p.rules)
          .filter((r) => r.resource === 'key' && r.segment.startsWith(prefix));
        const merged = new Map<string, AccessLevel[]>();
        for (const r of under)
          merged.set(`${r.prefix}:${r.segment}`, [
            ...(merged.get(`${r.prefix}:${r.segment}`) ?? []),
            r.policy,
          ]);
        const allWrite = [...merged.values()].every((levels) => strongest(levels) === 'write');
        const expected = allWrite && reference(ps, def, 'key', prefix, 'write');
        expect(compilePolicies(ps, def).keyWritePrefix(prefix)).toBe(expected);
      }),
      { numRuns: 1000, seed: SEED + 2 },
    );
  });
});

/** Characters that need escaping in both syntaxes, and one outside ASCII. */
const wideSegment = fc.string({
  unit: fc.constantFrom('a', '/', '-', '.', ' ', '"', '\\', 'é', '*'),
  maxLength: 6,
});

const writtenRule = fc.record({
  resource: fc.constantFrom('key', 'service', 'node', 'session', 'agent', 'event', 'query'),
  segment: wideSegment,
  prefix: fc.boolean(),
  policy: fc.constantFrom('read', 'write', 'deny'),
});

function toHcl(
  rules: readonly { resource: string; segment: string; prefix: boolean; policy: string }[],
  single: Record<string, string>,
): string {
  const blocks = rules.map(
    (r) =>
      `${r.resource}${r.prefix ? '_prefix' : ''} ${JSON.stringify(r.segment)} {\n  policy = "${r.policy}"\n}`,
  );
  return [...Object.entries(single).map(([k, v]) => `${k} = "${v}"`), ...blocks].join('\n');
}

function toJson(
  rules: readonly { resource: string; segment: string; prefix: boolean; policy: string }[],
  single: Record<string, string>,
): string {
  const doc: Record<string, unknown> = { ...single };
  for (const r of rules) {
    const word = `${r.resource}${r.prefix ? '_prefix' : ''}`;
    const byLabel = (doc[word] ?? {}) as Record<string, { policy: string }[]>;
    byLabel[r.segment] = [...(byLabel[r.segment] ?? []), { policy: r.policy }];
    doc[word] = byLabel;
  }
  return JSON.stringify(doc, null, 2);
}

describe(`HCL and JSON (seed ${SEED})`, () => {
  it('compile random rule sets written both ways to the same rules', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(writtenRule, { maxLength: 10 }),
        fc.dictionary(
          fc.constantFrom('operator', 'acl', 'keyring', 'mesh'),
          fc.constantFrom('read', 'write', 'deny'),
        ),
        async (rules, single) => {
          const hcl = await parseRules(toHcl(rules, single));
          const json = await parseRules(toJson(rules, single));
          const compiled = (r: Rule[]) => compilePolicies([{ name: 'p', rules: r }], 'deny').rules();
          expect(compiled(hcl)).toEqual(compiled(json));
          expect(hcl).toHaveLength(rules.length + Object.keys(single).length);
        },
      ),
      { numRuns: 60, seed: SEED + 3 },
    );
  });
});
