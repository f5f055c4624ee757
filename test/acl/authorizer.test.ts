import { describe, expect, it } from 'vitest';
import {
  AclError,
  compilePolicies,
  GLOBAL_MANAGEMENT,
  nodeIdentityPolicy,
  type Policy,
  parseRules,
  RESOURCES,
  serviceIdentityPolicy,
} from '../../src/acl/index.js';
import { errorText } from '../../src/errors/index.js';

async function policy(text: string, name = 'p'): Promise<Policy> {
  return { name, rules: await parseRules(text) };
}

describe("Consul's documented examples, decided", () => {
  it('the key example: prefix read, foo/ write, foo/private/ denied, one secret denied exactly', async () => {
    const p = await policy(`
key_prefix "" { policy = "read" }
key_prefix "foo/" { policy = "write" }
key_prefix "foo/private/" { policy = "deny" }
key "foo/bar/secret" { policy = "deny" }
operator = "read"
`);
    const a = compilePolicies([p], 'deny');
    expect(a.allowed('key', 'anything', 'read')).toBe(true);
    expect(a.allowed('key', 'anything', 'write')).toBe(false);
    expect(a.allowed('key', 'foo/x', 'write')).toBe(true);
    expect(a.allowed('key', 'foo/private/x', 'read')).toBe(false);
    expect(a.allowed('key', 'foo/bar/secret', 'read')).toBe(false);
    // The exact rule covers that key only.
    expect(a.allowed('key', 'foo/bar/secret2', 'write')).toBe(true);
    expect(a.allowed('operator', '', 'read')).toBe(true);
    expect(a.allowed('operator', '', 'write')).toBe(false);
  });

  it('the key example with exact rules: foo writable, bar denied, the rest read', async () => {
    const a = compilePolicies(
      [
        await policy(
          'key_prefix "" { policy = "read" }\nkey "foo" { policy = "write" }\nkey "bar" { policy = "deny" }',
        ),
      ],
      'deny',
    );
    expect(a.allowed('key', 'foo', 'write')).toBe(true);
    expect(a.allowed('key', 'foo/x', 'write')).toBe(false);
    expect(a.allowed('key', 'bar', 'read')).toBe(false);
    expect(a.allowed('key', 'barn', 'read')).toBe(true);
  });

  it('the list example: key_prefix "bar" list, "baz" read, the rest denied', async () => {
    const a = compilePolicies(
      [
        await policy(
          'key_prefix "" { policy = "deny" }\nkey_prefix "bar" { policy = "list" }\nkey_prefix "baz" { policy = "read" }',
        ),
      ],
      'allow',
    );
    expect(a.allowed('key', 'bar/1', 'list')).toBe(true);
    expect(a.allowed('key', 'bar/1', 'read')).toBe(true);
    expect(a.allowed('key', 'bar/1', 'write')).toBe(false);
    expect(a.allowed('key', 'baz/1', 'read')).toBe(true);
    expect(a.allowed('key', 'baz/1', 'list')).toBe(false);
    expect(a.allowed('key', 'qux', 'read')).toBe(false);
  });

  it('the node and agent examples', async () => {
    const a = compilePolicies(
      [
        await policy(`
node_prefix "" { policy = "read" }
node "app" { policy = "write" }
node "admin" { policy = "deny" }
agent_prefix "" { policy = "read" }
agent "foo" { policy = "write" }
agent_prefix "bar" { policy = "deny" }
`),
      ],
      'deny',
    );
    expect(a.allowed('node', 'app', 'write')).toBe(true);
    expect(a.allowed('node', 'app2', 'write')).toBe(false);
    expect(a.allowed('node', 'app2', 'read')).toBe(true);
    expect(a.allowed('node', 'admin', 'read')).toBe(false);
    expect(a.allowed('agent', 'foo', 'write')).toBe(true);
    expect(a.allowed('agent', 'bar-1', 'read')).toBe(false);
    expect(a.allowed('agent', 'baz', 'read')).toBe(true);
  });
});

