import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AclError,
  compilePolicies,
  MAX_RULES,
  MAX_RULES_BYTES,
  parseJsonRules,
  parseRules,
  type Rule,
} from '../../src/acl/index.js';
import { errorText, httpStatus } from '../../src/errors/index.js';

/** Consul's documented example policy (ACL rules reference), in HCL and in its JSON form. */
const DOC_HCL = `# These control access to the key/value store.
key_prefix "" {
  policy = "read"
}
key_prefix "foo/" {
  policy = "write"
}
key_prefix "foo/private/" {
  policy = "deny"
}
# Or for exact key matches
key "foo/bar/secret" {
  policy = "deny"
}

# This rule controls access to cluster-wide Consul operator information.
operator = "read"
`;

const DOC_JSON = `{
  "key_prefix": {
    "": { "policy": "read" },
    "foo/": { "policy": "write" },
    "foo/private/": { "policy": "deny" }
  },
  "key": {
    "foo/bar/secret": { "policy": "deny" }
  },
  "operator": "read"
}`;

async function failure(text: string): Promise<AclError> {
  try {
    await parseRules(text);
  } catch (e) {
    expect(e).toBeInstanceOf(AclError);
    return e as AclError;
  }
  throw new Error(`parsed without error: ${text.slice(0, 80)}`);
}

const sorted = (rules: readonly Rule[]) => compilePolicies([{ name: 'p', rules }], 'deny').rules();

describe('parsing Consul rules', () => {
  it("parses Consul's documented example in HCL and in JSON into the same rules", async () => {
    const hcl = await parseRules(DOC_HCL);
    const json = await parseRules(DOC_JSON);
    expect(sorted(hcl)).toEqual(sorted(json));
    expect(sorted(hcl)).toEqual([
      { resource: 'key', segment: '', prefix: true, policy: 'read' },
      { resource: 'key', segment: 'foo/', prefix: true, policy: 'write' },
      { resource: 'key', segment: 'foo/bar/secret', prefix: false, policy: 'deny' },
      { resource: 'key', segment: 'foo/private/', prefix: true, policy: 'deny' },
      { resource: 'operator', segment: '', prefix: false, policy: 'read' },
    ]);
  });

  it('reads every resource of the language, exact and prefix, and intentions on service rules', async () => {
    const text = `
acl = "read"
keyring = "write"
mesh = "deny"
operator = "write"
agent "a" { policy = "read" }
agent_prefix "" { policy = "write" }
event "deploy" { policy = "write" }
event_prefix "" { policy = "read" }
key "k" { policy = "list" }
key_prefix "k/" { policy = "list" }
node "n" { policy = "write" }
node_prefix "" { policy = "read" }
query "q" { policy = "write" }
query_prefix "" { policy = "read" }
service "web" {
  policy     = "write"
  intentions = "read"
}
service_prefix "" { policy = "read" }
session "s" { policy = "deny" }
session_prefix "" { policy = "write" }
`;
    const rules = await parseRules(text);
    expect(rules).toHaveLength(18);
    expect(new Set(rules.map((r) => r.resource))).toEqual(
      new Set([
        'acl',
        'keyring',
        'mesh',
        'operator',
        'agent',
        'event',
        'key',
        'node',
        'query',
        'service',
        'session',
      ]),
    );
    expect(rules).toContainEqual({
      resource: 'service',
      segment: 'web',
      prefix: false,
      policy: 'write',
      intentions: 'read',
    });
    expect(rules).toContainEqual({ resource: 'key', segment: 'k/', prefix: true, policy: 'list' });
    expect(await parseRules('')).toEqual([]);
    expect(await parseRules('# only a comment\n')).toEqual([]);
  });

  it('gives HCL and JSON with the same meaning the same compiled rules, duplicates merged alike', async () => {
    const hcl = `key "a" { policy = "read" }
key "a" { policy = "deny" }
service_prefix "api-" {
  policy = "read"
  intentions = "write"
}`;
    const json = JSON.stringify({
      key: { a: [{ policy: 'read' }, { policy: 'deny' }] },
      service_prefix: { 'api-': { policy: 'read', intentions: 'write' } },
    });
    expect(sorted(await parseRules(hcl))).toEqual(sorted(await parseRules(json)));
    expect(sorted(await parseRules(hcl))[0]).toEqual({
      resource: 'key',
      segment: 'a',
      prefix: false,
      policy: 'deny',
    });
  });
});

