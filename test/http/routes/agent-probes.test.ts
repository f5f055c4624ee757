import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthEntry } from '../../support/http.js';
import { InProcessCluster, type InProcessServer, until } from '../../support/in-process.js';

interface CheckJson {
  CheckID: string;
  Status: string;
  Output: string;
  Type: string;
  Interval: string;
  Definition: Record<string, unknown>;
}

const listening = (s: HttpServer | TcpServer): Promise<number> =>
  new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port)));

/**
 * HTTP and TCP checks: the leader probes them and the status follows what the instance answers.
 * The servers run in process; the probed instances are real loopback listeners.
 */
describe('HTTP and TCP checks, probed by the leader', () => {
  let c: InProcessCluster;
  let agent: InProcessServer;
  let web: HttpServer;
  let webPort: number;
  let answer = 200;
  let lastProbe: { method: string; header: string | undefined; body: string } | null = null;
  let tcp: TcpServer;
  let tcpPort: number;

  beforeAll(async () => {
    c = await InProcessCluster.start();
    agent = c.dev;
    web = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        if (req.method === 'POST')
          lastProbe = { method: req.method, header: req.headers['x-probe'] as string, body };
      });
      if (req.url === '/moved') {
        res.writeHead(302, { location: '/health' }).end();
        return;
      }
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(`status ${answer} for ${req.method}`);
    });
    webPort = await listening(web);
    tcp = createTcpServer((socket) => socket.end());
    tcpPort = await listening(tcp);
  });

  afterAll(async () => {
    await c?.stop();
    web?.close();
    tcp?.close();
  });

  const check = async (id: string): Promise<CheckJson> => {
    const all = await agent.request<Record<string, CheckJson>>('GET', '/v1/agent/checks');
    const found = all.json[id];
    if (!found) throw new Error(`no check ${id}`);
    return found;
  };
  /** Polls, moving the (standing) clock one probe interval per poll so the next probe is due. */
  const statusBecomes = (id: string, status: string) =>
    until(`${id} to be ${status}`, async () => {
      c.clock.advance(1000);
      return (await check(id)).Status === status ? true : undefined;
    });

  it('an HTTP check follows the instance: 2xx passing, 429 warning, 5xx critical; health lookups agree', async () => {
    await agent.put('/v1/agent/service/register', {
      Name: 'api',
      ID: 'api-1',
      Port: webPort,
      Check: { HTTP: `http://127.0.0.1:${webPort}/health`, Interval: '1s', Timeout: '500ms' },
    });
    await statusBecomes('service:api-1', 'passing');
    const c = await check('service:api-1');
    expect(c.Type).toBe('http');
    expect(c.Interval).toBe('1s');
    expect(c.Output).toBe(`HTTP GET http://127.0.0.1:${webPort}/health: 200 OK Output: status 200 for GET`);
    expect(c.Definition).toMatchObject({
      HTTP: `http://127.0.0.1:${webPort}/health`,
      Interval: '1s',
      Timeout: '500ms',
    });
    const passing = await agent.request<HealthEntry[]>('GET', '/v1/health/service/api?passing');
    expect(passing.json).toHaveLength(1);

    answer = 429;
    await statusBecomes('service:api-1', 'warning');
    answer = 503;
    await statusBecomes('service:api-1', 'critical');
    expect((await check('service:api-1')).Output).toContain('503 Service Unavailable');
    expect((await agent.request<HealthEntry[]>('GET', '/v1/health/service/api?passing')).json).toHaveLength(
      0,
    );
    answer = 200;
    await statusBecomes('service:api-1', 'passing');
    // A probe check takes no heartbeats, as in Consul.
    const pass = await agent.request('PUT', '/v1/agent/check/pass/service:api-1');
    expect(pass.status).toBe(500);
    expect(pass.text).toContain('does not have associated TTL');
  });

  it('follows redirects, and sends the method, headers and body given', async () => {
    await agent.put('/v1/agent/check/register', {
      Name: 'moved',
      CheckID: 'moved',
      HTTP: `http://127.0.0.1:${webPort}/moved`,
      Interval: '1s',
    });
    await statusBecomes('moved', 'passing');
    await agent.put('/v1/agent/check/register', {
      Name: 'not-followed',
      CheckID: 'not-followed',
      HTTP: `http://127.0.0.1:${webPort}/moved`,
      DisableRedirects: true,
      Interval: '1s',
    });
    // A new check starts critical: its first probe, critical too, still brings its output.
    await until('the first probe of not-followed', async () =>
      (await check('not-followed')).Output.includes('302 Found') ? true : undefined,
    );
    expect((await check('not-followed')).Status).toBe('critical');
    await agent.put('/v1/agent/check/register', {
      Name: 'posted',
      CheckID: 'posted',
      HTTP: `http://127.0.0.1:${webPort}/health`,
      Method: 'post',
      Header: { 'X-Probe': ['yes'] },
      Body: '{}',
      Interval: '1s',
    });
    await statusBecomes('posted', 'passing');
    expect((await check('posted')).Output).toContain('status 200 for POST');
    expect(lastProbe).toEqual({ method: 'POST', header: 'yes', body: '{}' });
  });

  it('a TCP check is passing while the port accepts and critical once it does not', async () => {
    await agent.put('/v1/agent/service/register', {
      Name: 'db',
      ID: 'db-1',
      Port: tcpPort,
      Checks: [{ Name: 'port', TCP: `127.0.0.1:${tcpPort}`, Interval: '1s' }],
    });
    await statusBecomes('service:db-1', 'passing');
    expect((await check('service:db-1')).Output).toBe(`TCP connect 127.0.0.1:${tcpPort}: Success`);
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    await statusBecomes('service:db-1', 'critical');
    expect((await check('service:db-1')).Output).toContain(`dial tcp 127.0.0.1:${tcpPort}`);
  });

  it('bad probe definitions are a 400 naming the field, and nothing is registered', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ HTTP: `http://127.0.0.1:${webPort}/` }, 'Check.Interval: is required for HTTP checks'],
      [{ HTTP: 'not a url', Interval: '1s' }, 'Check.HTTP: "not a url" is not a URL'],
      [{ HTTP: 'ftp://x/', Interval: '1s' }, 'Check.HTTP: "ftp://x/" is not an http or https URL'],
      [{ TCP: 'nohost', Interval: '1s' }, 'Check.TCP: "nohost" is not HOST:PORT'],
      [{ HTTP: 'http://x/', TCP: 'x:1', Interval: '1s' }, 'Check.TCP: a check probes either HTTP or TCP'],
      [
        { HTTP: 'http://x/', TTL: '10s', Interval: '1s' },
        'Check.TTL: a check is either a TTL or an HTTP check',
      ],
      [{ Args: ['/bin/true'], Interval: '1s' }, 'Check.Args: cairn runs TTL, HTTP and TCP checks only'],
    ];
    for (const [def, message] of cases) {
      const r = await agent.request('PUT', '/v1/agent/service/register', {
        Name: 'bad',
        ID: 'bad-1',
        Check: def,
      });
      expect(r.status, JSON.stringify(def)).toBe(400);
      expect(r.text).toContain(message);
    }
    expect((await agent.request('GET', '/v1/agent/service/bad-1')).status).toBe(404);
  });
});
