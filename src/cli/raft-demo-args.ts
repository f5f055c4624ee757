import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

/** How `cairn raft-demo` was asked to run, validated. */
export interface RaftDemoConfig {
  readonly dev: boolean;
  readonly node: string;
  /** null in dev mode without --data-dir: a fresh temporary directory. */
  readonly dataDir: string | null;
  readonly bind: string;
  readonly raftPort: number;
  readonly httpPort: number;
  readonly peers: ReadonlyMap<string, string>;
  readonly bootstrap: readonly string[];
  readonly snapshotEvery: number | undefined;
  /** Log entries kept behind a snapshot for followers that lag a little. */
  readonly trailingLogs: number | undefined;
  readonly logLevel: LogLevel;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export const RAFT_DEMO_USAGE = `usage: cairn raft-demo [--dev] [--node ID] [--data-dir DIR] [--bind IP]
                       [--raft-port N] [--http-port N] [--peer ID=HOST:PORT ...]
                       [--bootstrap ID,ID,...] [--snapshot-every N] [--trailing-logs N]
                       [--log-level LEVEL]`;

export function parseRaftDemoArgs(argv: readonly string[]): RaftDemoConfig {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (e) {
    // parseArgs' own messages already name the option; keep only the first line.
    throw new UsageError(e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e));
  }
  const dev = values.dev ?? false;
  const node = values.node ?? (dev ? 'dev' : undefined);
  if (node === undefined) throw new UsageError('--node: a server id is required (or use --dev)');
  if (!NODE_ID.test(node)) {
    throw new UsageError(`--node: "${node}" is not a valid id (letters, digits, '.', '_', '-'; at most 64)`);
  }
  const dataDir = values['data-dir'] ?? null;
  if (dataDir === null && !dev)
    throw new UsageError('--data-dir: a data directory is required (or use --dev)');
  if (dataDir === '') throw new UsageError('--data-dir: must not be empty');
  const bind = values.bind ?? '127.0.0.1';
  if (!isIPv4(bind)) throw new UsageError(`--bind: "${bind}" is not an IPv4 address`);
  const peers = new Map<string, string>();
  for (const spec of (values.peer ?? []).flatMap((p) => p.split(','))) {
    const [id, address] = parsePeer(spec);
    if (id === node) throw new UsageError(`--peer: "${spec}" names this server itself`);
    if (peers.has(id)) throw new UsageError(`--peer: "${id}" is given twice`);
    peers.set(id, address);
  }
  const bootstrap = values.bootstrap?.split(',').filter((s) => s !== '') ?? (dev ? [node] : []);
  for (const id of bootstrap) {
    if (id !== node && !peers.has(id)) {
      throw new UsageError(`--bootstrap: "${id}" is neither this server nor one of the --peer entries`);
    }
  }
  if (new Set(bootstrap).size !== bootstrap.length) throw new UsageError('--bootstrap: an id is given twice');
  const logLevel = values['log-level'] ?? 'info';
  if (!isLogLevel(logLevel)) throw new UsageError(`--log-level: must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    dev,
    node,
    dataDir,
    bind,
    raftPort: port(values['raft-port'], '--raft-port', 8300),
    httpPort: port(values['http-port'], '--http-port', 8500),
    peers,
    bootstrap,
    snapshotEvery:
      values['snapshot-every'] === undefined
        ? undefined
        : positiveInt(values['snapshot-every'], '--snapshot-every'),
    trailingLogs:
      values['trailing-logs'] === undefined
        ? undefined
        : positiveInt(values['trailing-logs'], '--trailing-logs'),
    logLevel,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      dev: { type: 'boolean' },
      node: { type: 'string' },
      'data-dir': { type: 'string' },
      bind: { type: 'string' },
      'raft-port': { type: 'string' },
      'http-port': { type: 'string' },
      peer: { type: 'string', multiple: true },
      bootstrap: { type: 'string' },
      'snapshot-every': { type: 'string' },
      'trailing-logs': { type: 'string' },
      'log-level': { type: 'string' },
    },
  });
}

function parsePeer(spec: string): [string, string] {
  const m = /^([^=]+)=([^:]+):(\d+)$/.exec(spec);
  if (!m) throw new UsageError(`--peer: "${spec}" is not ID=HOST:PORT`);
  const [, id, host, p] = m as unknown as [string, string, string, string];
  if (!NODE_ID.test(id)) throw new UsageError(`--peer: "${id}" is not a valid server id`);
  if (!isIPv4(host) && host !== 'localhost') throw new UsageError(`--peer: "${host}" is not an IPv4 address`);
  return [id, `${host}:${port(p, '--peer', 0)}`];
}

function port(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535)
    throw new UsageError(`${flag}: "${raw}" is not a port (1-65535)`);
  return n;
}

function positiveInt(raw: string, flag: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || !Number.isSafeInteger(n)) {
    throw new UsageError(`${flag}: "${raw}" is not a positive integer`);
  }
  return n;
}

function isIPv4(s: string): boolean {
  const m = IPV4.exec(s);
  return m?.slice(1).every((o) => Number(o) <= 255) ?? false;
}

function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}
