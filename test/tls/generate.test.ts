import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCa, createCert, permittedDnsDomains, sanList, TlsGenerateError } from '../../src/tls/index.js';

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T12:00:00.500Z');

function serverReq(extra: { dns?: string[]; days?: number; now?: Date } = {}) {
  return {
    kind: 'server' as const,
    datacenter: 'dc1',
    domain: 'consul',
    days: extra.days ?? 365,
    now: extra.now ?? NOW,
    sans: sanList({ kind: 'server', datacenter: 'dc1', domain: 'consul', additionalDnsNames: extra.dns }),
  };
}

describe('createCa', () => {
  it('makes a self-signed EC P-256 CA valid for the given days, key in SEC1 PEM', async () => {
    const ca = await createCa({ days: 1825, now: NOW });
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.checkIssued(cert)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.subject).toMatch(/^CN=Cairn Agent CA \d+$/);
    expect(new Date(cert.validFrom).getTime()).toBe(Date.parse('2026-06-01T12:00:00Z'));
    expect(new Date(cert.validTo).getTime()).toBe(Date.parse('2026-06-01T12:00:00Z') + 1825 * DAY);
    expect(ca.keyPem.startsWith('-----BEGIN EC PRIVATE KEY-----\n')).toBe(true);
    const key = createPrivateKey(ca.keyPem);
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.checkPrivateKey(key)).toBe(true);
  });

  it('takes a common name and gives each CA its own serial', async () => {
    const a = new X509Certificate((await createCa({ days: 1, commonName: 'Ops CA' })).certPem);
    const b = new X509Certificate((await createCa({ days: 1, commonName: 'Ops CA' })).certPem);
    expect(a.subject).toBe('CN=Ops CA');
    expect(a.serialNumber).not.toBe(b.serialNumber);
  });
});

describe('createCert', () => {
  it('signs a server certificate with the SANs and both extended key usages', async () => {
    const ca = await createCa({ days: 1825, now: NOW });
    const c = await createCert(serverReq({ days: 30 }), ca.certPem, ca.keyPem);
    const cert = new X509Certificate(c.certPem);
    const caCert = new X509Certificate(ca.certPem);
    expect(c.name).toBe('server.dc1.consul');
    expect(cert.subject).toBe('CN=server.dc1.consul');
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe('DNS:server.dc1.consul, DNS:localhost, IP Address:127.0.0.1');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime()).toBe(30 * DAY);
    expect(c.notAfter.getTime()).toBe(new Date(cert.validTo).getTime());
    expect(c.caNotAfter.getTime()).toBe(new Date(caCert.validTo).getTime());
    expect(cert.checkPrivateKey(createPrivateKey(c.keyPem))).toBe(true);
  });

  it('signs with a CA key given as PKCS#8 as well as SEC1', async () => {
    const ca = await createCa({ days: 10 });
    const pkcs8 = createPrivateKey(ca.keyPem).export({ format: 'pem', type: 'pkcs8' }).toString();
    const c = await createCert(serverReq({ now: new Date() }), ca.certPem, pkcs8);
    expect(new X509Certificate(c.certPem).verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
  });

  it('refuses a CA key that is not the CA certificate’s', async () => {
    const ca = await createCa({ days: 10 });
    const other = await createCa({ days: 10 });
    await expect(createCert(serverReq({ now: new Date() }), ca.certPem, other.keyPem)).rejects.toThrow(
      new TlsGenerateError('the CA key does not belong to the CA certificate'),
    );
  });

  it('refuses a leaf certificate as the CA, an expired CA, and an RSA CA key', async () => {
    const ca = await createCa({ days: 10, now: NOW });
    const leaf = await createCert(serverReq(), ca.certPem, ca.keyPem);
    await expect(createCert(serverReq(), leaf.certPem, leaf.keyPem)).rejects.toThrow(/is not a CA/);
    const later = new Date(NOW.getTime() + 11 * DAY);
    await expect(createCert(serverReq({ now: later }), ca.certPem, ca.keyPem)).rejects.toThrow(
      /the CA certificate expired on 2026-06-11T12:00:00.000Z/,
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    await expect(createCert(serverReq(), ca.certPem, rsa.toString())).rejects.toThrow(TlsGenerateError);
  });

  it('refuses text that is no certificate or no key', async () => {
    const ca = await createCa({ days: 10 });
    await expect(createCert(serverReq(), 'hello', ca.keyPem)).rejects.toThrow(
      /the CA certificate cannot be read/,
    );
    await expect(createCert(serverReq({ now: new Date() }), ca.certPem, 'hello')).rejects.toThrow(
      /the CA key cannot be read/,
    );
  });

  it('under a name-constrained CA, signs names inside the constraints and refuses others', async () => {
    const ca = await createCa({
      days: 10,
      permittedDnsDomains: permittedDnsDomains('consul', ['example.com']),
    });
    const ok = await createCert(
      serverReq({ dns: ['ui.example.com'], now: new Date() }),
      ca.certPem,
      ca.keyPem,
    );
    expect(new X509Certificate(ok.certPem).subjectAltName).toContain('DNS:ui.example.com');
    await expect(
      createCert(serverReq({ dns: ['ui.example.org'], now: new Date() }), ca.certPem, ca.keyPem),
    ).rejects.toThrow("the CA's name constraints do not permit ui.example.org");
  });

  it('reports a certificate that outlives its CA', async () => {
    const ca = await createCa({ days: 10, now: NOW });
    const c = await createCert(serverReq({ days: 365 }), ca.certPem, ca.keyPem);
    expect(c.notAfter.getTime()).toBeGreaterThan(c.caNotAfter.getTime());
  });
});
