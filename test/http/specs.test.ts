import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/http/errors.js';
import { Fields } from '../../src/http/fields.js';
import { checkSpec, name, nodeSpec, serviceChecks, serviceSpec, status } from '../../src/http/specs.js';

function bad(fn: () => unknown): string {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error('expected an HttpError 400, nothing was thrown');
  expect(thrown).toBeInstanceOf(HttpError);
  expect((thrown as HttpError).status).toBe(400);
  return (thrown as HttpError).message;
}

const body = (v: unknown, path = '') => new Fields(v, path);
const NO_DEFAULTS = { id: '', name: '', serviceId: '' };
const agentCheck = (v: unknown, path = '') => checkSpec(body(v, path), NO_DEFAULTS, false);
const catalogCheck = (v: unknown, path = '') => checkSpec(body(v, path), NO_DEFAULTS, true);

describe('name and status', () => {
  it.each(['web', 'a', 'web-1.v2_x:y/z@dc', '9lives', 'x'.repeat(128)])('name %s is valid', (n) => {
    expect(name(n, 'Name')).toBe(n);
  });

  it.each(['-web', '.web', 'web api', 'wéb', 'x'.repeat(129), 'a\nb'])('name %j is refused', (n) => {
    expect(bad(() => name(n, 'Service.Name'))).toMatch(/^Service\.Name: ".*" is not valid/s);
  });

  it('an empty name is required', () => {
    expect(bad(() => name('', 'ID'))).toBe('ID: is required');
  });

  it('status: passing, warning, critical only', () => {
    for (const s of ['passing', 'warning', 'critical']) expect(status(s, 'Status')).toBe(s);
    expect(bad(() => status('Passing', 'Check.Status'))).toBe(
      'Check.Status: "Passing" is not one of passing, warning, critical',
    );
    expect(bad(() => status('maintenance', 'Status'))).toMatch(/^Status: /);
  });
});

describe('serviceSpec', () => {
  it('defaults: ID = Name, weights 1/1, empty collections', () => {
    expect(serviceSpec(body({ Name: 'web' }))).toEqual({
      id: 'web',
      name: 'web',
      tags: [],
      address: '',
      port: 0,
      meta: {},
      weights: { passing: 1, warning: 1 },
      enableTagOverride: false,
      taggedAddresses: {},
    });
  });

  it('reads a full registration with any key spelling', () => {
    const spec = serviceSpec(
      body({
        id: 'web-1',
        name: 'web',
        tags: ['v1', 'primary'],
        address: '10.0.0.1',
        port: 8080,
        meta: { version: '1.2' },
        weights: { passing: 10, warning: 0 },
        enable_tag_override: true,
        tagged_addresses: {
          lan: { address: '10.0.0.1', port: 8080 },
          wan_ipv4: { Address: '1.2.3.4', Port: '80' },
        },
      }),
    );
    expect(spec).toEqual({
      id: 'web-1',
      name: 'web',
      tags: ['v1', 'primary'],
      address: '10.0.0.1',
      port: 8080,
      meta: { version: '1.2' },
      weights: { passing: 10, warning: 0 },
      enableTagOverride: true,
      taggedAddresses: {
        lan: { address: '10.0.0.1', port: 8080 },
        wan_ipv4: { address: '1.2.3.4', port: 80 },
      },
    });
  });

  it('"Service" is accepted for the name (catalog form); an empty ID falls back to the name', () => {
    const spec = serviceSpec(body({ Service: 'db', ID: '' }, 'Service'));
    expect([spec.id, spec.name]).toEqual(['db', 'db']);
  });

  it('weights: a missing member is 1', () => {
    expect(serviceSpec(body({ Name: 'w', Weights: { Passing: 3 } })).weights).toEqual({
      passing: 3,
      warning: 1,
    });
    expect(serviceSpec(body({ Name: 'w', Weights: {} })).weights).toEqual({ passing: 1, warning: 1 });
  });

  it.each<[unknown, string, RegExp]>([
    [{}, '', /^Name: is required$/],
    [{ Name: '' }, 'Service', /^Service\.Name: is required$/],
    [{ Name: 'bad name' }, '', /^Name: "bad name" is not valid/],
    [{ Name: 'web', ID: 'bad id' }, 'Service', /^Service\.ID: "bad id" is not valid/],
    [{ Name: 7 }, '', /^Name: expected a string$/],
    [{ Name: 'web', Port: 70000 }, 'Service', /^Service\.Port: must be between 0 and 65535$/],
    [{ Name: 'web', Port: -1 }, '', /^Port: must be between 0 and 65535$/],
    [{ Name: 'web', Port: 'http' }, '', /^Port: expected an integer$/],
    [{ Name: 'web', Tags: 'v1' }, '', /^Tags: expected a list of strings$/],
    [{ Name: 'web', Meta: { v: 1 } }, 'Service', /^Service\.Meta\.v: expected a string$/],
    [{ Name: 'web', Weights: { Passing: 70000 } }, '', /^Weights\.Passing: must be between 0 and 65535$/],
    [{ Name: 'web', Weights: { Warning: -1 } }, 'Service', /^Service\.Weights\.Warning: must be between/],
    [{ Name: 'web', Weights: 5 }, '', /^Weights: expected a JSON object$/],
    [{ Name: 'web', EnableTagOverride: 'yes' }, '', /^EnableTagOverride: expected true or false$/],
    [
      { Name: 'web', TaggedAddresses: { lan: '10.0.0.1' } },
      '',
      /^TaggedAddresses\.lan: expected a JSON object$/,
    ],
    [
      { Name: 'web', TaggedAddresses: { lan: { Port: 1e6 } } },
      'Service',
      /^Service\.TaggedAddresses\.lan\.Port: /,
    ],
    [{ Name: 'web', Address: ['a'] }, '', /^Address: expected a string$/],
  ])('%j at %j → 400 %s', (v, path, message) => {
    expect(bad(() => serviceSpec(body(v, path)))).toMatch(message);
  });
});

