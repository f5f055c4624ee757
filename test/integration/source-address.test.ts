import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { DevAgent } from '../support/agent.js';

/** A PUT sent from a chosen loopback source address, as an instance on another host would. */
function putFrom(
  localAddress: string,
  port: number,
  path: string,
  body: unknown,
  headers = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'PUT',
        localAddress,
        headers: { 'content-length': data.length, ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * An instance registered without Address is answered at the address its registration came from,
 * by HTTP, DNS and the SDK (Consul would use its node's address, which for cairn is the server's).
 */
describe('a registration without Address, from another host', () => {
  let agent: DevAgent;

  beforeAll(async () => {
    agent = await DevAgent.start(['--http-trusted-proxies', '127.0.0.9']);
  });

  afterAll(async () => {
    await agent?.stop();
  });

  it('is answered at its source address by HTTP, DNS and the SDK', async () => {
    const status = await putFrom('127.0.0.5', agent.httpPort, '/v1/agent/service/register', {
      Name: 'far',
      ID: 'far-1',
      Port: 7000,
    });
    expect(status).toBe(200);

    const health = (await (await fetch(`${agent.url}/v1/health/service/far`)).json()) as {
      Service: { Address: string };
    }[];
    expect(health.map((e) => e.Service.Address)).toEqual(['127.0.0.5']);

    const a = await agent.dig('far.service.consul', 'A');
    expect(a.answer.map((r) => r[4])).toEqual(['127.0.0.5']);
    const srv = await agent.dig('far.service.consul', 'SRV');
    expect(srv.answer.map((r) => r.slice(4, 7))).toEqual([['1', '1', '7000']]);
    expect(srv.additional.filter((r) => r[3] === 'A').map((r) => r[4])).toEqual(['127.0.0.5']);

    const cairn = createClient({ servers: [`127.0.0.1:${agent.httpPort}`] });
    try {
      const far = cairn.resolve('far');
      await far.ready;
      expect(far.endpoints().map((e) => `${e.address}:${e.port}`)).toEqual(['127.0.0.5:7000']);
    } finally {
      await cairn.close();
    }
  });

  it('an Address given is kept as given', async () => {
    await putFrom('127.0.0.5', agent.httpPort, '/v1/agent/service/register', {
      Name: 'given',
      Port: 1,
      Address: '10.9.9.9',
    });
    const svc = (await (await fetch(`${agent.url}/v1/agent/service/given`)).json()) as { Address: string };
    expect(svc.Address).toBe('10.9.9.9');
  });

  it('X-Forwarded-For counts only from a trusted proxy', async () => {
    await putFrom(
      '127.0.0.6',
      agent.httpPort,
      '/v1/agent/service/register',
      { Name: 'forged', Port: 1 },
      {
        'x-forwarded-for': '10.6.6.6',
      },
    );
    await putFrom(
      '127.0.0.9',
      agent.httpPort,
      '/v1/agent/service/register',
      { Name: 'proxied', Port: 1 },
      {
        'x-forwarded-for': '10.7.7.7',
      },
    );
    const addr = async (id: string) =>
      ((await (await fetch(`${agent.url}/v1/agent/service/${id}`)).json()) as { Address: string }).Address;
    expect(await addr('forged')).toBe('127.0.0.6');
    expect(await addr('proxied')).toBe('10.7.7.7');
  });
});