describe('precedence', () => {
  it('an exact rule beats every prefix rule, even a longer-looking one and a deny', async () => {
    const a = compilePolicies(
      [await policy('key_prefix "a/b" { policy = "deny" }\nkey "a/b" { policy = "write" }')],
      'deny',
    );
    expect(a.allowed('key', 'a/b', 'write')).toBe(true);
    expect(a.allowed('key', 'a/bc', 'read')).toBe(false);
  });

  it('the longest matching prefix wins, whichever way it points', async () => {
    const a = compilePolicies(
      [
        await policy(`
service_prefix "" { policy = "deny" }
service_prefix "api" { policy = "write" }
service_prefix "api-internal" { policy = "read" }
service_prefix "api-internal-x" { policy = "deny" }
`),
      ],
      'allow',
    );
    expect(a.allowed('service', 'web', 'read')).toBe(false);
    expect(a.allowed('service', 'api', 'write')).toBe(true);
    expect(a.allowed('service', 'api-internal', 'write')).toBe(false);
    expect(a.allowed('service', 'api-internal', 'read')).toBe(true);
    expect(a.allowed('service', 'api-internal-x1', 'read')).toBe(false);
  });

  it('deny wins over everything when policies give rules of the same specificity; else write, then list', async () => {
    const write = await policy(
      'key_prefix "app/" { policy = "write" }\nkey "app/x" { policy = "write" }',
      'w',
    );
    const deny = await policy('key_prefix "app/" { policy = "deny" }', 'd');
    const list = await policy('key_prefix "app/" { policy = "list" }\nkey "app/x" { policy = "read" }', 'l');
    for (const order of [
      [write, deny, list],
      [deny, list, write],
      [list, write, deny],
    ]) {
      const a = compilePolicies(order, 'allow');
      expect(a.allowed('key', 'app/y', 'read')).toBe(false);
      // The exact rule is more specific than the denying prefix: write over read.
      expect(a.allowed('key', 'app/x', 'write')).toBe(true);
    }
    const a = compilePolicies([list, write], 'deny');
    expect(a.allowed('key', 'app/y', 'write')).toBe(true);
    const b = compilePolicies([list, await policy('key_prefix "app/" { policy = "read" }')], 'deny');
    expect(b.allowed('key', 'app/y', 'list')).toBe(true);
  });

  it('write implies read and list; list implies read; read grants read only', async () => {
    const a = compilePolicies(
      [
        await policy(
          'key "w" { policy = "write" }\nkey "l" { policy = "list" }\nkey "r" { policy = "read" }',
        ),
      ],
      'allow',
    );
    expect(['read', 'list', 'write'].map((x) => a.allowed('key', 'w', x as 'read'))).toEqual([
      true,
      true,
      true,
    ]);
    expect(['read', 'list', 'write'].map((x) => a.allowed('key', 'l', x as 'read'))).toEqual([
      true,
      true,
      false,
    ]);
    expect(['read', 'list', 'write'].map((x) => a.allowed('key', 'r', x as 'read'))).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('list is asked of keys only', () => {
    const a = compilePolicies([], 'allow');
    expect(() => a.allowed('service', 'web', 'list')).toThrow(RangeError);
  });

  it('applies the default policy when no rule matches, both ways; a matching rule is final', async () => {
    const p = await policy('service "web" { policy = "read" }');
    const allow = compilePolicies([p], 'allow');
    const deny = compilePolicies([p], 'deny');
    expect(allow.allowed('service', 'db', 'write')).toBe(true);
    expect(deny.allowed('service', 'db', 'read')).toBe(false);
    expect(allow.allowed('node', 'n1', 'write')).toBe(true);
    expect(deny.allowed('operator', '', 'read')).toBe(false);
    // A read rule refuses the write even when the default would allow it.
    expect(allow.allowed('service', 'web', 'write')).toBe(false);
    expect(deny.allowed('service', 'web', 'read')).toBe(true);
  });

  it("keeps ACL management out of the allow default, as Consul's allow-all does", async () => {
    const a = compilePolicies([], 'allow');
    expect(a.allowed('acl', '', 'read')).toBe(false);
    expect(a.allowed('acl', '', 'write')).toBe(false);
    expect(a.allowed('keyring', '', 'write')).toBe(true);
    expect(compilePolicies([await policy('acl = "read"')], 'allow').allowed('acl', '', 'read')).toBe(true);
  });

  it('single-level resources ignore the segment; mesh falls back to operator', async () => {
    const a = compilePolicies([await policy('operator = "write"')], 'deny');
    expect(a.allowed('operator', 'whatever', 'write')).toBe(true);
    expect(a.allowed('mesh', '', 'write')).toBe(true);
    const b = compilePolicies([await policy('operator = "write"\nmesh = "read"')], 'deny');
    expect(b.allowed('mesh', '', 'write')).toBe(false);
    expect(b.allowed('mesh', '', 'read')).toBe(true);
    expect(compilePolicies([], 'deny').allowed('mesh', '', 'read')).toBe(false);
  });

  it('intentions: read by default under a read or write service rule, deny under deny, a set value wins on merge', async () => {
    const a = compilePolicies(
      [
        await policy(`
service "web" { policy = "write" }
service "db" { policy = "deny" }
service_prefix "api-" {
  policy = "read"
  intentions = "write"
}`),
      ],
      'allow',
    );
    expect(a.intentionAllowed('web', 'read')).toBe(true);
    expect(a.intentionAllowed('web', 'write')).toBe(false);
    expect(a.intentionAllowed('db', 'read')).toBe(false);
    expect(a.intentionAllowed('api-1', 'write')).toBe(true);
    expect(a.intentionAllowed('other', 'write')).toBe(true);
    // Merged before the default is applied: deny + (read, intentions write) keeps intentions write.
    const m = compilePolicies(
      [
        await policy('service "x" { policy = "deny" }'),
        await policy('service "x" {\n policy = "read"\n intentions = "write"\n}'),
      ],
      'deny',
    );
    expect(m.allowed('service', 'x', 'read')).toBe(false);
    expect(m.intentionAllowed('x', 'write')).toBe(true);
  });

  it('writes a whole prefix only when every rule at or under it grants write', async () => {
    const a = compilePolicies(
      [
        await policy(`
key_prefix "app/" { policy = "write" }
key "app/locked" { policy = "read" }
key_prefix "tmp/" { policy = "write" }
key_prefix "ro/" { policy = "read" }
`),
      ],
      'deny',
    );
    expect(a.keyWritePrefix('tmp/')).toBe(true);
    expect(a.keyWritePrefix('tmp/x/')).toBe(true);
    expect(a.keyWritePrefix('app/')).toBe(false);
    expect(a.keyWritePrefix('app/other/')).toBe(true);
    expect(a.keyWritePrefix('ro/')).toBe(false);
    expect(a.keyWritePrefix('')).toBe(false);
    expect(a.keyWritePrefix('none/')).toBe(false);
    expect(compilePolicies([], 'allow').keyWritePrefix('')).toBe(true);
  });
});

describe('built-in policies and identities', () => {
  it('global-management writes everything, ACLs included, under a deny default', () => {
    const a = compilePolicies([GLOBAL_MANAGEMENT], 'deny');
    for (const r of RESOURCES) {
      expect(a.allowed(r, 'any/segment', 'write'), r).toBe(true);
      expect(a.allowed(r, '', 'read'), r).toBe(true);
    }
    expect(a.allowed('key', 'x', 'list')).toBe(true);
    expect(a.intentionAllowed('web', 'write')).toBe(true);
    expect(a.keyWritePrefix('')).toBe(true);
  });

  it('a service identity writes its service and sidecar and reads every service and node, nothing else', () => {
    const p = serviceIdentityPolicy({ ServiceName: 'web' }, 'dc1');
    expect(p).not.toBeNull();
    const a = compilePolicies(p === null ? [] : [p], 'deny');
    expect(a.allowed('service', 'web', 'write')).toBe(true);
    expect(a.allowed('service', 'web-sidecar-proxy', 'write')).toBe(true);
    expect(a.allowed('service', 'web2', 'write')).toBe(false);
    expect(a.allowed('service', 'db', 'read')).toBe(true);
    expect(a.allowed('node', 'n1', 'read')).toBe(true);
    expect(a.allowed('node', 'n1', 'write')).toBe(false);
    expect(a.allowed('key', 'x', 'read')).toBe(false);
    expect(serviceIdentityPolicy({ ServiceName: 'web', Datacenters: ['dc2'] }, 'dc1')).toBeNull();
    expect(serviceIdentityPolicy({ ServiceName: 'web', Datacenters: ['dc2', 'dc1'] }, 'dc1')).not.toBeNull();
  });

  it('a node identity writes its node and reads every service', () => {
    const p = nodeIdentityPolicy({ NodeName: 'node-1', Datacenter: 'dc1' }, 'dc1');
    const a = compilePolicies(p === null ? [] : [p], 'deny');
    expect(a.allowed('node', 'node-1', 'write')).toBe(true);
    expect(a.allowed('node', 'node-2', 'read')).toBe(false);
    expect(a.allowed('service', 'web', 'read')).toBe(true);
    expect(a.allowed('service', 'web', 'write')).toBe(false);
    expect(nodeIdentityPolicy({ NodeName: 'node-1', Datacenter: 'dc2' }, 'dc1')).toBeNull();
  });

  it('refuses identity names Consul refuses, naming the field', () => {
    const refusal = (f: () => unknown): AclError => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(AclError);
        return e as AclError;
      }
      throw new Error('accepted');
    };
    for (const bad of ['', 'Web', 'web-', '-web', 'a.b', 'x'.repeat(257)]) {
      const e = refusal(() => serviceIdentityPolicy({ ServiceName: bad }, 'dc1'));
      expect(e.code, bad).toBe('ACL_INVALID_IDENTITY');
      expect(e.field, bad).toBe('ServiceName');
      expect(errorText(e.code, e.message, e.field), bad).toMatch(
        /^ServiceName: (".*" is not a valid identity name|longer than 256)/,
      );
    }
    expect(refusal(() => nodeIdentityPolicy({ NodeName: 'Node_1', Datacenter: 'dc1' }, 'dc1')).field).toBe(
      'NodeName',
    );
    expect(serviceIdentityPolicy({ ServiceName: 'a_b-9' }, 'dc1')?.name).toBe('service-identity:a_b-9');
  });
});