describe('checkSpec (agent): TTL checks only', () => {
  it('a TTL check with the given id, name and defaults', () => {
    expect(agentCheck({ CheckID: 'mem', Name: 'Memory', TTL: '15s' })).toEqual({
      id: 'mem',
      name: 'Memory',
      status: null,
      notes: '',
      output: '',
      serviceId: '',
      type: 'ttl',
      ttlMs: 15_000,
      probe: null,
      deregisterCriticalAfterMs: 0,
    });
  });

  it('the id comes from CheckID, then ID, then the defaults, then the name (as Consul)', () => {
    const d = { id: 'service:web', name: "Service 'web' check", serviceId: 'web' };
    expect(checkSpec(body({ CheckID: 'a', ID: 'b', TTL: '1s' }), d, false).id).toBe('a');
    expect(checkSpec(body({ ID: 'b', TTL: '1s' }), d, false).id).toBe('b');
    expect(checkSpec(body({ TTL: '1s' }), d, false)).toMatchObject({
      id: 'service:web',
      name: "Service 'web' check",
      serviceId: 'web',
    });
    expect(agentCheck({ Name: 'mem', TTL: '1s' }).id).toBe('mem');
  });

  it('a check with neither name nor id is refused naming Name', () => {
    expect(bad(() => agentCheck({ TTL: '1s' }))).toBe('Name: is required');
    expect(bad(() => agentCheck({ TTL: '1s' }, 'Check'))).toBe('Check.Name: is required');
  });

  it.each<[unknown, number]>([
    ['10s', 10_000],
    ['1m', 60_000],
    ['100ms', 100],
    ['2h45m', 9_900_000],
    [30_000_000_000, 30_000],
    [100_000_000, 100],
  ])('TTL %j = %d ms', (ttl, ms) => {
    const c = agentCheck({ Name: 'c', TTL: ttl });
    expect(c.ttlMs).toBe(ms);
    expect(c.type).toBe('ttl');
  });

  it.each<[unknown, RegExp]>([
    [
      undefined,
      /^TTL: is required, or HTTP or TCP with an Interval \(cairn runs TTL, HTTP and TCP checks\)$/,
    ],
    ['', /^TTL: is required/],
    ['0s', /^TTL: is required/],
    [0, /^TTL: is required/],
    ['99ms', /^TTL: must be at least 100ms$/],
    [99_999_999, /^TTL: must be at least 100ms$/],
    ['10', /^TTL: "10" is not a duration/],
    ['-5s', /^TTL: "-5s" is not a duration/],
    [true, /^TTL: "true" is not a duration/],
  ])('TTL %j → 400 %s', (ttl, message) => {
    expect(bad(() => agentCheck({ Name: 'c', TTL: ttl }))).toMatch(message);
  });

  it.each([
    ['Args', ['/bin/true']],
    ['Script', 'true'],
    ['GRPC', '127.0.0.1:9000'],
    ['DockerContainerID', 'abc'],
    ['H2PING', '127.0.0.1:443'],
    ['UDP', '127.0.0.1:53'],
    ['OSService', 'sshd'],
    ['docker_container_id', 'abc'],
  ])('a %s check is refused naming the field, even with a TTL', (field, value) => {
    const canonical = field === 'docker_container_id' ? 'DockerContainerID' : field;
    const message = bad(() =>
      agentCheck({ Name: 'c', TTL: '10s', [field]: value, Interval: '10s' }, 'Checks[1]'),
    );
    expect(message).toBe(
      `Checks[1].${canonical}: cairn runs TTL, HTTP and TCP checks only; use one of those`,
    );
    expect(bad(() => agentCheck({ Name: 'c', [field]: value }))).toMatch(new RegExp(`^${canonical}: `));
  });

  it('an HTTP check: the probe as given, method upper-cased, timeout 10 s by default and never past the interval', () => {
    expect(
      agentCheck({
        CheckID: 'api',
        Name: 'api',
        http: 'http://127.0.0.1:8080/health',
        Method: 'post',
        Header: { Accept: ['text/plain'], 'X-One': 'single' },
        Body: '{}',
        TLSSkipVerify: true,
        Interval: '15s',
      }),
    ).toEqual({
      id: 'api',
      name: 'api',
      status: null,
      notes: '',
      output: '',
      serviceId: '',
      type: 'http',
      ttlMs: 0,
      probe: {
        kind: 'http',
        url: 'http://127.0.0.1:8080/health',
        method: 'POST',
        headers: { Accept: ['text/plain'], 'X-One': ['single'] },
        body: '{}',
        tlsSkipVerify: true,
        disableRedirects: false,
        intervalMs: 15_000,
        timeoutMs: 10_000,
        thresholds: { successBeforePassing: 0, failuresBeforeWarning: 0, failuresBeforeCritical: 0 },
      },
      deregisterCriticalAfterMs: 0,
    });
    // Damping: warning defaults to the critical threshold, as in Consul.
    expect(
      agentCheck({
        Name: 'c',
        HTTP: 'https://x/h',
        Interval: '1s',
        FailuresBeforeCritical: 3,
        SuccessBeforePassing: 2,
      }).probe?.thresholds,
    ).toEqual({ successBeforePassing: 2, failuresBeforeWarning: 3, failuresBeforeCritical: 3 });
    expect(
      bad(() => agentCheck({ Name: 'c', HTTP: 'https://x/h', Interval: '1s', FailuresBeforeCritical: -1 })),
    ).toBe('FailuresBeforeCritical: must be between 0 and 1000');
    expect(agentCheck({ Name: 'c', HTTP: 'https://x/h', Interval: '2s', Timeout: '5s' }).probe).toMatchObject(
      {
        intervalMs: 2000,
        timeoutMs: 2000,
      },
    );
    // Shorter intervals are raised to a second, as Consul does.
    expect(agentCheck({ Name: 'c', HTTP: 'https://x/h', Interval: '100ms' }).probe?.intervalMs).toBe(1000);
  });

  it('a TCP check, and the probe mistakes that are a 400', () => {
    expect(agentCheck({ Name: 'db', TCP: 'db.internal:5432', Interval: '10s', Timeout: '1s' })).toMatchObject(
      {
        type: 'tcp',
        ttlMs: 0,
        probe: { kind: 'tcp', address: 'db.internal:5432', intervalMs: 10_000, timeoutMs: 1000 },
      },
    );
    expect(agentCheck({ Name: 'db', TCP: '[::1]:5432', Interval: '10s' }).probe).toMatchObject({
      address: '[::1]:5432',
    });
    expect(bad(() => agentCheck({ Name: 'c', TCP: 'x:1' }, 'Check'))).toBe(
      'Check.Interval: is required for TCP checks',
    );
    for (const addr of ['127.0.0.1:99999', '127.0.0.1:0', 'a:b', ':80', 'a b:1'])
      expect(bad(() => agentCheck({ Name: 'c', TCP: addr, Interval: '1s' }))).toBe(
        `TCP: "${addr}" is not HOST:PORT (port 1-65535)`,
      );
    // Timers take whole milliseconds up to 2^31-1.
    expect(
      agentCheck({ Name: 'c', TCP: 'x:1', Interval: '1500.5ms', Timeout: '700.2ms' }).probe,
    ).toMatchObject({
      intervalMs: 1501,
      timeoutMs: 701,
    });
    expect(agentCheck({ Name: 'c', TCP: 'x:1', Interval: '1000h' }).probe?.intervalMs).toBe(2 ** 31 - 1);
    expect(bad(() => agentCheck({ Name: 'c', HTTP: 'x', Interval: '1s' }))).toBe('HTTP: "x" is not a URL');
    expect(bad(() => agentCheck({ Name: 'c', HTTP: 'http://x/', Method: 'GE T', Interval: '1s' }))).toBe(
      'Method: "GE T" is not an HTTP method',
    );
    expect(bad(() => agentCheck({ Name: 'c', HTTP: 'http://x/', Header: { A: [1] }, Interval: '1s' }))).toBe(
      'Header.A: expected a list of at most 16 strings',
    );
    expect(bad(() => agentCheck({ Name: 'c', HTTP: 'http://x/', TTL: '5s', Interval: '1s' }))).toBe(
      'TTL: a check is either a TTL or an HTTP check',
    );
  });

  it('a null probe field counts as absent', () => {
    expect(agentCheck({ Name: 'c', TTL: '1s', HTTP: null, Args: null }).ttlMs).toBe(1000);
  });

  it('Status: validated; empty means "keep or start critical" (null)', () => {
    expect(agentCheck({ Name: 'c', TTL: '1s', Status: 'passing' }).status).toBe('passing');
    expect(agentCheck({ Name: 'c', TTL: '1s', Status: 'warning' }).status).toBe('warning');
    expect(agentCheck({ Name: 'c', TTL: '1s', Status: '' }).status).toBeNull();
    expect(bad(() => agentCheck({ Name: 'c', TTL: '1s', Status: 'ok' }, 'Check'))).toBe(
      'Check.Status: "ok" is not one of passing, warning, critical',
    );
    expect(bad(() => agentCheck({ Name: 'c', TTL: '1s', Status: 1 }))).toBe('Status: expected a string');
  });

  it.each<[unknown, number]>([
    [undefined, 0],
    ['', 0],
    ['0s', 0],
    ['1ms', 1000],
    ['500ms', 1000],
    ['1s', 1000],
    ['90s', 90_000],
    [1_000_000, 1000],
    [120_000_000_000, 120_000],
  ])('DeregisterCriticalServiceAfter %j → %d ms (at least 1s when set)', (v, ms) => {
    expect(
      agentCheck({ Name: 'c', TTL: '1s', DeregisterCriticalServiceAfter: v }).deregisterCriticalAfterMs,
    ).toBe(ms);
  });

  it('DeregisterCriticalServiceAfter that is not a duration is a 400 naming it', () => {
    expect(
      bad(() => agentCheck({ Name: 'c', TTL: '1s', deregister_critical_service_after: 'x' }, 'Check')),
    ).toMatch(/^Check\.DeregisterCriticalServiceAfter: "x" is not a duration/);
  });

  it('notes, output and service id are carried', () => {
    expect(
      agentCheck({ Name: 'c', TTL: '1s', Notes: 'n', Output: 'o', ServiceID: 'web-1', check_id: 'cid' }),
    ).toMatchObject({ id: 'cid', notes: 'n', output: 'o', serviceId: 'web-1' });
  });
});

