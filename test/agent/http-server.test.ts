import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePorts, waitUntil } from '../../cluster/index.js';
import { limitedHttpServer } from '../../src/agent/http-server.js';
import { type Agent, startAgent } from '../../src/agent/index.js';
import { parseAgentArgs } from '../../src/cli/agent-args.js';

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

/** A raw TCP client that records whether the server closed it, and what it sent. */
function client(port: number, localAddress = '127.0.0.1') {
  const s = connect({ host: '127.0.0.1', port, localAddress });
  sockets.push(s);
  let closed = false;
  let data = '';
  s.on('data', (c: Buffer) => {
    data += c.toString();
  });
  s.on('error', () => {});
  s.on('close', () => {
    closed = true;
  });
  const connected = new Promise<void>((resolve) => s.once('connect', () => resolve()));
  return { s, connected, isClosed: () => closed, data: () => data };
}

describe('the HTTP server no single client can exhaust', () => {
  it('closes connections that send no complete request in time (slowloris) and idle ones', async () => {
    const stats = { refusedConnections: 0, timedOutRequests: 0 };
    const server = limitedHttpServer(
      { maxConnsPerClient: 0, headersTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 300 },
      stats,
    )((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    try {
      const silent = client(port);
      const slow = client(port);
      await slow.connected;
      slow.s.write('GET / HTTP/1.1\r\nHost: x\r\n'); // and never the blank line
      const idle = client(port);
      await idle.connected;
      idle.s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await waitUntil('all three closed', async () =>
        silent.isClosed() && slow.isClosed() && idle.isClosed() ? true : undefined,
      );
      expect(idle.data()).toContain('200 OK');
      expect(slow.data()).not.toContain('200 OK');
      // The silent and the slow connection timed out in their request; the idle one between requests.
      expect(stats.timedOutRequests).toBe(2);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('an agent with --http-max-conns-per-client', () => {
  let agent: Agent;
  let port: number;

  beforeAll(async () => {
    const [http, dns, server] = (await freePorts(3)) as [number, number, number];
    port = http;
    const config = parseAgentArgs([
      '--dev',
      '--http-port',
      String(http),
      '--dns-port',
      String(dns),
      '--server-port',
      String(server),
      '--http-max-conns-per-client',
      '5',
      '--log-level',
      'silent',
    ]);
    agent = await startAgent(config, pino({ level: 'silent' }));
  });

  afterAll(async () => {
    await agent?.stop();
    if (agent) rmSync(agent.dataDir, { recursive: true, force: true });
  });

  it('closes one address beyond the cap at once, serves another, and counts the refusals', async () => {
    const held = Array.from({ length: 5 }, () => client(port));
    await Promise.all(held.map((c) => c.connected));
    const extra = Array.from({ length: 3 }, () => client(port));
    await waitUntil('the extra ones closed', async () =>
      extra.every((c) => c.isClosed()) ? true : undefined,
    );
    expect(held.some((c) => c.isClosed())).toBe(false);

    const other = await fetch(`http://127.0.0.1:${port}/v1/status/leader`, {
      // undici dials from the default address; use a raw client from 127.0.0.2 instead.
      signal: AbortSignal.timeout(10_000),
    }).catch(() => null);
    expect(other).toBeNull(); // 127.0.0.1 is full: even a fetch from it is refused
    const elsewhere = client(port, '127.0.0.2');
    await elsewhere.connected;
    elsewhere.s.write('GET /v1/status/leader HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await waitUntil('an answer', async () => (elsewhere.data().includes('200 OK') ? true : undefined));

    for (const c of held) c.s.destroy();
    await waitUntil('room again', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/v1/agent/metrics?format=prometheus`).catch(() => null);
      return r?.status === 200 ? await r.text() : undefined;
    }).then((text) => {
      expect(text).toMatch(/cairn_http_connections_refused_total [4-9]/);
    });
  });
});
