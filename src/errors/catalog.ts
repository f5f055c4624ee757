import type { AclErrorCode } from '../acl/index.js';
import type { RaftErrorCode, StorageErrorCode, TransportErrorCode } from '../raft/index.js';
import type { ServerErrorCode } from '../server/index.js';
import type { StateErrorCode } from '../state/index.js';
import type { CliErrorCode, FilterErrorCode, HttpErrorCode } from './codes.js';

/** Every error code of every module. Each module owns its list; this catalog maps them all. */
export type ErrorCode =
  | HttpErrorCode
  | FilterErrorCode
  | ServerErrorCode
  | StateErrorCode
  | RaftErrorCode
  | TransportErrorCode
  | StorageErrorCode
  | AclErrorCode
  | CliErrorCode;

export interface ErrorInfo {
  /** The HTTP status it is answered with; null for errors that never reach HTTP as themselves. */
  readonly status: number | null;
  /** The CLI's exit status, for the CLI's errors. */
  readonly exit?: number;
  /** The parameter every message of this code is about; the catalog adds `field: ` once. */
  readonly field?: string;
  readonly meaning: string;
}

/**
 * The one table of error codes: status, and the only prefix added to messages.
 * docs/errors.md lists the same codes (test/errors/catalog.test.ts compares them).
 * Messages Consul clients parse keep Consul's wording, so their codes add no prefix.
 */