describe('checkSpec (catalog): kept as given', () => {
  it('no TTL needed; probe fields are allowed; status defaults to critical', () => {
    expect(catalogCheck({ CheckID: 'web-http', Name: 'HTTP', HTTP: 'http://x/', ServiceID: 'web' })).toEqual({
      id: 'web-http',
      name: 'HTTP',
      status: 'critical',
      notes: '',
      output: '',
      serviceId: 'web',
      type: '',
      ttlMs: 0,
      // The catalog stores checks; it never runs them (as Consul's catalog).
      probe: null,
      deregisterCriticalAfterMs: 0,
    });
  });

  it('a catalog check without an id takes its name (as Consul)', () => {
    expect(catalogCheck({ Name: 'serfHealth', Status: 'passing' }, 'Check')).toMatchObject({
      id: 'serfHealth',
      status: 'passing',
    });
  });

  it('still validates status, name and a TTL when one is given', () => {
    expect(bad(() => catalogCheck({ CheckID: 'x' }, 'Check'))).toBe('Check.Name: is required');
    expect(bad(() => catalogCheck({ Name: 'x', Status: 'up' }, 'Checks[0]'))).toMatch(
      /^Checks\[0\]\.Status: /,
    );
    expect(bad(() => catalogCheck({ Name: 'x', TTL: '1ms' }))).toBe('TTL: must be at least 100ms');
    expect(catalogCheck({ Name: 'x', TTL: '5s' })).toMatchObject({ type: 'ttl', ttlMs: 5000 });
  });
});

