/** A CA with a server and a client certificate, made in memory for the TLS tests. */
import { createCa, createCert, type PemPair, sanList } from '../../src/tls/index.js';

export interface Pki {
  readonly ca: PemPair;
  readonly server: PemPair;
  readonly client: PemPair;
}

export async function makePki(datacenter = 'dc1', domain = 'consul'): Promise<Pki> {
  const ca = await createCa({ days: 30 });
  const cert = (kind: 'server' | 'client') =>
    createCert(
      { kind, datacenter, domain, days: 10, sans: sanList({ kind, datacenter, domain }) },
      ca.certPem,
      ca.keyPem,
    );
  return { ca, server: await cert('server'), client: await cert('client') };
}
