/**
 * `cairn agent --help`: every flag with its argument, default and meaning. One entry per flag
 * the parser takes (test/cli/agent-help.test.ts compares the two lists, so neither drifts).
 * Each flag is also a key of `--config-file` (with `-` or `_`).
 */
interface FlagHelp {
  readonly arg: string;
  readonly default: string;
  readonly text: string;
}

const h = (arg: string, def: string, text: string): FlagHelp => ({ arg, default: def, text });

export const AGENT_FLAG_HELP: Readonly<Record<string, FlagHelp>> = {
  dev: h('', '', 'one server that founds its own cluster, with a temporary data directory'),
  node: h('NAME', 'the host name; dev with --dev', "this server's name, also its Raft id"),
  datacenter: h('DC', 'dc1', 'the datacenter name (lowercase letters, digits, _ and -)'),
  'data-dir': h('DIR', '', 'where the Raft log, its state and snapshots are kept (required without --dev)'),
  bind: h('IP', '127.0.0.1', 'the address the server port listens on'),
  client: h('IP', '127.0.0.1', 'the address HTTP, HTTPS and DNS listen on'),
  'http-port': h('N', '8500', 'the HTTP API; -1 turns it off'),
  'https-port': h('N', '-1 (off)', 'the HTTP API over TLS (needs --tls-cert-file and --tls-key-file)'),
  'dns-port': h('N', '8600', 'DNS over UDP and TCP'),
  'server-port': h('N', '8300', 'Raft and forwarding between servers'),
  advertise: h('HOST:PORT', '--bind:--server-port', 'the address other servers dial for this one'),
  'bootstrap-expect': h(
    'N',
    '',
    'wait for N servers (found through --join), then found the cluster with them',
  ),
  join: h('HOST:PORT', '', "another server's server port; repeatable or comma-separated; retried"),
  'log-level': h('LEVEL', 'info', 'trace, debug, info, warn, error, fatal or silent'),
  'log-json': h(
    '',
    'off',
    'JSON log lines on a terminal too (they are JSON whenever output is not a terminal)',
  ),
  'config-file': h('FILE.json', '', 'any of these flags as JSON keys; flags given on the command line win'),
  'snapshot-every': h('N', '10000', 'Raft entries between snapshots'),
  'trailing-logs': h('N', '5000', 'Raft entries kept behind a snapshot for slow followers'),
  'self-preservation-share': h(
    'F',
    '0.5',
    'expiry pauses when more than this share of TTL checks expire within one TTL',
  ),
  'self-preservation-min-checks': h(
    'N',
    '10',
    'self-preservation applies only with at least this many TTL checks',
  ),
  'protection-threshold': h('F', '0 (off)', 'below this share healthy, health lookups answer every instance'),
  'kv-history': h('N', '20', 'versions kept per KV key (?history, ?rollback)'),
  'kv-max-value-size': h('BYTES', '524288', 'the largest KV value'),
  'kv-tombstone-ttl': h('DURATION', '15m', "how long a deleted key's tombstone and history are kept"),
  'kv-max-keys': h('N', '0 (none)', 'most KV keys stored; a write past it is refused'),
  'catalog-max-instances': h('N', '0 (none)', 'most service instances in the catalog'),
  domain: h('DOMAIN', 'cairn.', 'the DNS domain served besides consul.'),
  'dns-ttl': h('S', '0', 'TTL of node and negative DNS answers'),
  'dns-service-ttl': h('S', '--dns-ttl', 'TTL of service DNS answers'),
  'dns-answer-limit': h('N', '0 (none)', 'most records per DNS answer'),
  'dns-only-passing': h('', 'off', 'leave warning instances out of DNS answers too'),
  'dns-udp-answer-limit': h('BYTES', '4096', 'largest UDP answer; larger ones are cut with TC set'),
  'dns-rate-limit': h('N', '0 (off)', 'DNS queries per second allowed from one source address'),
  'dns-tcp-idle-timeout': h(
    'S',
    '10',
    'a DNS-over-TCP connection without a whole query for this long is closed',
  ),
  'dns-tcp-max-connections': h('N', '1024', 'DNS-over-TCP connections in all'),
  'dns-tcp-max-connections-per-source': h('N', '64', 'DNS-over-TCP connections per source address'),
  encrypt: h('KEY', '', 'cluster key (cairn keygen); repeatable: the first is used, all are accepted'),
  'http-max-conns-per-client': h('N', '200', 'HTTP connections per client address'),
  'http-max-blocking-per-client': h('N', '128', 'blocking queries held at once per client address'),
  'watch-max-connections-per-client': h('N', '64', 'WebSocket watch connections per client address'),
  'http-trusted-proxies': h(
    'IP[/BITS]',
    'none',
    'proxies whose X-Forwarded-For names the client of a registration without an Address; repeatable',
  ),
  'watch-max-subscriptions-per-client': h('N', '1000', 'watch subscriptions per client address'),
  'tls-cert-file': h('FILE', '', "this server's certificate (PEM), for HTTPS and TLS between servers"),
  'tls-key-file': h('FILE', '', 'its private key (PEM)'),
  'tls-ca-file': h('FILE', '', 'the CA certificates trusted for peers and clients (PEM)'),
  'tls-verify-incoming': h('', 'off', 'require a certificate of the CA from servers and HTTPS clients'),
  'tls-verify-outgoing': h('', 'off', 'use TLS to other servers and verify their certificates'),
  'tls-verify-server-hostname': h('', 'off', "a server's certificate must name server.<datacenter>.<domain>"),
};

export function agentHelp(): string {
  const rows = Object.entries(AGENT_FLAG_HELP).map(([name, f]) => {
    const flag = `  --${name}${f.arg === '' ? '' : ` ${f.arg}`}`;
    const def = f.default === '' ? '' : ` (default: ${f.default})`;
    return `${flag.padEnd(44)} ${f.text}${def}`;
  });
  return `usage: cairn agent [flags]

Runs a cairn server: Raft, the registry, the HTTP API, DNS. SIGHUP reloads the cluster keys and
the TLS files; SIGTERM or SIGINT stops it.

flags:
${rows.join('\n')}`;
}