describe('serviceChecks', () => {
  const svc = (v: unknown) => {
    const f = body(v);
    return serviceChecks(f, serviceSpec(f));
  };

  it('no checks', () => {
    expect(svc({ Name: 'web' })).toEqual([]);
    expect(svc({ Name: 'web', Check: null, Checks: [] })).toEqual([]);
  });

  it('one Check is service:<id>, named after the service', () => {
    const [c, ...more] = svc({ Name: 'web', ID: 'web-1', Check: { TTL: '10s' } });
    expect(more).toEqual([]);
    expect(c).toMatchObject({
      id: 'service:web-1',
      name: "Service 'web' check",
      serviceId: 'web-1',
      ttlMs: 10_000,
    });
  });

  it('a single entry of Checks is also service:<id>; the id defaults to the name', () => {
    expect(svc({ Name: 'web', Checks: [{ TTL: '10s' }] }).map((c) => c.id)).toEqual(['service:web']);
  });

  it('several checks are service:<id>:<n> from 1, Check first; explicit ids are kept', () => {
    const checks = svc({
      Name: 'web',
      ID: 'web-1',
      Check: { TTL: '10s' },
      Checks: [{ TTL: '20s' }, { CheckID: 'custom', Name: 'Custom', TTL: '30s' }, { TTL: '40s' }],
    });
    expect(checks.map((c) => [c.id, c.name, c.ttlMs])).toEqual([
      ['service:web-1:1', "Service 'web' check", 10_000],
      ['service:web-1:2', "Service 'web' check", 20_000],
      ['custom', 'Custom', 30_000],
      ['service:web-1:4', "Service 'web' check", 40_000],
    ]);
    expect(checks.every((c) => c.serviceId === 'web-1')).toBe(true);
  });

  it('errors name the check by its place', () => {
    expect(bad(() => svc({ Name: 'web', Checks: [{ TTL: '1s' }, { Interval: '10s' }] }))).toBe(
      'Checks[1].TTL: is required, or HTTP or TCP with an Interval (cairn runs TTL, HTTP and TCP checks)',
    );
    expect(bad(() => svc({ Name: 'web', Check: { TTL: '1s', HTTP: 'http://x' } }))).toBe(
      'Check.Interval: is required for HTTP checks',
    );
    expect(bad(() => svc({ Name: 'web', Checks: [{ TTL: '1s' }, 'x'] }))).toBe(
      'Checks[1]: expected a JSON object',
    );
    expect(bad(() => svc({ Name: 'web', Check: [] }))).toBe('Check: expected a JSON object');
    expect(bad(() => svc({ Name: 'web', checks: [{ ttl: '1s', status: 'up' }] }))).toMatch(
      /^Checks\[0\]\.Status: /,
    );
  });
});

