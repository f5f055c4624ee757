import { createServer } from 'node:http';
import Consul from 'consul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../cluster/index.js';
import { DevAgent } from '../support/agent.js';
import { http } from '../support/http.js';

interface HealthResult {
  Node: { Node: string };
  Service: { ID: string; Service: string; Port: number; Tags: string[] };
  Checks: { CheckID: string; Status: string }[];
}

/** The npm `consul` client, unchanged, against a cairn dev agent. */
describe('the npm consul client against cairn', () => {
  let agent: DevAgent;
  let consul: Consul;

  beforeAll(async () => {
    agent = await DevAgent.start();
    consul = new Consul({ host: '127.0.0.1', port: agent.httpPort });
  });

  afterAll(async () => {
    consul?.destroy();
    await agent?.stop();
  });

  it('status: leader and peers', async () => {
    expect(await consul.status.leader()).toBe(`127.0.0.1:${agent.serverPort}`);
    expect(await consul.status.peers()).toEqual([`127.0.0.1:${agent.serverPort}`]);
  });

  it('agent: register with a TTL check, pass it, list, deregister', async () => {
    await consul.agent.service.register({
      name: 'billing',
      id: 'billing-1',
      address: '10.1.0.1',
      port: 9000,
      tags: ['v2', 'eu'],
      meta: { env: 'prod' },
      check: { name: 'alive', ttl: '30s', timeout: '1s' },
    });
    const services = (await consul.agent.service.list()) as Record<string, { Service: string; Port: number }>;
    expect(services['billing-1']?.Service).toBe('billing');
    expect(services['billing-1']?.Port).toBe(9000);

    let healthy = (await consul.health.service({ service: 'billing', passing: true })) as HealthResult[];
    expect(healthy).toEqual([]);
    await consul.agent.check.pass({ id: 'service:billing-1', note: 'ok' });
    healthy = (await consul.health.service({ service: 'billing', passing: true })) as HealthResult[];
    expect(healthy.map((h) => h.Service.ID)).toEqual(['billing-1']);
    expect(healthy[0]?.Checks.map((c) => c.Status)).toEqual(['passing']);

    const checks = (await consul.agent.check.list()) as Record<string, { Status: string; ServiceID: string }>;
    expect(checks['service:billing-1']?.ServiceID).toBe('billing-1');

    await consul.agent.check.fail({ id: 'service:billing-1' });
    const critical = (await consul.health.state('critical')) as { CheckID: string }[];
    expect(critical.map((c) => c.CheckID)).toContain('service:billing-1');

    await consul.agent.service.deregister('billing-1');
    expect(await consul.health.service('billing')).toEqual([]);
  });

  it('catalog: register a node and service, list, read a node, deregister', async () => {
    await consul.catalog.register({
      node: 'ext-db',
      address: '10.2.0.9',
      service: { service: 'postgres', id: 'pg-1', port: 5432, tags: ['primary'] },
    });
    const list = (await consul.catalog.service.list()) as Record<string, string[]>;
    expect(list.postgres).toEqual(['primary']);
    const nodes = (await consul.catalog.service.nodes('postgres')) as {
      Node: string;
      ServicePort: number;
      Address: string;
    }[];
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({ Node: 'ext-db', ServicePort: 5432, Address: '10.2.0.9' });
    const node = (await consul.catalog.node.services('ext-db')) as {
      Node: { Address: string };
      Services: Record<string, unknown>;
    };
    expect(node.Node.Address).toBe('10.2.0.9');
    expect(Object.keys(node.Services)).toEqual(['pg-1']);
    const allNodes = (await consul.catalog.node.list()) as { Node: string }[];
    expect(allNodes.map((n) => n.Node)).toContain('ext-db');
    expect(await consul.catalog.datacenters()).toEqual(['dc1']);
    await consul.catalog.deregister({ node: 'ext-db' });
    expect(await consul.catalog.service.nodes('postgres')).toEqual([]);
    expect(await consul.catalog.node.services('ext-db')).toBeFalsy();
    // On the wire it is the JSON literal null, with the query headers, as Consul sends it.
    const raw = await http('GET', `${agent.url}/v1/catalog/node/ext-db`);
    expect(raw.status).toBe(200);
    expect(raw.text).toBe('null');
    expect(Number(raw.headers.get('x-consul-index'))).toBeGreaterThan(1);
  });

  it('agent: self and members', async () => {
    const self = (await consul.agent.self()) as { Config: { Datacenter: string; NodeName: string } };
    expect(self.Config).toMatchObject({ Datacenter: 'dc1', NodeName: 'dev' });
    const members = (await consul.agent.members()) as { Name: string; Status: number }[];
    expect(members).toEqual([expect.objectContaining({ Name: 'dev', Status: 1 })]);
  });

  it('a blocking watch on health.service sees a new instance, in order, without polling', async () => {
    const watch = consul.watch({
      method: consul.health.service,
      options: { service: 'search', wait: '20s' },
      backoffFactor: 50,
    });
    const seen: string[][] = [];
    const changes = new Promise<void>((resolve, reject) => {
      watch.on('change', (data: HealthResult[]) => {
        seen.push(data.map((d) => d.Service.ID).sort());
        if (seen.length === 3) resolve();
      });
      watch.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 300));
    await consul.agent.service.register({
      name: 'search',
      id: 'search-1',
      port: 1,
      check: { name: 'alive', ttl: '30s', timeout: '1s' },
    });
    await new Promise((r) => setTimeout(r, 300));
    await consul.agent.service.register({
      name: 'search',
      id: 'search-2',
      port: 2,
      check: { name: 'alive', ttl: '30s', timeout: '1s' },
    });
    await changes;
    watch.end();
    expect(seen).toEqual([[], ['search-1'], ['search-1', 'search-2']]);
  });

  // KV, txn, session and blocking-query behaviour is tested in process (test/http); this keeps the npm
  // client's own view of those calls: what it returns for each answer cairn gives.
  it('kv, txn and session calls return what the client expects', async () => {
    interface Pair {
      Key: string;
      Value: string | null;
      Flags: number;
      ModifyIndex: number;
      LockIndex: number;
      Session?: string;
    }
    expect(await consul.kv.set('client/db/url', 'postgres://a')).toBe(true);
    expect(await consul.kv.set({ key: 'client/db/pool', value: '10', flags: 42 })).toBe(true);
    const one = (await consul.kv.get('client/db/url')) as Pair;
    expect(one.Value).toBe('postgres://a');
    expect(((await consul.kv.get('client/db/pool')) as Pair).Flags).toBe(42);
    expect(await consul.kv.keys({ key: 'client/', separator: '/' })).toEqual(['client/db/']);
    const all = (await consul.kv.get({ key: 'client/', recurse: true })) as Pair[];
    expect(all.map((p) => p.Key)).toEqual(['client/db/pool', 'client/db/url']);
    expect(await consul.kv.get('client/missing')).toBeUndefined();
    expect(
      await consul.kv.set({ key: 'client/db/url', value: 'x', cas: one.ModifyIndex + 1000 }),
    ).toBeFalsy();
    expect(await consul.kv.set({ key: 'client/db/url', value: 'b', cas: one.ModifyIndex })).toBe(true);

    // The npm client answers a JSON `false` body with undefined (it does against Consul too).
    const txn = (await consul.transaction.create([
      { KV: { Verb: 'set', Key: 'client/txn', Value: Buffer.from('1').toString('base64') } },
      { KV: { Verb: 'get', Key: 'client/txn' } },
    ] as never)) as { Results: { KV: Pair }[] };
    expect(txn.Results).toHaveLength(2);
    expect(Buffer.from(txn.Results[1]?.KV.Value ?? '', 'base64').toString()).toBe('1');

    const { ID: s1 } = (await consul.session.create({ name: 'worker-1', ttl: '30s', lockdelay: '0s' })) as {
      ID: string;
    };
    expect(await consul.kv.set({ key: 'client/lock', value: 'w1', acquire: s1 })).toBe(true);
    const held = (await consul.kv.get('client/lock')) as Pair;
    expect([held.Session, held.LockIndex]).toEqual([s1, 1]);
    expect(await consul.kv.set({ key: 'client/lock', value: 'w1', release: s1 })).toBe(true);
    const info = (await consul.session.info(s1)) as { ID: string; TTL: string; Behavior: string };
    expect(info).toMatchObject({ ID: s1, TTL: '30s', Behavior: 'release' });
    expect(((await consul.session.renew(s1)) as { ID: string }[])[0]?.ID).toBe(s1);
    expect(((await consul.session.list()) as { ID: string }[]).map((x) => x.ID)).toContain(s1);
    await consul.session.destroy(s1);
    expect(await consul.session.info(s1)).toBeUndefined();

    await consul.kv.del({ key: 'client/', recurse: true });
    expect(await consul.kv.get({ key: 'client/', recurse: true })).toBeUndefined();
  });

  it('registers a service with an HTTP check, as Spring Cloud and others do', async () => {
    let hits = 0;
    const web = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('UP');
    });
    const webPort = await new Promise<number>((resolve) =>
      web.listen(0, '127.0.0.1', () => resolve((web.address() as { port: number }).port)),
    );
    try {
      await consul.agent.service.register({
        name: 'spring-app',
        id: 'spring-app-1',
        port: webPort,
        check: {
          name: 'actuator',
          http: `http://127.0.0.1:${webPort}/actuator/health`,
          interval: '1s',
          timeout: '1s',
        },
      });
      await waitUntil(
        'the actuator check to pass',
        async () => {
          const checks = (await consul.agent.check.list()) as Record<string, { Status: string }>;
          return checks['service:spring-app-1']?.Status === 'passing' ? true : undefined;
        },
        10_000,
      );
      expect(hits).toBeGreaterThan(0);
    } finally {
      web.close();
    }
  });
});
