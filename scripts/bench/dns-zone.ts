/**
 * The data set of `npm run bench:dns`, written once for both servers: `services` services of
 * `instances` instances each, spread over ten nodes. cairn gets it as catalog registrations, BIND as
 * an equivalent static zone (the same A and SRV records, the SRV targets' A records resolvable for
 * the additional section, TTL 0 as cairn's default).
 */

export interface BenchInstance {
  readonly service: string;
  readonly id: string;
  readonly node: string;
  readonly nodeAddress: string;
  readonly port: number;
}

export const NODES = 10;

export function nodeName(k: number): string {
  return `bench-node-${k}`;
}

export function nodeAddress(k: number): string {
  return `10.99.0.${k + 1}`;
}

export function dataset(services: number, instances: number): BenchInstance[] {
  const out: BenchInstance[] = [];
  for (let s = 0; s < services; s++) {
    for (let i = 0; i < instances; i++) {
      const k = (s + i) % NODES;
      out.push({
        service: `svc-${s}`,
        id: `svc-${s}-${i}`,
        node: nodeName(k),
        nodeAddress: nodeAddress(k),
        port: 10_000 + s * 10 + i,
      });
    }
  }
  return out;
}

/** The catalog registration of one instance, passing. */
export function registration(i: BenchInstance): unknown {
  return {
    Node: i.node,
    Address: i.nodeAddress,
    Service: { ID: i.id, Service: i.service, Port: i.port },
    Check: { CheckID: `check-${i.id}`, Name: 'alive', ServiceID: i.id, Status: 'passing' },
  };
}

/** A zone file for `domain` (no trailing dot) with the same records cairn answers. */
export function zoneFile(domain: string, data: readonly BenchInstance[]): string {
  const lines = [
    '$TTL 0',
    `$ORIGIN ${domain}.`,
    `@ IN SOA ns.${domain}. hostmaster.${domain}. 1 3600 600 86400 0`,
    `@ IN NS ns.${domain}.`,
    'ns IN A 127.0.0.1',
  ];
  for (let k = 0; k < NODES; k++) lines.push(`${nodeName(k)}.node.dc1 IN A ${nodeAddress(k)}`);
  for (const i of data) {
    lines.push(`${i.service}.service IN A ${i.nodeAddress}`);
    lines.push(`${i.service}.service IN SRV 1 1 ${i.port} ${i.node}.node.dc1.${domain}.`);
  }
  return `${lines.join('\n')}\n`;
}

/** dnsperf's input: an SRV and an A query for every service, interleaved. */
export function queryFile(domain: string, services: number): string {
  const lines: string[] = [];
  for (let s = 0; s < services; s++) {
    lines.push(`svc-${s}.service.${domain} SRV`);
    lines.push(`svc-${s}.service.${domain} A`);
  }
  return `${lines.join('\n')}\n`;
}

/** named.conf for one authoritative zone on a loopback port, nothing else. */
export function namedConf(dir: string, port: number, domain: string): string {
  return `options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  allow-query { any; };
  dnssec-validation no;
  notify no;
  // cairn sends no authority section with positive answers either.
  minimal-responses no-auth;
};
zone "${domain}" { type primary; file "${dir}/${domain}.zone"; };
`;
}

export interface PerfResult {
  readonly sent: number;
  readonly completed: number;
  readonly lost: number;
  readonly qps: number;
  readonly avg_latency_ms: number;
  readonly min_latency_ms: number;
  readonly max_latency_ms: number;
  readonly rcodes: Record<string, number>;
  readonly avg_response_bytes: number;
}

/** Reads dnsperf's summary. */
export function parseDnsperf(out: string): PerfResult {
  const num = (re: RegExp): number => {
    const m = re.exec(out);
    if (!m) throw new Error(`dnsperf output lacks ${re.source}:\n${out}`);
    return Number(m[1]);
  };
  const latency = /Average Latency \(s\):\s+([\d.]+) \(min ([\d.]+), max ([\d.]+)\)/.exec(out);
  if (!latency) throw new Error(`dnsperf output lacks the latency line:\n${out}`);
  const rcodes: Record<string, number> = {};
  const rc = /Response codes:\s+(.*)/.exec(out);
  for (const m of (rc?.[1] ?? '').matchAll(/([A-Z]+) (\d+)/g)) rcodes[m[1]!] = Number(m[2]);
  const ms = (s: string) => Number((Number(s) * 1000).toFixed(3));
  return {
    sent: num(/Queries sent:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
    qps: num(/Queries per second:\s+([\d.]+)/),
    avg_latency_ms: ms(latency[1]!),
    min_latency_ms: ms(latency[2]!),
    max_latency_ms: ms(latency[3]!),
    rcodes,
    avg_response_bytes: num(/Average packet size:\s+request \d+, response (\d+)/),
  };
}
