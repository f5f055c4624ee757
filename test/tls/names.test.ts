import { describe, expect, it } from 'vitest';
import {
  bareDomain,
  caFileNames,
  certFilePrefix,
  firstFreeCertFiles,
  identityName,
  MAX_CERT_INDEX,
  namesOutsideConstraints,
  permittedDnsDomains,
  sanList,
  serverName,
} from '../../src/tls/index.js';

describe('names', () => {
  it('names identities as Consul does, with or without the trailing dot of the agent domain', () => {
    expect(serverName('dc1', 'consul')).toBe('server.dc1.consul');
    expect(serverName('eu-west', 'Cairn.')).toBe('server.eu-west.cairn');
    expect(identityName('client', 'dc2', 'example.com')).toBe('client.dc2.example.com');
    expect(bareDomain('consul.')).toBe('consul');
  });

  it('names files as consul tls does', () => {
    expect(caFileNames('consul')).toEqual({ cert: 'consul-agent-ca.pem', key: 'consul-agent-ca-key.pem' });
    expect(caFileNames('example.com.')).toEqual({
      cert: 'example.com-agent-ca.pem',
      key: 'example.com-agent-ca-key.pem',
    });
    expect(certFilePrefix('server', 'dc1', 'consul')).toBe('dc1-server-consul');
    expect(certFilePrefix('client', 'dc3', 'consul')).toBe('dc3-client-consul');
  });

  it('numbers certificate files from 0, skipping a number whose cert or key exists', () => {
    const taken = new Set(['p-0.pem', 'p-0-key.pem', 'p-1-key.pem', 'p-2.pem']);
    expect(firstFreeCertFiles('p', (n) => taken.has(n))).toEqual({
      index: 3,
      cert: 'p-3.pem',
      key: 'p-3-key.pem',
    });
    expect(firstFreeCertFiles('p', () => false)).toEqual({ index: 0, cert: 'p-0.pem', key: 'p-0-key.pem' });
    expect(firstFreeCertFiles('p', () => true)).toBeNull();
    const asked: string[] = [];
    firstFreeCertFiles('p', (n) => {
      asked.push(n);
      return true;
    });
    expect(asked.at(-1)).toBe(`p-${MAX_CERT_INDEX}.pem`);
  });

  it('gives a server its identity, the node name, localhost and 127.0.0.1 before the additional SANs', () => {
    expect(
      sanList({
        kind: 'server',
        datacenter: 'dc1',
        domain: 'consul',
        node: 'n1',
        additionalDnsNames: ['cairn.example.com', 'LOCALHOST'],
        additionalIpAddresses: ['10.0.0.1', '127.0.0.1', '::1'],
      }),
    ).toEqual({
      dns: ['server.dc1.consul', 'n1.server.dc1.consul', 'localhost', 'cairn.example.com'],
      ip: ['127.0.0.1', '10.0.0.1', '::1'],
    });
  });

  it('never gives a client certificate the server name, even with --node', () => {
    const sans = sanList({ kind: 'client', datacenter: 'dc1', domain: 'consul', node: 'n1' });
    expect(sans).toEqual({ dns: ['client.dc1.consul', 'localhost'], ip: ['127.0.0.1'] });
  });

  it('permits a constrained domain and the names under it, and nothing else', () => {
    const permitted = permittedDnsDomains('consul.', ['example.com', '.only-under.org']);
    expect(permitted).toEqual(['consul', 'localhost', 'example.com', '.only-under.org']);
    expect(
      namesOutsideConstraints(
        [
          'server.dc1.consul',
          'consul',
          'localhost',
          'a.b.example.com',
          'x.only-under.org',
          'only-under.org',
          'notconsul',
          'consul.evil',
          'badexample.com',
        ],
        permitted,
      ),
    ).toEqual(['only-under.org', 'notconsul', 'consul.evil', 'badexample.com']);
    expect(namesOutsideConstraints(['anything.at.all'], null)).toEqual([]);
  });
});
