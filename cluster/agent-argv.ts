/** Where one `cairn agent` listens: all on 127.0.0.1 unless other flags say so. */
export interface AgentPorts {
  readonly httpPort: number;
  readonly serverPort: number;
  readonly dnsPort: number;
}

export interface AgentArgvOptions extends AgentPorts {
  readonly node?: string;
  readonly dataDir?: string;
  /** A single server that bootstraps itself (`--dev`). */
  readonly dev?: boolean;
  readonly logLevel?: string;
  /** The cluster key (`--encrypt`); absent: none. */
  readonly encrypt?: string;
}

/**
 * The `cairn agent` flags every launcher starts a server with (clusters, the chaos harness,
 * benchmarks, tests); what differs per launcher (join, advertise, ...) follows it.
 */
export function agentArgv(o: AgentArgvOptions): string[] {
  return [
    ...(o.dev ? ['--dev'] : []),
    ...(o.node !== undefined ? ['--node', o.node] : []),
    ...(o.dataDir !== undefined ? ['--data-dir', o.dataDir] : []),
    '--server-port',
    String(o.serverPort),
    '--http-port',
    String(o.httpPort),
    '--dns-port',
    String(o.dnsPort),
    ...(o.logLevel !== undefined ? ['--log-level', o.logLevel] : []),
    ...(o.encrypt !== undefined ? ['--encrypt', o.encrypt] : []),
  ];
}
