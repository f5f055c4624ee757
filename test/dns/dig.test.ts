import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentArgv } from '../../cluster/index.js';
import { http } from '../support/http.js';
import { distScript, freePorts, waitFor } from '../support/processes.js';
import { DnsAgent } from './agent.js';

/** Real `dig` (bind9-dnsutils, installed by scripts/ensure-test-deps.sh) against `cairn agent --dev`. */
describe('DNS with dig against a running agent', () => {
  let agent: DnsAgent;

  beforeAll(async () => {
    agent = await DnsAgent.start();
    // web: three nodes through the catalog (SRV targets <node>.node.dc1.cairn), tags v1/v2.
    for (let i = 1; i <= 3; i++) {
      await agent.put('/v1/catalog/register', {
        Node: `web-node-${i}`,
        Address: `10.20.0.${i}`,
        Service: { ID: `web-${i}`, Service: 'web', Port: 8000 + i, Tags: [i === 3 ? 'v2' : 'v1'] },
        Check: { CheckID: `web-check-${i}`, Name: 'alive', ServiceID: `web-${i}`, Status: 'passing' },
      });
    }
    // api: on this server's node with their own addresses (SRV targets <hex>.addr.dc1.cairn).
    for (let i = 1; i <= 3; i++) {
      await agent.put('/v1/agent/service/register', {
        Name: 'api',
        ID: `api-${i}`,
        Address: `10.30.0.${i}`,
        Port: 9000,
        Check: { TTL: '60s', Status: 'passing' },
      });
    }
    // many: more SRV records than fit 512 bytes.
    for (let i = 1; i <= 30; i++) {
      await agent.put('/v1/agent/service/register', {
        Name: 'many',
        ID: `many-${i}`,
        Address: `10.40.0.${i}`,
        Port: 7000 + i,
        Check: { TTL: '60s', Status: 'passing' },
      });
    }
  });

  afterAll(async () => {
    await agent?.stop();
  });

  it('A: the healthy instances addresses', async () => {
    const d = await agent.dig('web.service.cairn', 'A');
    expect(d.status).toBe('NOERROR');
    expect(d.flags).toContain('aa');
    expect(d.answer.map((r) => [r[0], r[3], r[4]]).sort()).toEqual([
      ['web.service.cairn.', 'A', '10.20.0.1'],
      ['web.service.cairn.', 'A', '10.20.0.2'],
      ['web.service.cairn.', 'A', '10.20.0.3'],
    ]);
  });

  it('SRV: port and target per instance, the targets A records in the additional section', async () => {
    const d = await agent.dig('web.service.cairn', 'SRV');
    expect(d.status).toBe('NOERROR');
    const srv = d.answer.map((r) => r.slice(3)).sort();
    expect(srv).toEqual([
      ['SRV', '1', '1', '8001', 'web-node-1.node.dc1.cairn.'],
      ['SRV', '1', '1', '8002', 'web-node-2.node.dc1.cairn.'],
      ['SRV', '1', '1', '8003', 'web-node-3.node.dc1.cairn.'],
    ]);
    expect(
      d.additional
        .filter((r) => r[3] === 'A')
        .map((r) => [r[0], r[4]])
        .sort(),
    ).toEqual([
      ['web-node-1.node.dc1.cairn.', '10.20.0.1'],
      ['web-node-2.node.dc1.cairn.', '10.20.0.2'],
      ['web-node-3.node.dc1.cairn.', '10.20.0.3'],
    ]);
    const api = await agent.dig('_api._tcp.service.cairn', 'SRV');
    expect(api.answer.map((r) => r[7]).sort()).toEqual([
      '0a1e0001.addr.dc1.cairn.',
      '0a1e0002.addr.dc1.cairn.',
      '0a1e0003.addr.dc1.cairn.',
    ]);
    // HAProxy-style resolvers may ask for a target directly.
    const target = await agent.dig('0a1e0002.addr.dc1.cairn', 'A');
    expect(target.answer.map((r) => r[4])).toEqual(['10.30.0.2']);
  });

  it('truncation: over UDP without EDNS the answer has TC set; dig retries over TCP and gets all 30', async () => {
    const udpOnly = await agent.dig('+noedns', '+ignore', 'many.service.cairn', 'SRV');
    expect(udpOnly.flags).toContain('tc');
    expect(udpOnly.answer.length).toBeGreaterThan(0);
    expect(udpOnly.answer.length).toBeLessThan(30);
    const retried = await agent.dig('+noedns', 'many.service.cairn', 'SRV');
    expect(retried.stdout).toContain('Truncated, retrying in TCP mode');
    expect(retried.flags).not.toContain('tc');
    expect(retried.answer).toHaveLength(30);
    expect(retried.additional.filter((r) => r[3] === 'A')).toHaveLength(30);
    // With a large EDNS0 buffer, UDP carries them all at once.
    const big = await agent.dig('+bufsize=8192', 'many.service.cairn', 'SRV');
    expect(big.stdout).not.toContain('Truncated');
    expect(big.answer).toHaveLength(30);
  });

  it('NXDOMAIN with the SOA for unknown names; REFUSED outside the domain; NODATA for a missing type', async () => {
    const nx = await agent.dig('nope.service.cairn', 'A');
    expect(nx.status).toBe('NXDOMAIN');
    expect(nx.authority.map((r) => [r[0], r[3]])).toEqual([['cairn.', 'SOA']]);
    expect((await agent.dig('example.com', 'A')).status).toBe('REFUSED');
    const nodata = await agent.dig('web.service.cairn', 'AAAA');
    expect([nodata.status, nodata.answer.length]).toEqual(['NOERROR', 0]);
  });

  it('tags, the RFC 2782 form, nodes, case and the consul. alias', async () => {
    const v1 = await agent.dig('v1.web.service.cairn', 'A');
    expect(v1.answer.map((r) => r[4]).sort()).toEqual(['10.20.0.1', '10.20.0.2']);
    const v2 = await agent.dig('_web._v2.service.cairn', 'SRV');
    expect(v2.answer.map((r) => r[7])).toEqual(['web-node-3.node.dc1.cairn.']);
    expect((await agent.dig('v9.web.service.cairn', 'A')).status).toBe('NXDOMAIN');
    const node = await agent.dig('WEB-NODE-2.node.cairn', 'A');
    expect(node.answer.map((r) => r[4])).toEqual(['10.20.0.2']);
    const consul = await agent.dig('web.service.consul', 'SRV');
    expect(consul.answer.map((r) => r[7]).sort()[0]).toBe('web-node-1.node.dc1.consul.');
  });

  it('PTR (dig -x): a node address names the node, an instance address its service, other addresses NXDOMAIN', async () => {
    const node = await agent.dig('-x', '10.20.0.2');
    expect(node.status).toBe('NOERROR');
    expect(node.flags).toContain('aa');
    expect(node.answer).toEqual([
      ['2.0.20.10.in-addr.arpa.', '0', 'IN', 'PTR', 'web-node-2.node.dc1.cairn.'],
    ]);
    const instance = await agent.dig('-x', '10.30.0.3');
    expect(instance.answer.map((r) => [r[3], r[4]])).toEqual([['PTR', 'api.service.dc1.cairn.']]);
    // The agent's own node, at 127.0.0.1.
    const self = await agent.dig('-x', '127.0.0.1');
    expect(self.answer.map((r) => r[4])).toEqual([expect.stringMatching(/\.node\.dc1\.cairn\.$/)]);
    const none = await agent.dig('-x', '127.0.0.5');
    expect(none.status).toBe('NXDOMAIN');
    expect(none.answer).toEqual([]);
    expect(none.authority.map((r) => [r[0], r[3], r[5]])).toEqual([
      ['in-addr.arpa.', 'SOA', 'hostmaster.cairn.'],
    ]);
    // Over TCP too, and IPv6 under ip6.arpa.
    await agent.put('/v1/agent/service/register', {
      Name: 'six',
      ID: 'six-1',
      Address: '2001:db8::66',
      Port: 80,
      Check: { TTL: '60s', Status: 'passing' },
    });
    const v6 = await agent.dig('+tcp', '-x', '2001:db8::66');
    expect(v6.answer.map((r) => [r[0], r[4]])).toEqual([
      [`6.6.${'0.'.repeat(22)}8.b.d.0.1.0.0.2.ip6.arpa.`, 'six.service.dc1.cairn.'],
    ]);
    const v6none = await agent.dig('-x', '2001:db8::67');
    expect([v6none.status, v6none.authority[0]?.[0]]).toEqual(['NXDOMAIN', 'ip6.arpa.']);
    // The name above an address exists (no records of its own); a name beside it does not.
    expect((await agent.dig('0.20.10.in-addr.arpa', 'PTR')).status).toBe('NOERROR');
    expect((await agent.dig('0.21.10.in-addr.arpa', 'PTR')).status).toBe('NXDOMAIN');
  });

  it('a critical instance leaves the answers as soon as its status change is acknowledged', async () => {
    const before = await agent.dig('api.service.cairn', 'A');
    expect(before.answer.map((r) => r[4])).toContain('10.30.0.2');
    // The write is answered once applied, and DNS answers from the applied state (its cache is
    // keyed by the applied index), so the very next query leaves it out, however slow the machine.
    await agent.put('/v1/agent/check/fail/service:api-2');
    const after = await agent.dig('api.service.cairn', 'A');
    expect(after.answer.map((r) => r[4]).sort()).toEqual(['10.30.0.1', '10.30.0.3']);
    // And back when it passes again.
    await agent.put('/v1/agent/check/pass/service:api-2');
    const back = await agent.dig('api.service.cairn', 'A');
    expect(back.answer.map((r) => r[4])).toContain('10.30.0.2');
  });

  it('reports queries by type and rcode, and latency, in /metrics', async () => {
    await agent.dig('web.service.cairn', 'SRV');
    await agent.dig('nope.service.cairn', 'A');
    const m = (await http('GET', `${agent.url}/metrics`)).text;
    expect(m).toMatch(/cairn_dns_queries_total\{transport="udp",type="SRV",rcode="NOERROR"\} [1-9]/);
    expect(m).toMatch(/cairn_dns_queries_total\{transport="udp",type="A",rcode="NXDOMAIN"\} [1-9]/);
    expect(m).toMatch(/cairn_dns_queries_total\{transport="tcp",type="SRV",rcode="NOERROR"\} [1-9]/);
    expect(m).toMatch(/cairn_dns_truncated_total\{transport="udp"\} [1-9]/);
    expect(m).toMatch(/cairn_dns_query_duration_seconds_count\{transport="udp"\} [1-9]/);
  });
});

