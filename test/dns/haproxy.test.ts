import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../support/http.js';
import { freePorts, repoRoot, waitFor } from '../support/processes.js';
import { DnsAgent } from './agent.js';
import {
  HaproxyProcess,
  haproxyBinary,
  haproxyBlock,
  localConfig,
  type ServerStat,
  serverStats,
  statsCommand,
} from './haproxy.js';

const DOC = readFileSync(join(repoRoot, 'docs', 'dns.md'), 'utf8');

describe('the HAProxy example of docs/dns.md, made local', () => {
  const ports = { dnsPort: 18600, bindPort: 18080, statsSocket: '/tmp/x/admin.sock' };

  it('keeps the documented lines and moves only the ports, the bind address and the stats socket', () => {
    const documented = haproxyBlock(DOC);
    expect(documented).toMatch(
      /server-template web \d+ _web\._tcp\.service\.cairn .*resolve-opts allow-dup-ip/,
    );
    const cfg = localConfig(documented, ports);
    expect(cfg).toContain('nameserver cairn1 127.0.0.1:18600');
    expect(cfg).toMatch(/^\s*bind 127\.0\.0\.1:18080$/m);
    expect(cfg).not.toMatch(/:8600|:8080/);
    expect(cfg.startsWith('global\n  stats socket /tmp/x/admin.sock level admin\n')).toBe(true);
    // Every other line is the documented one.
    const rest = cfg.split('\n').filter((l) => !/8600|18080|stats socket|^global$/.test(l));
    for (const line of rest) expect(documented.split('\n')).toContain(line);
  });

  it('refuses a configuration without the lines it rewrites', () => {
    expect(() => localConfig('frontend x\n  bind :80\n', ports)).toThrow(/127\\\.0\\\.0\\\.1:8600/);
    expect(() => localConfig('  nameserver a 127.0.0.1:8600\n', ports)).toThrow(/bind/);
    expect(() => haproxyBlock('no blocks here')).toThrow(/found 0/);
  });

  it('reads the servers of a backend from show stat', () => {
    const csv = [
      '# pxname,svname,qcur,stot,status,addr',
      'fe,FRONTEND,0,3,OPEN,',
      'web,web1,0,2,UP,127.0.0.1:19001',
      'web,web2,0,0,MAINT (resolution),',
      'web,BACKEND,0,2,UP,',
      'other,o1,0,9,UP,127.0.0.1:1',
    ].join('\n');
    expect(serverStats(csv, 'web')).toEqual([
      { name: 'web1', status: 'UP', addr: '127.0.0.1:19001', sessions: 2 },
      { name: 'web2', status: 'MAINT (resolution)', addr: '', sessions: 0 },
    ]);
    expect(() => serverStats('# pxname,svname\n', 'web')).toThrow(/no column status/);
  });
});

/**
 * Debian's HAProxy with the configuration of docs/dns.md (ports moved) against a dev agent whose
 * `web` has 5 instances on 127.0.0.1, each a real HTTP server that answers its own port: through
 * the SRV records, all 5 servers of the template must come UP and each must get requests.
 */
describe('HAProxy with the documented configuration against a dev agent', () => {
  const INSTANCES = 5;
  let agent: DnsAgent;
  let dir: string;
  let haproxy: HaproxyProcess | undefined;
  let bindPort: number;
  let socket: string;
  const backends: Server[] = [];
  const backendPorts: number[] = [];

  beforeAll(async () => {
    const binary = haproxyBinary();
    dir = mkdtempSync(join(tmpdir(), 'cairn-haproxy-test-'));
    agent = await DnsAgent.start();
    for (let i = 1; i <= INSTANCES; i++) {
      const server = createServer((_req, res) => res.end(String((server.address() as AddressInfo).port)));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      backends.push(server);
      const port = (server.address() as AddressInfo).port;
      backendPorts.push(port);
      await agent.put('/v1/agent/service/register', {
        Name: 'web',
        ID: `web-${i}`,
        Address: '127.0.0.1',
        Port: port,
        Check: { TTL: '60s', Status: 'passing' },
      });
    }
    [bindPort] = (await freePorts(1)) as [number];
    socket = join(dir, 'admin.sock');
    const cfgFile = join(dir, 'haproxy.cfg');
    writeFileSync(
      cfgFile,
      localConfig(haproxyBlock(DOC), { dnsPort: agent.dnsPort, bindPort, statsSocket: socket }),
    );
    const check = spawnSync(binary, ['-c', '-f', cfgFile], { encoding: 'utf8', timeout: 30_000 });
    if (check.status !== 0) throw new Error(`haproxy -c: ${check.stdout}${check.stderr}`);
    haproxy = new HaproxyProcess(binary, cfgFile);
  });

  afterAll(async () => {
    await haproxy?.stop();
    await agent?.stop();
    await Promise.all(backends.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const stats = async (): Promise<ServerStat[]> =>
    serverStats(await statsCommand(socket, 'show stat'), 'web');

  /** The servers once all INSTANCES are UP; fails after 30 s, saying what HAProxy had. */
  const whenAllUp = (): Promise<ServerStat[]> =>
    waitFor(
      'HAProxy to bring up 5 servers',
      async () => {
        if (!haproxy?.alive) throw new Error(`haproxy exited: ${haproxy?.output}`);
        const s = await stats();
        if (s.filter((x) => x.status === 'UP').length === INSTANCES) return s;
        // Thrown, so that a timeout says what HAProxy had.
        throw new Error(s.map((x) => `${x.name} ${x.status} ${x.addr}`).join('; '));
      },
      30_000,
      200,
    );

  it('fills 5 servers from the SRV records, all UP at the 5 instances (allow-dup-ip), the other slots empty', async () => {
    const servers = await whenAllUp();
    const up = servers.filter((s) => s.status === 'UP');
    expect(up.map((s) => s.addr).sort()).toEqual(backendPorts.map((p) => `127.0.0.1:${p}`).sort());
    const empty = servers.filter((s) => s.status !== 'UP');
    expect(empty.length).toBeGreaterThan(0);
    expect(new Set(empty.map((s) => s.status))).toEqual(new Set(['MAINT (resolution)']));
  });

  it('every instance gets requests through HAProxy (round robin)', async () => {
    await whenAllUp();
    const seen = new Map<string, number>();
    for (let i = 0; i < 10 * INSTANCES; i++) {
      const r = await http('GET', `http://127.0.0.1:${bindPort}/`);
      expect(r.status).toBe(200);
      seen.set(r.text, (seen.get(r.text) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(backendPorts.map(String).sort());
    for (const [port, n] of seen) expect(n, `requests to ${port}`).toBeGreaterThanOrEqual(5);
    // HAProxy counted them too, per server.
    const counted = (await stats()).filter((s) => s.status === 'UP');
    for (const s of counted) expect(s.sessions, s.name).toBeGreaterThanOrEqual(5);
  });
});
