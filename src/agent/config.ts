/** How a `cairn agent` runs, validated (the CLI parses it: src/cli/agent-args.ts). */

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** How `cairn agent` was asked to run, validated. */
export interface AgentConfig {
  readonly dev: boolean;
  readonly node: string;
  readonly datacenter: string;
  /** null in dev mode without --data-dir: a fresh temporary directory. */
  readonly dataDir: string | null;
  /** Cluster traffic (Raft, forwarding) listens here. */
  readonly bind: string;
  /** HTTP and DNS listen here. */
  readonly client: string;
  readonly httpPort: number;
  readonly dnsPort: number;
  readonly serverPort: number;
  /** HOST:PORT the other servers dial for this one (default: --bind and --server-port). */
  readonly advertise: string | null;
  readonly bootstrapExpect: number | null;
  readonly join: readonly string[];
  readonly logLevel: LogLevel;
  /** `--log-json`: JSON log lines even on a terminal (the CLI's choice; JSON is already the default elsewhere). */
  readonly logJson?: boolean | undefined;
  readonly snapshotEvery: number | undefined;
  readonly trailingLogs: number | undefined;
  /** Share (0..1] of TTL checks expiring at once that pauses expiry. */
  readonly selfPreservationShare: number;
  readonly selfPreservationMinChecks: number;
  /** Default protection threshold of health lookups (0 = off). */
  readonly protectionThreshold: number;
  /** Versions kept per KV key. */
  readonly kvHistory: number;
  /** Largest KV value in bytes. */
  readonly kvMaxValueBytes: number;
  /** How long a deleted key's tombstone and history are kept (ms). */
  readonly kvTombstoneTtlMs: number;
  // ---- DNS: absent means the default (src/dns/config.ts) ----
  /** `--domain`, lower case with the trailing dot (default `cairn.`; `consul.` is always served too). */
  readonly domain?: string | undefined;
  /** `--dns-ttl` seconds (default 0). */
  readonly dnsTtl?: number | undefined;
  /** `--dns-service-ttl` seconds (default: `--dns-ttl`). */
  readonly dnsServiceTtl?: number | undefined;
  /** `--dns-answer-limit` (default 0: no limit). */
  readonly dnsAnswerLimit?: number | undefined;
  /** `--dns-only-passing` (default false). */
  readonly dnsOnlyPassing?: boolean | undefined;
  /**
   * `--encrypt KEY` (repeatable; `encrypt` in the config file, a string or a list): base64 cluster
   * keys. Every server connection proves the first; any of them is accepted. Empty: no key.
   */
  readonly encrypt: readonly string[];
  /** `--http-max-conns-per-client` (Consul's limits.http_max_conns_per_client): 200; 0 = no cap. */
  readonly httpMaxConnsPerClient: number;
  // ---- TLS (Consul's tls.defaults and ports.https) ----
  /** `--https-port` (Consul's ports.https): -1 (default) for no HTTPS listener. */
  readonly httpsPort: number;
  /** `--tls-cert-file`, `--tls-key-file`, `--tls-ca-file`: PEM files (checked when the agent starts). */
  readonly tlsCertFile?: string | undefined;
  readonly tlsKeyFile?: string | undefined;
  readonly tlsCaFile?: string | undefined;
  /** `--tls-verify-incoming`: HTTPS and the server port require a client certificate of the CA. */
  readonly tlsVerifyIncoming: boolean;
  /** `--tls-verify-outgoing`: connections to other servers use TLS and check their certificate. */
  readonly tlsVerifyOutgoing: boolean;
  /** `--tls-verify-server-hostname`: a server's certificate must name server.<datacenter>.<domain>. */
  readonly tlsVerifyServerHostname: boolean;
  // ---- per-client HTTP limits: absent means the default (src/http/limits/options.ts) ----
  /** `--http-max-blocking-per-client` (0: no cap). */
  readonly httpMaxBlockingPerClient?: number | undefined;
  /** `--watch-max-connections-per-client` (0: no cap). */
  readonly watchMaxConnectionsPerClient?: number | undefined;
  /** `--watch-max-subscriptions-per-client` (0: no cap). */
  readonly watchMaxSubscriptionsPerClient?: number | undefined;
  /** `--kv-max-keys`: most KV keys stored (default 0: no limit). */
  readonly kvMaxKeys?: number | undefined;
  /** `--catalog-max-instances`: most service instances in the catalog (default 0: no limit). */
  readonly catalogMaxInstances?: number | undefined;
  /**
   * `--http-trusted-proxies`: IPv4 addresses or ranges (and IPv6 addresses) of proxies whose
   * X-Forwarded-For names the client, for registrations without an Address (default none).
   */
  readonly httpTrustedProxies?: readonly string[] | undefined;
  /** What the configuration file held that cairn does not use (logged at start, not fatal). */
  readonly configWarnings?: readonly string[] | undefined;
  /** `--dns-udp-answer-limit` bytes (default 4096, at least 512). */
  readonly dnsUdpAnswerLimit?: number | undefined;
  /** `--dns-rate-limit` queries/s per source address (default 0: off). */
  readonly dnsRateLimit?: number | undefined;
  /** `--dns-tcp-idle-timeout` in ms (default 10 s). */
  readonly dnsTcpIdleMs?: number | undefined;
  /** `--dns-tcp-max-connections` (default 1024). */
  readonly dnsTcpMaxConnections?: number | undefined;
  /** `--dns-tcp-max-connections-per-source` (default 64). */
  readonly dnsTcpMaxConnectionsPerSource?: number | undefined;
}

/**
 * host:port of the HTTP API as the other servers and `/v1/agent/members` show it. An API bound to
 * every interface (0.0.0.0) is shown at the cluster address instead, which others can dial.
 */
export function advertisedHttpAddress(
  c: Pick<AgentConfig, 'client' | 'bind' | 'advertise' | 'httpPort'>,
): string {
  const advertisedHost = c.advertise?.slice(0, c.advertise.lastIndexOf(':')) ?? null;
  const host =
    c.client !== '0.0.0.0' ? c.client : c.bind !== '0.0.0.0' ? c.bind : (advertisedHost ?? c.client);
  return `${host}:${c.httpPort}`;
}

/**
 * What the other servers and `/v1/agent/members` are told of this server's HTTP and HTTPS APIs:
 * host:port of each, '' for one that is off (`--http-port -1`, or no `--https-port` or certificate).
 */
export function announcedApiAddresses(
  c: Pick<AgentConfig, 'client' | 'bind' | 'advertise' | 'httpPort' | 'httpsPort' | 'tlsCertFile'>,
): { readonly http: string; readonly https: string } {
  const http = advertisedHttpAddress(c);
  const host = http.slice(0, http.lastIndexOf(':'));
  return {
    http: c.httpPort === -1 ? '' : http,
    https: c.httpsPort === -1 || c.tlsCertFile === undefined ? '' : `${host}:${c.httpsPort}`,
  };
}
