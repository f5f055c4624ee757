/**
 * The client against three real servers (RegistryCluster, bootstrap-expect 3) and small HTTP
 * services started here: registration through a leader crash, re-registration, deregistration
 * on exit signals, config watches across server restarts and cuts, the long-poll fallback, and
 * calls that keep succeeding while instances die, balanced by latency and by key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, RegistryCluster, waitUntil } from '../../cluster/index.js';
import {
  type CairnClient,
  type ClientOptions,
  createClient,
  type Endpoint,
  hostPort,
  parsers,
  type Registration,
} from '../../src/client/index.js';
import { http } from '../support/http.js';
import { Child, distScript } from '../support/processes.js';
import { TcpProxy } from './support.js';

interface CheckJson {
  readonly CheckID: string;
  readonly Status: string;
  readonly ModifyIndex: number;
}

/** An HTTP service in this process: answers its id, after `delayMs`. */
class LocalService {
  delayMs = 0;
  private constructor(
    readonly id: string,
    readonly server: Server,
  ) {}

  static async start(id: string): Promise<LocalService> {
    let self: LocalService | null = null;
    const server = createServer((_req, res) => {
      setTimeout(() => res.end(id), self?.delayMs ?? 0);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new LocalService(id, server);
    return self;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** GET an instance's body; a failure (refused, reset, non-2xx) throws. */
async function get(ep: Endpoint, signal: AbortSignal): Promise<string> {
  const res = await fetch(`http://${hostPort(ep)}/`, { signal });
  const text = await res.text();
  if (!res.ok) throw new Error(`${ep.id}: ${res.status}`);
  return text;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits that only turn a hang into a failure naming it: no test here times how fast anything is. */
const HANG_GUARD_MS = 60_000;

describe('client SDK on a three-server cluster', () => {
  let dir: string;
  let cluster: RegistryCluster;
  const clients: CairnClient[] = [];
  const children: Child[] = [];
  const services: LocalService[] = [];
  const proxies: TcpProxy[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-client-'));
    cluster = await RegistryCluster.create({ size: 3, baseDir: dir, logLevel: 'warn' });
    cluster.start();
    await cluster.waitForLeader(30_000);
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(children.map((c) => c.kill('SIGKILL')));
    await Promise.allSettled(services.map((s) => s.stop()));
    await Promise.allSettled(proxies.map((p) => p.cut()));
    await cluster?.stop('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const running = () => cluster.servers.filter((s) => s.running);
  const client = (opts: Partial<ClientOptions> = {}) => {
    const c = createClient({ servers: cluster.servers.map((s) => s.url), timeoutMs: 2000, ...opts });
    clients.push(c);
    return c;
  };
  const byUrl = (url: string | null): AgentProcess => {
    const s = cluster.servers.find((x) => x.url === url);
    if (!s) throw new Error(`no server at ${url}`);
    return s;
  };
  async function checks(service: string, server: AgentProcess): Promise<CheckJson[]> {
    return (
      await http<CheckJson[]>('GET', `${server.url}/v1/health/checks/${service}?stale`, undefined, 2000)
    ).json;
  }
  async function passing(service: string): Promise<string[]> {
    const r = await http<{ Service: { ID: string } }[]>(
      'GET',
      `${running()[0]?.url}/v1/health/service/${service}?passing`,
    );
    return r.json.map((e) => e.Service.ID).sort();
  }
  async function restart(s: AgentProcess): Promise<void> {
    s.start();
    await waitUntil(
      `${s.name} to serve again`,
      async () => ((await s.leader()) !== '' ? true : undefined),
      30_000,
    );
    await cluster.waitForLeader(30_000);
  }
  function spawnInstance(args: Record<string, unknown>): Child {
    const c = new Child(distScript('test/client/fixtures/instance.js'), [JSON.stringify(args)]);
    children.push(c);
    return c;
  }
  // A node process loading the SDK on a loaded machine can take a while: the wait is only a hang guard.
  const ready = (c: Child) =>
    waitUntil(
      'the instance to register',
      async () => (c.output.includes('READY') ? true : undefined),
      HANG_GUARD_MS,
    );

  describe('register', () => {
    let reg: Registration;

    it('keeps an instance passing through a leader crash, with no status change at all', async () => {
      const c = client();
      reg = await c.register({
        name: 'survivor',
        id: 'survivor-1',
        address: '127.0.0.1',
        port: 9,
        ttl: '2s',
        load: () => 0.25,
        deregisterOnExit: false,
      });
      expect(await passing('survivor')).toEqual(['survivor-1']);
      const leader = await cluster.waitForLeader();
      const [before] = await checks('survivor', leader);
      expect(before?.Status).toBe('passing');

      await leader.stop('SIGKILL');
      const statuses = new Set<string>();
      const until = Date.now() + 6000;
      while (Date.now() < until) {
        for (const s of running()) {
          for (const ch of await checks('survivor', s).catch(() => [])) statuses.add(ch.Status);
        }
        await sleep(150);
      }
      const next = await cluster.waitForLeader(30_000, leader.name);
      expect([...statuses]).toEqual(['passing']);
      // The check's record never changed: it did not go critical even for a moment, nor was it registered again.
      const [after] = await checks('survivor', next);
      expect(after).toMatchObject({ Status: 'passing', ModifyIndex: before?.ModifyIndex });
      expect(reg.stats.reregistrations).toBe(0);
      expect(reg.stats.heartbeats).toBeGreaterThan(5);
      await restart(leader);
    });

    it('registers again when the server has forgotten the instance', async () => {
      const r = await http('PUT', `${running()[0]?.url}/v1/agent/service/deregister/survivor-1`);
      expect(r.status).toBe(200);
      await waitUntil('the instance to be back', async () =>
        reg.stats.reregistrations >= 1 && (await passing('survivor')).length === 1 ? true : undefined,
      );
    });

    it('deregisters on close()', async () => {
      await reg.close();
      expect(await passing('survivor')).toEqual([]);
      expect((await http('GET', `${running()[0]?.url}/v1/agent/service/survivor-1`)).status).toBe(404);
    });

    it('deregisters on SIGTERM and SIGINT, then the process exits by that signal', async () => {
      const servers = cluster.servers.map((s) => s.url);
      const term = spawnInstance({ servers, name: 'sig', id: 'sig-term', ttl: '30s' });
      const int = spawnInstance({ servers, name: 'sig', id: 'sig-int', ttl: '30s' });
      await Promise.all([ready(term), ready(int)]);
      expect(await passing('sig')).toEqual(['sig-int', 'sig-term']);
      await Promise.all([term.kill('SIGTERM'), int.kill('SIGINT')]);
      expect(term.proc.signalCode).toBe('SIGTERM');
      expect(int.proc.signalCode).toBe('SIGINT');
      expect(await passing('sig')).toEqual([]);
    });
  });

  describe('config', () => {
    it('gets, sets and lists keys, parsed on request', async () => {
      const c = client();
      expect(await c.config.get('cfg/missing')).toBeUndefined();
      expect(await c.config.set('cfg/n', '41')).toBe(true);
      expect(await c.config.get('cfg/n', parsers.number())).toBe(41);
      const e = await c.config.entry('cfg/n');
      expect(await c.config.set('cfg/n', '42', { cas: (e?.modifyIndex ?? 0) + 1000 })).toBe(false);
      expect(await c.config.set('cfg/n', '42', { cas: e?.modifyIndex ?? 0 })).toBe(true);
      expect((await c.config.list('cfg/')).map((x) => [x.key, x.value])).toEqual([['cfg/n', '42']]);
      await c.config.delete('cfg/n');
      expect(await c.config.get('cfg/n')).toBeUndefined();
    });

    // How fast a change reaches a watcher is measured by `npm run bench:watch` (p99), not here.
    it('delivers every change to watchers, in order, and across server restarts', async () => {
      const writer = client();
      const watcher = client();
      const seen: { v: number }[] = [];
      const w = watcher.config.watch<{ v: number }>(
        'cfg/',
        (u) => {
          const v = u.values.get('cfg/a');
          if (u.changed.includes('cfg/a') && v) seen.push({ v: v.v });
        },
        { parse: parsers.json((x) => x as { v: number }) },
      );
      await w.ready;
      expect(w.mode).toBe('websocket');
      const waitFor = (v: number) =>
        waitUntil(`the watcher to see ${v}`, async () => seen.find((s) => s.v === v), 20_000);

      for (let v = 1; v <= 5; v++) {
        await writer.config.set('cfg/a', JSON.stringify({ v }));
        await waitFor(v);
      }

      let v = 5;
      for (let round = 0; round < 2; round++) {
        const victim = byUrl(watcher.status().watch.connectedTo);
        await victim.stop('SIGKILL');
        await writer.config.set('cfg/a', JSON.stringify({ v: ++v }));
        await waitFor(v);
        expect(watcher.status().watch.connectedTo).not.toBe(victim.url);
        await restart(victim);
        await writer.config.set('cfg/a', JSON.stringify({ v: ++v }));
        await waitFor(v);
      }
      const values = seen.map((s) => s.v);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(new Set(values).size).toBe(values.length);
      expect(w.values.get('cfg/a')).toEqual({ v });
    });

    it('resumes by index after a reconnect: every change made while cut off, in order', async () => {
      const target = running()[0] as AgentProcess;
      const proxy = await TcpProxy.start(target.httpPort);
      proxies.push(proxy);
      const writer = client();
      const watcher = client({ servers: [proxy.url], watch: { fallbackAfterFailures: 1000 } });
      const seen: string[] = [];
      const w = watcher.config.watch('cfg/b', (u) => {
        if (u.value !== undefined) seen.push(u.value);
      });
      await w.ready;
      await proxy.cut();
      for (const x of ['1', '2', '3']) await writer.config.set('cfg/b', x);
      await proxy.restore();
      await waitUntil(
        'the watcher to catch up',
        async () => (seen.at(-1) === '3' ? true : undefined),
        20_000,
      );
      // One event per write: replayed from the server's journal, not a reset to the latest value.
      expect(seen).toEqual(['1', '2', '3']);
    });

    it('falls back to long polls when the server will not upgrade to a WebSocket', async () => {
      const proxy = await TcpProxy.start((running()[0] as AgentProcess).httpPort, true);
      proxies.push(proxy);
      const watcher = client({ servers: [proxy.url], watch: { longPollWaitMs: 3000 } });
      const seen: (string | undefined)[] = [];
      const w = watcher.config.watch('fb/x', (u) => seen.push(u.value));
      await w.ready;
      expect(w.mode).toBe('long-poll');
      expect(watcher.status().watch.state).toBe('long-poll');
      await client().config.set('fb/x', 'hello');
      await waitUntil('the long poll to deliver', async () => (seen.includes('hello') ? true : undefined));
      expect(seen).toEqual([undefined, 'hello']);
    });
  });

  describe('resolve and call', () => {
    it('keeps calls succeeding while instances are killed one by one until one remains', async () => {
      const servers = cluster.servers.map((s) => s.url);
      const ids = ['k1', 'k2', 'k3', 'k4'];
      // A killed instance leaves the list when its TTL runs out. 3 s (heartbeats every second or
      // less): with 1 s, a survivor whose heartbeats are held up a second on a loaded machine goes
      // critical, and the calls and the final list fail on a timing rather than on the client.
      const procs = ids.map((id) => spawnInstance({ servers, name: 'kill-svc', id, ttl: '3s' }));
      await Promise.all(procs.map(ready));
      const r = client().resolve('kill-svc');
      await waitUntil('four instances', async () => (r.endpoints().length === 4 ? true : undefined));

      let running = true;
      let ok = 0;
      const failures: unknown[] = [];
      const answered = new Set<string>();
      const loop = (async () => {
        while (running) {
          try {
            answered.add(await r.call((ep, ctx) => get(ep, ctx.signal), { attemptTimeoutMs: 2000 }));
            ok++;
          } catch (e) {
            failures.push(e);
          }
        }
      })();
      for (const [i, id] of ids.slice(0, 3).entries()) {
        const okBefore = ok;
        await procs[i]?.kill('SIGKILL');
        await waitUntil(
          `${id} to leave the list`,
          async () => (r.endpoints().every((e) => e.serviceId !== id) ? true : undefined),
          HANG_GUARD_MS,
        );
        await waitUntil('calls to go on', async () => (ok > okBefore + 20 ? true : undefined), HANG_GUARD_MS);
      }
      answered.clear();
      const okBefore = ok;
      await waitUntil('more calls', async () => (ok > okBefore + 50 ? true : undefined), HANG_GUARD_MS);
      running = false;
      await loop;
      expect(failures).toEqual([]);
      expect([...answered]).toEqual(['k4']);
      expect(r.endpoints().map((e) => e.serviceId)).toEqual(['k4']);
    }, 240_000);

    async function localFleet(
      name: string,
      n: number,
    ): Promise<{ svc: LocalService[]; regs: Registration[] }> {
      const c = client();
      const svc = await Promise.all(Array.from({ length: n }, (_, i) => LocalService.start(`${name}-${i}`)));
      services.push(...svc);
      const regs = await Promise.all(
        svc.map((s) =>
          c.register({
            name,
            id: s.id,
            address: '127.0.0.1',
            port: s.port,
            ttl: '10s',
            deregisterOnExit: false,
          }),
        ),
      );
      return { svc, regs };
    }

    it('least latency sends fewer calls to an instance that is made slow', async () => {
      const { svc } = await localFleet('lat-svc', 3);
      const r = client().resolve('lat-svc', { strategy: 'least_latency', latencyHalfLifeMs: 1000 });
      await waitUntil('three instances', async () => (r.endpoints().length === 3 ? true : undefined));
      const count = async (n: number) => {
        const hits: Record<string, number> = {};
        for (let i = 0; i < n; i++) {
          const id = await r.call((ep, ctx) => get(ep, ctx.signal));
          hits[id] = (hits[id] ?? 0) + 1;
        }
        return hits;
      };
      const warm = await count(60);
      expect(Object.keys(warm).sort()).toEqual(['lat-svc-0', 'lat-svc-1', 'lat-svc-2']);
      (svc[2] as LocalService).delayMs = 40;
      const hits = await count(300);
      const slow = hits['lat-svc-2'] ?? 0;
      expect(slow).toBeLessThan(Math.min(hits['lat-svc-0'] ?? 0, hits['lat-svc-1'] ?? 0));
      expect(slow).toBeLessThan(100);
    });

    it('consistent hash keeps each key on its instance while that instance is healthy', async () => {
      const { regs } = await localFleet('hash-svc', 3);
      const r = client().resolve('hash-svc', { strategy: 'hash' });
      await waitUntil('three instances', async () => (r.endpoints().length === 3 ? true : undefined));
      const keys = Array.from({ length: 60 }, (_, i) => `user-${i}`);
      const route = async () => {
        const out = new Map<string, string>();
        for (const key of keys) out.set(key, await r.call((ep, ctx) => get(ep, ctx.signal), { key }));
        return out;
      };
      const first = await route();
      expect(new Set(first.values()).size).toBe(3);
      expect(await route()).toEqual(first);
      await (regs[0] as Registration).close();
      await waitUntil('two instances', async () => (r.endpoints().length === 2 ? true : undefined));
      const after = await route();
      for (const key of keys) {
        if (first.get(key) === 'hash-svc-0') expect(after.get(key)).not.toBe('hash-svc-0');
        else expect(after.get(key), key).toBe(first.get(key));
      }
    });
  });
});