describe('nodeSpec', () => {
  it('reads a catalog node; datacenter defaults to the agent', () => {
    expect(
      nodeSpec(
        body({
          Node: 'n1',
          ID: 'a5bd2f9c-0000-0000-0000-000000000000',
          Address: '10.0.0.9',
          TaggedAddresses: { lan: '10.0.0.9', wan: '1.2.3.4' },
          NodeMeta: { rack: 'r1' },
        }),
        'dc1',
      ),
    ).toEqual({
      name: 'n1',
      id: 'a5bd2f9c-0000-0000-0000-000000000000',
      address: '10.0.0.9',
      datacenter: 'dc1',
      taggedAddresses: { lan: '10.0.0.9', wan: '1.2.3.4' },
      meta: { rack: 'r1' },
    });
    expect(nodeSpec(body({ node: 'n1', address: 'h', datacenter: 'dc2' }), 'dc1').datacenter).toBe('dc2');
  });

  it.each<[unknown, RegExp]>([
    [{ Address: '10.0.0.1' }, /^Node: is required$/],
    [{ Node: 'bad node', Address: '10.0.0.1' }, /^Node: "bad node" is not valid/],
    [{ Node: 'n1' }, /^Address: is required$/],
    [{ Node: 'n1', Address: '' }, /^Address: is required$/],
    [{ Node: 'n1', Address: 'a', NodeMeta: { rack: 1 } }, /^NodeMeta\.rack: expected a string$/],
    [{ Node: 'n1', Address: 'a', TaggedAddresses: { lan: { Address: 'x' } } }, /^TaggedAddresses\.lan: /],
  ])('%j → 400 %s', (v, message) => {
    expect(bad(() => nodeSpec(body(v), 'dc1'))).toMatch(message);
  });
});