describe('cairn agent DNS flags as a process', () => {
  it('a DNS port already in use exits 1 with one line naming it', async () => {
    const [httpPort, serverPort, dnsPort] = (await freePorts(3)) as [number, number, number];
    const blocker = createSocket('udp4');
    await new Promise<void>((resolve) => blocker.bind(dnsPort, '127.0.0.1', () => resolve()));
    try {
      const r = spawnSync(
        process.execPath,
        [
          distScript('src/cli/main.js'),
          'agent',
          ...agentArgv({ dev: true, httpPort, serverPort, dnsPort, logLevel: 'warn' }),
        ],
        { encoding: 'utf8', timeout: 30_000 },
      );
      expect(r.status).toBe(1);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^cairn: DNS on 127\\.0\\.0\\.1:${dnsPort}: .*EADDRINUSE`));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('--dns-udp-answer-limit below 512 exits 2 with one line naming the flag', () => {
    const r = spawnSync(
      process.execPath,
      [distScript('src/cli/main.js'), 'agent', '--dev', '--dns-udp-answer-limit', '511'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^cairn: --dns-udp-answer-limit: "511" is not a size in bytes from 512 to 65535/,
    );
  });

  it('--dns-udp-answer-limit and --dns-rate-limit act on a running agent and show in /metrics', async () => {
    const a = await DnsAgent.start(['--dns-udp-answer-limit', '600', '--dns-rate-limit', '1']);
    try {
      for (let i = 1; i <= 20; i++) {
        await a.put('/v1/agent/service/register', {
          Name: 'amp',
          ID: `amp-${i}`,
          Address: `10.60.0.${i}`,
          Port: 80,
          Check: { TTL: '60s', Status: 'passing' },
        });
      }
      // Over TCP: the rate limit does not touch this UDP test, and all 20 come back.
      const full = await a.dig('+tcp', 'amp.service.cairn', 'SRV');
      expect(full.answer).toHaveLength(20);
      const d = await a.dig('+bufsize=4096', '+ignore', 'amp.service.cairn', 'SRV');
      expect(d.flags).toContain('tc');
      expect(Number(/MSG SIZE\s+rcvd: (\d+)/.exec(d.stdout)?.[1])).toBeLessThanOrEqual(600);
      // 1 query/s per source: of 50 sent at once, nearly all are dropped.
      const sock = createSocket('udp4');
      await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
      const q = dnsPacket.encode({
        type: 'query',
        id: 1,
        questions: [{ type: 'A', name: 'amp.service.cairn' }],
      });
      await Promise.all(
        Array.from(
          { length: 50 },
          () => new Promise<void>((resolve) => sock.send(q, a.dnsPort, '127.0.0.1', () => resolve())),
        ),
      );
      await new Promise<void>((resolve) => sock.close(() => resolve()));
      const m = await waitFor('the dropped queries in /metrics', async () => {
        const text = (await http('GET', `${a.url}/metrics`)).text;
        return /cairn_dns_limited_total\{transport="udp",reason="rate"\} [1-9]/.test(text) ? text : undefined;
      });
      expect(m).toMatch(/cairn_dns_limited_total\{transport="udp",reason="udp_answer_limit"\} 1\b/);
      expect(m).toMatch(/cairn_dns_truncated_total\{transport="udp"\} [1-9]/);
    } finally {
      await a.stop();
    }
  });

  it('--domain, --dns-service-ttl, --dns-answer-limit and --dns-only-passing shape the answers', async () => {
    const a = await DnsAgent.start([
      '--domain',
      'SD.Example.',
      '--dns-ttl',
      '5',
      '--dns-service-ttl',
      '30s',
      '--dns-answer-limit',
      '2',
      '--dns-only-passing',
    ]);
    try {
      for (let i = 1; i <= 4; i++) {
        await a.put('/v1/agent/service/register', {
          Name: 'pay',
          ID: `pay-${i}`,
          Address: `10.50.0.${i}`,
          Port: 80,
          Check: { TTL: '60s', Status: i === 4 ? 'warning' : 'passing' },
        });
      }
      const d = await a.dig('pay.service.sd.example', 'A');
      expect(d.answer).toHaveLength(2);
      expect(d.answer.every((r) => r[1] === '30')).toBe(true);
      const all = new Set<string>();
      for (let i = 0; i < 20; i++)
        for (const r of (await a.dig('pay.service.sd.example', 'A')).answer) all.add(r[4]!);
      // Warning pay-4 is never answered with --dns-only-passing.
      expect([...all].sort()).toEqual(['10.50.0.1', '10.50.0.2', '10.50.0.3']);
      expect((await a.dig('pay.service.cairn', 'A')).status).toBe('REFUSED');
      expect((await a.dig('pay.service.consul', 'A')).answer).toHaveLength(2);
      // Reverse answers name the configured domain.
      const ptr = await a.dig('-x', '10.50.0.3');
      expect(ptr.answer.map((r) => [r[1], r[4]])).toEqual([['30', 'pay.service.dc1.sd.example.']]);
      const soa = await a.dig('sd.example', 'SOA');
      expect(soa.answer.map((r) => [r[0], r[1], r[3]])).toEqual([['sd.example.', '5', 'SOA']]);
    } finally {
      await a.stop();
    }
  });
});