export const ERROR_CATALOG: Readonly<Record<ErrorCode, ErrorInfo>> = {
  // HTTP API: requests
  HTTP_INVALID_FIELD: {
    status: 400,
    meaning: 'A query parameter or body field is not valid; the message names it.',
  },
  HTTP_MISSING_PARAM: {
    status: 400,
    meaning: 'A required part of the request is missing (Consul wording: "Missing key name").',
  },
  HTTP_CONFLICTING_PARAMS: {
    status: 400,
    meaning:
      'Parameters that exclude each other were given together (Consul wording: "Conflicting flags: ...", "Cannot specify ?stale with ?consistent, ...").',
  },
  HTTP_INVALID_INDEX: {
    status: 400,
    meaning: '`?index` is not a non-negative integer (Consul: "Invalid index").',
  },
  HTTP_INVALID_WAIT: {
    status: 400,
    meaning: '`?wait` is not a non-negative duration (Consul: "Invalid wait time").',
  },
  HTTP_UNKNOWN_ENDPOINT: {
    status: 404,
    meaning: 'No such endpoint (Consul: "Invalid URL path: not a recognized HTTP API endpoint").',
  },
  HTTP_METHOD_NOT_ALLOWED: {
    status: 405,
    meaning: 'The path exists but not with this method; the `Allow` header lists those it takes.',
  },
  HTTP_BODY_TOO_LARGE: { status: 413, meaning: 'The request body is larger than the server accepts.' },
  HTTP_CLIENT_LIMIT: {
    status: 429,
    meaning:
      'The client address already holds as many blocking queries or watch sockets as the server allows (`--http-max-blocking-per-client`, `--watch-max-connections-per-client`); retry once one has ended.',
  },
  HTTP_MALFORMED_REQUEST: {
    status: 400,
    meaning:
      "fastify refused the request before routing (a malformed URL or Content-Length); answered with fastify's 4xx, 400 in practice.",
  },
  HTTP_INTERNAL: { status: 500, meaning: 'A failure the server did not expect; it is logged.' },
  // HTTP API: areas
  AGENT_UNKNOWN_SERVICE: { status: 404, meaning: 'No service instance has the ID given (Consul wording).' },
  AGENT_UNKNOWN_CHECK: { status: 404, meaning: 'No check has the ID given (Consul wording).' },
  AGENT_CHECK_NOT_TTL: {
    status: 500,
    meaning:
      'A TTL update (pass/warn/fail/update) for a check without a TTL. 500 and "does not have associated TTL" as Consul: heartbeat libraries match on it.',
  },
  KV_VALUE_TOO_LARGE: { status: 413, meaning: 'A KV value is larger than `--kv-max-value-bytes`.' },
  KV_NO_SUCH_VERSION: { status: 404, meaning: '`?rollback` names a version the key has not kept.' },
  TXN_TOO_MANY_OPS: { status: 413, meaning: 'A transaction has more than 64 operations.' },
  TXN_VALUE_TOO_LARGE: { status: 413, meaning: "A transaction operation's value is too large." },
  TXN_NO_RESULTS: { status: 500, meaning: 'A transaction was applied but answered without results (a bug).' },
  SESSION_NOT_FOUND: { status: 404, meaning: 'No session has the ID given.' },
  HTTP_ACL_DISABLED: {
    status: 401,
    meaning:
      'An ACL endpoint while access control is off (Consul: "ACL support disabled"); clients read it as "no ACLs here".',
  },
  HTTP_COORDINATES_DISABLED: {
    status: 401,
    meaning:
      'A coordinate update: cairn has no gossip, so no network coordinates (Consul with `disable_coordinates`: "Coordinate support disabled").',
  },
  OPERATOR_UNKNOWN_PEER: {
    status: 404,
    meaning: 'No server in the Raft configuration has the address given.',
  },
  FILTER_SYNTAX: {
    status: 400,
    field: 'filter',
    meaning: 'The `?filter=` expression cannot be compiled; the message says what and at which column.',
  },
  // Server: what a server answers its callers (HTTP, DNS)
  SERVER_NO_LEADER: {
    status: 500,
    meaning: 'No leader is known or reachable now (Consul: "No cluster leader").',
  },
  SERVER_NOT_FOUND: {
    status: 404,
    meaning: 'The thing named (a check, a session, a server) does not exist.',
  },
  SERVER_INVALID: { status: 400, meaning: 'The request cannot be applied as given.' },
  SERVER_NOT_TTL: {
    status: 500,
    meaning:
      'A TTL update for a check without a TTL, found by the leader (same wording as AGENT_CHECK_NOT_TTL).',
  },
  SERVER_UNKNOWN_OUTCOME: {
    status: 503,
    meaning:
      'A write may or may not have been applied (a timeout, the leader lost mid-write); read before retrying.',
  },
  SERVER_UNAVAILABLE: {
    status: 503,
    meaning: 'The server is stopping, behind or overloaded; retry, or use another.',
  },
  // State machine: commands it refused
  STATE_NOT_FOUND: {
    status: 404,
    meaning: 'A command names something that does not exist (a node, a session).',
  },
  STATE_INVALID: {
    status: 400,
    meaning: 'A command the state machine refused as invalid; the message says why.',
  },
  STATE_QUOTA_EXCEEDED: {
    status: 403,
    meaning:
      'A write would take the KV store past `--kv-max-keys` keys or the catalog past `--catalog-max-instances` service instances; nothing was changed.',
  },
  // Raft: seen by the server, which answers with a SERVER_* code instead
  RAFT_NOT_LEADER: {
    status: null,
    meaning: 'This server does not lead; the command surely did not enter the log.',
  },
  RAFT_DROPPED: {
    status: null,
    meaning: 'Refused or replaced before it could commit; it surely never takes effect.',
  },
  RAFT_UNKNOWN_OUTCOME: {
    status: null,
    meaning: 'It may or may not take effect (timeout, shutdown). Answered as SERVER_UNKNOWN_OUTCOME.',
  },
  RAFT_READ_TIMEOUT: {
    status: null,
    meaning: 'A read barrier was not confirmed in time (no quorum). Answered as SERVER_NO_LEADER.',
  },
  RAFT_BAD_MEMBERSHIP: {
    status: null,
    meaning: 'A membership change that is not allowed now. Answered as SERVER_INVALID.',
  },
  RAFT_STOPPED: { status: null, meaning: 'The Raft node is stopped. Answered as SERVER_UNAVAILABLE.' },
  // Raft transport: between servers
  TRANSPORT_UNKNOWN_PEER: { status: null, meaning: 'No address is known for the peer; nothing was sent.' },
  TRANSPORT_UNREACHABLE: { status: null, meaning: 'The peer cannot be reached; nothing was sent.' },
  TRANSPORT_OVERLOADED: { status: null, meaning: 'The connection to the peer is full; nothing was sent.' },
  TRANSPORT_TIMEOUT: { status: null, meaning: 'No reply in time; the request may have reached the peer.' },
  TRANSPORT_CONNECTION_LOST: {
    status: null,
    meaning: 'The connection dropped with the request in flight; it may have reached the peer.',
  },
  TRANSPORT_CLOSED: { status: null, meaning: 'The transport is closed; nothing was sent.' },
  TRANSPORT_REMOTE: { status: null, meaning: "The peer's handler failed; the message is the peer's." },
  // Raft storage
  STORAGE_CORRUPT: {
    status: null,
    meaning: 'Stored bytes this module cannot have written: a damaged or foreign data directory.',
  },
  STORAGE_CLOSED: { status: null, meaning: 'A call on a storage that is closed or was never opened.' },
  STORAGE_DIR_GONE: {
    status: null,
    meaning: 'The data directory or its marker file no longer exists: the server halts (fatal).',
  },
  STORAGE_DIR_REPLACED: {
    status: null,
    meaning: 'Another directory (or marker file) now sits at the data directory path: the server halts.',
  },
  STORAGE_NOT_WRITABLE: {
    status: null,
    meaning: 'The data directory or its marker can no longer be written: the server halts.',
  },
  STORAGE_IO_ERROR: { status: null, meaning: 'A storage write or check failed otherwise: the server halts.' },
  // ACL rules engine: policies refused when written
  ACL_RULES_SYNTAX: {
    status: 400,
    field: 'Rules',
    meaning: 'The rules do not parse as HCL or JSON; the message gives the line and column.',
  },
  ACL_UNKNOWN_RESOURCE: {
    status: 400,
    field: 'Rules',
    meaning:
      'A rule names a resource the rules language does not have; the message gives the line and lists the known ones.',
  },
  ACL_INVALID_ACCESS: {
    status: 400,
    field: 'Rules',
    meaning:
      'A `policy` or `intentions` value is not an access level the rule takes (`read`, `write`, `deny`; `list` on key rules only); the message gives the line and the rule.',
  },
  ACL_INVALID_RULE: {
    status: 400,
    field: 'Rules',
    meaning:
      'A rule of the wrong shape: no label, two labels, an unknown attribute; the message gives the line and the rule.',
  },
  ACL_RULES_TOO_LARGE: {
    status: 400,
    field: 'Rules',
    meaning: 'The rules are longer than 128 KiB or hold more than 2,000 rules.',
  },
  ACL_INVALID_IDENTITY: {
    status: 400,
    meaning:
      "A service or node identity's name is not lower-case letters, digits, '-' and '_' (Consul's rule); the message starts with the field (`ServiceName` or `NodeName`).",
  },
  // CLI
  CLI_USAGE: {
    status: null,
    exit: 2,
    meaning: 'The command was invoked wrongly (unknown flag, missing argument).',
  },
  CLI_NOT_FOUND: { status: null, exit: 1, meaning: 'The key, version or prefix does not exist.' },
  CLI_CAS_FAILED: { status: null, exit: 1, meaning: 'A check-and-set the server answered `false`.' },
  CLI_SERVER_REFUSED: { status: null, exit: 1, meaning: 'The server answered with an error status.' },
  CLI_CONNECTION: {
    status: null,
    exit: 2,
    meaning: 'No answer from the server (refused, unresolvable, timed out, not speaking our HTTP).',
  },
  CLI_REFUSED: {
    status: null,
    exit: 1,
    meaning: 'A write the server answered `false` without a CAS to blame.',
  },
  CLI_HALTED: {
    status: null,
    exit: 1,
    meaning:
      'The agent halted on a failure it cannot recover from (its storage failed); see the fatal log line.',
  },
};

/** The message sent for an error: `detail`, after the field it is about (given, or the code's). */
export function errorText(code: ErrorCode, detail: string, field?: string): string {
  const f = field ?? ERROR_CATALOG[code].field;
  return f === undefined ? detail : `${f}: ${detail}`;
}

/** The HTTP status of a code; codes that never reach HTTP as themselves are internal errors. */
export function httpStatus(code: ErrorCode): number {
  return ERROR_CATALOG[code].status ?? 500;
}