describe('specs: property', () => {
  // Bodies built from the fields the specs read, with values of every JSON type.
  const anyJson = fc.json().map((t) => JSON.parse(t) as unknown);
  const fieldValue = fc.oneof(
    anyJson,
    fc.constantFrom('web', 'web-1', '', '10s', '0', '99ms', '-1s', 'passing', 'warning', 'bad status'),
    fc.integer(),
    fc.constantFrom(0, 1, 65535, 65536, 10_000_000_000, -1, 1.5),
  );
  const checkBody = fc.dictionary(
    fc.constantFrom(
      'CheckID',
      'ID',
      'Name',
      'TTL',
      'Status',
      'Notes',
      'Output',
      'ServiceID',
      'HTTP',
      'Args',
      'ttl',
      'DeregisterCriticalServiceAfter',
    ),
    fieldValue,
  );
  const serviceBody = fc.record(
    {
      Name: fc.oneof(fc.constantFrom('web', 'db'), fieldValue),
      ID: fieldValue,
      Service: fieldValue,
      Port: fieldValue,
      Tags: fc.oneof(fc.array(fc.string()), fieldValue),
      Meta: fc.oneof(fc.dictionary(fc.string(), fc.string()), fieldValue),
      Weights: fc.oneof(
        fc.record({ Passing: fieldValue, Warning: fieldValue }, { requiredKeys: [] }),
        fieldValue,
      ),
      TaggedAddresses: fc.oneof(
        fc.dictionary(
          fc.string(),
          fc.oneof(fc.record({ Address: fieldValue, Port: fieldValue }), fieldValue),
        ),
        fieldValue,
      ),
      EnableTagOverride: fieldValue,
      Check: fc.oneof(checkBody, fieldValue),
      Checks: fc.oneof(fc.array(checkBody, { maxLength: 3 }), fieldValue),
    },
    { requiredKeys: [] },
  );
  const value = fc.oneof(anyJson, serviceBody, checkBody);

  const expectReturnsOr400 = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      expect(e).toBeInstanceOf(HttpError);
      expect((e as HttpError).status).toBe(400);
      expect((e as HttpError).message).not.toBe('');
      return undefined;
    }
  };

  it('serviceSpec, checkSpec, serviceChecks and nodeSpec return a spec or throw HttpError 400, never anything else', () => {
    fc.assert(
      fc.property(value, fc.constantFrom('', 'Service', 'Checks[0]'), fc.boolean(), (v, path, catalog) => {
        const svc = expectReturnsOr400(() => serviceSpec(new Fields(v, path)));
        if (svc !== undefined) {
          expect(svc.id).not.toBe('');
          expect(svc.port).toBeGreaterThanOrEqual(0);
          expect(svc.port).toBeLessThanOrEqual(65535);
          const checks = expectReturnsOr400(() => serviceChecks(new Fields(v, path), svc));
          for (const c of checks ?? []) expect(c.ttlMs).toBeGreaterThanOrEqual(100);
        }
        const check = expectReturnsOr400(() =>
          checkSpec(new Fields(v, path), { id: 'service:x', name: 'x', serviceId: 'x' }, catalog),
        );
        if (check !== undefined) {
          expect(check.id).not.toBe('');
          if (!catalog) expect(check.ttlMs).toBeGreaterThanOrEqual(100);
          expect([null, 'passing', 'warning', 'critical']).toContain(check.status);
          const d = check.deregisterCriticalAfterMs;
          expect(d === 0 || d >= 1000).toBe(true);
        }
        expectReturnsOr400(() => nodeSpec(new Fields(v, path), 'dc1'));
      }),
      { numRuns: 1000 },
    );
  });
});
