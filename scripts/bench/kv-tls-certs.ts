import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI } from '../../cluster/index.js';

/** PEM files for a TLS benchmark cluster, all signed by one CA. */
export interface BenchCerts {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/**
 * A CA, a server certificate and a client certificate made in `dir` with `cairn tls`, as an
 * operator would (Consul's file names); both leaves name localhost and 127.0.0.1.
 */
export function makeBenchCerts(dir: string): BenchCerts {
  const tls = (...args: string[]) =>
    execFileSync(process.execPath, [CLI, 'tls', ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  tls('ca', 'create');
  tls('cert', 'create', '-server');
  tls('cert', 'create', '-client');
  const at = (f: string) => join(dir, f);
  return {
    ca: at('consul-agent-ca.pem'),
    serverCert: at('dc1-server-consul-0.pem'),
    serverKey: at('dc1-server-consul-0-key.pem'),
    clientCert: at('dc1-client-consul-0.pem'),
    clientKey: at('dc1-client-consul-0-key.pem'),
  };
}

/** Every server with all three of Consul's checks on: mutual TLS between servers, and HTTPS clients must present a certificate of the CA. */
export const mutualTlsAgentArgs = (c: BenchCerts): string[] => [
  '--tls-cert-file',
  c.serverCert,
  '--tls-key-file',
  c.serverKey,
  '--tls-ca-file',
  c.ca,
  '--tls-verify-incoming',
  '--tls-verify-outgoing',
  '--tls-verify-server-hostname',
];
