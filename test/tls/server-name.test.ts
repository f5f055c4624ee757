import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createCert,
  sanList,
  serverNameCheck,
  tlsClientOptions,
  tlsServerOptions,
  tlsSettingsProblem,
  verifyServerName,
} from '../../src/tls/index.js';
import { makePki, type Pki } from './support.js';

let pki: Pki;

beforeAll(async () => {
  pki = await makePki('dc1', 'consul');
});

/** What tls.connect hands checkServerIdentity: only raw is used. */
function peer(pem: string): PeerCertificate {
  return { raw: new X509Certificate(pem).raw } as PeerCertificate;
}

describe('verifyServerName', () => {
  it('passes a server certificate of the datacenter and domain', () => {
    expect(verifyServerName(new X509Certificate(pki.server.certPem), 'dc1', 'consul')).toBeUndefined();
    expect(verifyServerName(peer(pki.server.certPem), 'dc1', 'consul.')).toBeUndefined();
  });

  it('fails a client certificate of the same CA, saying what it names', () => {
    const e = verifyServerName(peer(pki.client.certPem), 'dc1', 'consul');
    expect(e?.message).toBe(
      'the peer certificate does not name server.dc1.consul (it has DNS:client.dc1.consul, DNS:localhost, IP Address:127.0.0.1)',
    );
  });

  it('fails a server certificate of another datacenter or domain', () => {
    expect(verifyServerName(peer(pki.server.certPem), 'dc2', 'consul')).toBeInstanceOf(Error);
    expect(verifyServerName(peer(pki.server.certPem), 'dc1', 'cairn')).toBeInstanceOf(Error);
  });

  it('does not take a wildcard or a common name for the server name', async () => {
    const wildcard = await createCert(
      {
        kind: 'client',
        datacenter: 'dc1',
        domain: 'consul',
        days: 1,
        sans: { dns: ['*.dc1.consul'], ip: [] },
      },
      pki.ca.certPem,
      pki.ca.keyPem,
    );
    expect(verifyServerName(peer(wildcard.certPem), 'dc1', 'consul')).toBeInstanceOf(Error);
    // A certificate whose only server name is its common name (no SAN for it).
    const cnOnly = await createCert(
      { kind: 'server', datacenter: 'dc1', domain: 'consul', days: 1, sans: { dns: ['localhost'], ip: [] } },
      pki.ca.certPem,
      pki.ca.keyPem,
    );
    expect(new X509Certificate(cnOnly.certPem).subject).toBe('CN=server.dc1.consul');
    expect(verifyServerName(peer(cnOnly.certPem), 'dc1', 'consul')).toBeInstanceOf(Error);
  });

  it('ignores the host dialled: servers are dialled by address', () => {
    const check = serverNameCheck('dc1', 'consul');
    expect(check('10.9.8.7', peer(pki.server.certPem))).toBeUndefined();
    expect(check('client.dc1.consul', peer(pki.client.certPem))).toBeInstanceOf(Error);
  });

  it('names the node too when asked, and still passes', async () => {
    const sans = sanList({ kind: 'server', datacenter: 'dc1', domain: 'consul', node: 'n1' });
    const c = await createCert(
      { kind: 'server', datacenter: 'dc1', domain: 'consul', days: 1, sans },
      pki.ca.certPem,
      pki.ca.keyPem,
    );
    expect(verifyServerName(peer(c.certPem), 'dc1', 'consul')).toBeUndefined();
  });
});

describe('TLS settings and options', () => {
  const base = { verifyIncoming: false, verifyOutgoing: false, verifyServerHostname: false };

  it('names the missing flag', () => {
    expect(tlsSettingsProblem(base)).toBeNull();
    expect(tlsSettingsProblem({ ...base, certFile: 'c' })).toBe('--tls-cert-file needs --tls-key-file');
    expect(tlsSettingsProblem({ ...base, keyFile: 'k' })).toBe('--tls-key-file needs --tls-cert-file');
    expect(tlsSettingsProblem({ ...base, verifyIncoming: true, certFile: 'c', keyFile: 'k' })).toMatch(
      /^--tls-verify-incoming needs --tls-ca-file/,
    );
    expect(tlsSettingsProblem({ ...base, verifyIncoming: true, caFile: 'ca' })).toMatch(
      /^--tls-verify-incoming needs --tls-cert-file and --tls-key-file/,
    );
    expect(tlsSettingsProblem({ ...base, verifyOutgoing: true })).toMatch(
      /^--tls-verify-outgoing needs --tls-ca-file/,
    );
    expect(tlsSettingsProblem({ ...base, verifyServerHostname: true })).toMatch(
      /^--tls-verify-server-hostname needs --tls-ca-file/,
    );
    expect(
      tlsSettingsProblem({
        certFile: 'c',
        keyFile: 'k',
        caFile: 'ca',
        verifyIncoming: true,
        verifyOutgoing: true,
        verifyServerHostname: true,
      }),
    ).toBeNull();
  });

  it('asks for and requires a peer certificate only with verifyIncoming', () => {
    const m = { cert: pki.server.certPem, key: pki.server.keyPem, ca: [pki.ca.certPem] };
    expect(tlsServerOptions(m, { verifyIncoming: true })).toMatchObject({
      requestCert: true,
      rejectUnauthorized: true,
    });
    expect(tlsServerOptions(m, { verifyIncoming: false })).toMatchObject({
      requestCert: false,
      rejectUnauthorized: false,
    });
  });

  it('checks the server name when dialling only with verifyServerHostname', () => {
    const m = { cert: pki.client.certPem, key: pki.client.keyPem, ca: [pki.ca.certPem] };
    const v = { datacenter: 'dc1', domain: 'consul', verifyOutgoing: true };
    const strict = tlsClientOptions(m, { ...v, verifyServerHostname: true });
    expect(strict.rejectUnauthorized).toBe(true);
    expect(strict.checkServerIdentity?.('127.0.0.1', peer(pki.client.certPem))).toBeInstanceOf(Error);
    expect(strict.checkServerIdentity?.('127.0.0.1', peer(pki.server.certPem))).toBeUndefined();
    const loose = tlsClientOptions(m, { ...v, verifyServerHostname: false });
    expect(loose.rejectUnauthorized).toBe(true);
    expect(loose.checkServerIdentity?.('127.0.0.1', peer(pki.client.certPem))).toBeUndefined();
    expect(
      tlsClientOptions(m, { ...v, verifyOutgoing: false, verifyServerHostname: false }).rejectUnauthorized,
    ).toBe(false);
  });
});
