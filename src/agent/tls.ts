import type { TlsOptions } from 'node:tls';
import type { ClusterTls } from '../raft/index.js';
import { loadTlsFiles, serverName, type TlsMaterial, tlsServerOptions } from '../tls/index.js';
import type { AgentConfig } from './config.js';

/** What an agent's --tls-* flags come to: the HTTPS listener's options and the cluster port's TLS. */
export interface AgentTls {
  /** For the HTTPS listener; null without a certificate. */
  readonly https: TlsOptions | null;
  /** For the server port; null without a certificate and a CA (nothing to verify peers with). */
  readonly cluster: ClusterTls | null;
}

type TlsConfig = Pick<
  AgentConfig,
  | 'tlsCertFile'
  | 'tlsKeyFile'
  | 'tlsCaFile'
  | 'tlsVerifyIncoming'
  | 'tlsVerifyOutgoing'
  | 'tlsVerifyServerHostname'
  | 'datacenter'
  | 'domain'
>;

/**
 * Reads and checks the TLS files (a TlsFileError names the one at fault). Certificates name the
 * servers `server.<datacenter>.<domain>` with Consul's domain, `consul`, unless --domain says
 * otherwise: certificates made by `cairn tls` or `consul tls` with their defaults fit.
 */
export async function loadAgentTls(config: TlsConfig): Promise<AgentTls> {
  if (config.tlsCertFile === undefined && config.tlsCaFile === undefined)
    return { https: null, cluster: null };
  const material = await loadTlsFiles({
    certFile: config.tlsCertFile,
    keyFile: config.tlsKeyFile,
    caFile: config.tlsCaFile,
  });
  return agentTls(material, config);
}

/** The options from checked material (pure). */
export function agentTls(material: TlsMaterial, config: TlsConfig): AgentTls {
  const https =
    material.cert !== undefined
      ? tlsServerOptions(material, { verifyIncoming: config.tlsVerifyIncoming })
      : null;
  const cluster: ClusterTls | null =
    material.cert !== undefined && material.key !== undefined && material.ca !== undefined
      ? {
          cert: material.cert,
          key: material.key,
          ca: material.ca.join(''),
          verifyIncoming: config.tlsVerifyIncoming,
          verifyOutgoing: config.tlsVerifyOutgoing,
          serverName: config.tlsVerifyServerHostname
            ? serverName(config.datacenter, config.domain ?? 'consul')
            : null,
        }
      : null;
  return { https, cluster };
}