describe('malformed rules', () => {
  it('names the line and column of HCL that does not parse', async () => {
    const e = await failure('key "a" {\n  policy = "read"\n}\nkey "b" {\n  policy = "read"\n');
    expect(e.code).toBe('ACL_RULES_SYNTAX');
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/^line 4: column \d+: Unclosed configuration block/);
    const twice = await failure('operator = "read"\noperator = "write"\n');
    expect(twice.line).toBe(2);
    expect(twice.message).toMatch(/Attribute redefined/);
  });

  it('names the line of JSON that does not parse', async () => {
    const e = await failure('{\n  "key": {\n    "a": { "policy": "read" },,\n  }\n}');
    expect(e.code).toBe('ACL_RULES_SYNTAX');
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/^line 3: not valid JSON/);
  });

  it('names the line and the word of an unknown resource, and lists the known ones', async () => {
    const e = await failure('key_prefix "" {\n  policy = "read"\n}\n\nkeys "x" {\n  policy = "read"\n}\n');
    expect(e.code).toBe('ACL_UNKNOWN_RESOURCE');
    expect(e.line).toBe(5);
    expect(e.rule).toBe('keys');
    expect(e.message).toMatch(/^line 5: keys: unknown resource "keys" \(known: acl, agent, agent_prefix, /);
    const json = await failure('{\n  "operator": "read",\n  "partition": "write"\n}');
    expect(json.code).toBe('ACL_UNKNOWN_RESOURCE');
    expect(json.line).toBe(3);
  });

  it('names the line and the rule of a bad access level', async () => {
    const e = await failure('key_prefix "" {\n  policy = "read"\n}\nservice "web" {\n  policy = "reed"\n}\n');
    expect(e.code).toBe('ACL_INVALID_ACCESS');
    expect(e.line).toBe(5);
    expect(e.rule).toBe('service "web"');
    expect(e.message).toBe(
      'line 5: service "web": policy "reed" is not an access level here (want read, write or deny)',
    );
    const single = await failure('acl = "manage"');
    expect(single.message).toBe(
      'line 1: acl: policy "manage" is not an access level here (want read, write or deny)',
    );
    const json = await failure('{\n  "key": {\n    "a": {\n      "policy": "rw"\n    }\n  }\n}');
    expect(json.line).toBe(4);
    expect(json.rule).toBe('key "a"');
  });

  it('names the right line when one label has several blocks', async () => {
    const e = await failure(
      'key "a" { policy = "read" }\nkey "b" { policy = "read" }\nkey "a" {\n  policy = "bad"\n}',
    );
    expect(e.line).toBe(4);
    expect(e.rule).toBe('key "a"');
    const json = await failure('{"key": {"a": [\n  {"policy": "read"},\n  {"policy": "bad"}\n]}}');
    expect(json.line).toBe(3);
  });

  it('takes list on key rules only, and not for intentions', async () => {
    expect((await parseRules('key_prefix "a/" { policy = "list" }'))[0]?.policy).toBe('list');
    const svc = await failure('service_prefix "" {\n  policy = "list"\n}');
    expect(svc.code).toBe('ACL_INVALID_ACCESS');
    expect(svc.line).toBe(2);
    expect((await failure('operator = "list"')).code).toBe('ACL_INVALID_ACCESS');
    const intent = await failure('service "a" {\n  policy = "read"\n  intentions = "list"\n}');
    expect(intent.line).toBe(3);
    expect(intent.message).toMatch(/intentions "list"/);
  });

  it('refuses rules of the wrong shape, each with its rule named', async () => {
    const cases: [string, string, RegExp][] = [
      ['key { policy = "read" }', 'ACL_INVALID_RULE', /^line 1: key: needs a label/],
      [
        'key "a" "b" { policy = "read" }',
        'ACL_INVALID_RULE',
        /^line 1: key "a": unexpected "b" inside the rule/,
      ],
      [
        'node "n" {\n  policy = "read"\n  sentinel = "x"\n}',
        'ACL_INVALID_RULE',
        /^line 3: node "n": unknown attribute "sentinel"/,
      ],
      ['key "a" { intentions = "read" }', 'ACL_INVALID_RULE', /unknown attribute "intentions"/],
      ['node "n" {}', 'ACL_INVALID_ACCESS', /^line 1: node "n": missing policy/],
      ['key "a" { policy = read }', 'ACL_INVALID_ACCESS', /not an expression/],
      ['key "a" { policy = 3 }', 'ACL_INVALID_ACCESS', /must be a quoted string/],
      ['["key"]', 'ACL_RULES_SYNTAX', /^line 1: column 1: Argument or block definition required/],
    ];
    for (const [text, code, message] of cases) {
      const e = await failure(text);
      expect(e.code, text).toBe(code);
      expect(e.message, text).toMatch(message);
    }
    expect(() => parseJsonRules('[1, 2]')).toThrow(/the rules must be an object/);
    expect(() => parseJsonRules('{"key": "read"}')).toThrow(/needs a label/);
  });

  it('refuses 10,000 rules, in HCL and in JSON, with a clear error and before parsing them', async () => {
    const hcl = Array.from({ length: 10_000 }, (_, i) => `key "app/${i}" { policy = "read" }`).join('\n');
    const e = await failure(hcl);
    expect(e.code).toBe('ACL_RULES_TOO_LARGE');
    expect(e.message).toBe(`the rules are ${hcl.length} bytes; a policy holds at most ${MAX_RULES_BYTES}`);
    const key = Object.fromEntries(
      Array.from({ length: 10_000 }, (_, i) => [`app/${i}`, { policy: 'read' }]),
    );
    expect((await failure(JSON.stringify({ key }))).code).toBe('ACL_RULES_TOO_LARGE');
    // Under the byte cap but over the rule cap: counted after parsing.
    const many = Object.fromEntries(
      Array.from({ length: MAX_RULES + 1 }, (_, i) => [`${i}`, { policy: 'read' }]),
    );
    const text = JSON.stringify({ key: many });
    expect(text.length).toBeLessThan(MAX_RULES_BYTES);
    const over = await failure(text);
    expect(over.code).toBe('ACL_RULES_TOO_LARGE');
    expect(over.message).toBe(`more than ${MAX_RULES} rules in one policy`);
  });

  it('answers every rules error with a 400 whose message starts with the Rules field', async () => {
    const e = await failure('keys "x" { policy = "read" }');
    expect(httpStatus(e.code)).toBe(400);
    expect(errorText(e.code, e.message)).toBe(
      `Rules: line 1: keys: unknown resource "keys" (known: ${e.message.split('(known: ')[1]}`,
    );
  });
});

describe('any text at all', () => {
  const SEED = Number(process.env.ACL_PROPERTY_SEED ?? 1515);
  const piece = fc.constantFrom(
    'key',
    'key_prefix',
    'operator',
    ' ',
    '"',
    '{',
    '}',
    '=',
    '\n',
    'policy',
    'read',
    'list',
    '${',
    '%{',
    '#',
    '/*',
    '*/',
    '\\',
    'é',
    '\u0000',
    '[',
    ']',
    ',',
    '<<EOF\n',
    'EOF\n',
    '(',
    ')',
    '1.5',
    'true',
    'x',
  );
  const isRule = (r: Rule) =>
    typeof r.segment === 'string' && ['read', 'write', 'list', 'deny'].includes(r.policy);

  it(`is parsed into rules or refused with an AclError, never a crash or a stall, in HCL (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 30 }), async (pieces) => {
        const text = pieces.join('');
        try {
          expect((await parseRules(text)).every(isRule)).toBe(true);
        } catch (e) {
          expect(e, text).toBeInstanceOf(AclError);
          expect((e as AclError).message.length).toBeGreaterThan(10);
        }
      }),
      { numRuns: 150, seed: SEED },
    );
  });

  it(`is parsed into rules or refused with an AclError in JSON (seed ${SEED})`, () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), (text) => {
        try {
          expect(parseJsonRules(text).every(isRule)).toBe(true);
        } catch (e) {
          expect(e, text).toBeInstanceOf(AclError);
        }
      }),
      { numRuns: 500, seed: SEED },
    );
  });
});
