/**
 * The WebSocket watch protocol (GET /v1/watch): what clients send, checked
 * here without I/O. Every problem is a plain message naming the field.
 */
import { isStrategyName, type StrategyName } from '../../balance/index.js';
import { HEALTH_STATUSES } from '../../state/index.js';

export type WatchKind = 'kv' | 'service' | 'services' | 'checks' | 'nodes';
export const WATCH_KINDS: readonly WatchKind[] = ['kv', 'service', 'services', 'checks', 'nodes'];

export interface Subscription {
  readonly id: string;
  readonly kind: WatchKind;
  /** kv: the key or prefix; service: the service name; checks: the service whose checks (or ""). */
  readonly key: string;
  readonly recurse: boolean;
  readonly passing: boolean;
  readonly tag: string | null;
  readonly lb: StrategyName | null;
  /** checks: only checks in this state. */
  readonly state: string | null;
  /** Resume after this index; null = start with a snapshot. */
  readonly index: number | null;
  readonly token: string | null;
}

export type ClientMessage =
  | { readonly op: 'subscribe'; readonly sub: Subscription }
  | { readonly op: 'unsubscribe'; readonly id: string }
  | { readonly op: 'ping' };

export class ProtocolError extends Error {
  constructor(
    readonly id: string | null,
    message: string,
  ) {
    super(message);
  }
}

const MAX_ID = 128;

export function parseClientMessage(text: string): ClientMessage {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ProtocolError(null, 'message: not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ProtocolError(null, 'message: expected a JSON object');
  const m = v as Record<string, unknown>;
  const id = typeof m.id === 'string' ? m.id : null;
  switch (m.op) {
    case 'ping':
      return { op: 'ping' };
    case 'unsubscribe':
      if (id === null || id === '') throw new ProtocolError(null, 'id: required');
      return { op: 'unsubscribe', id };
    case 'subscribe':
      return { op: 'subscribe', sub: parseSubscription(m, id) };
    default:
      throw new ProtocolError(id, `op: "${String(m.op)}" is not one of subscribe, unsubscribe, ping`);
  }
}

function parseSubscription(m: Record<string, unknown>, id: string | null): Subscription {
  if (id === null || id === '' || id.length > MAX_ID)
    throw new ProtocolError(null, `id: required, at most ${MAX_ID} characters`);
  const fail = (msg: string) => new ProtocolError(id, msg);
  const kind = m.kind;
  if (typeof kind !== 'string' || !(WATCH_KINDS as readonly string[]).includes(kind)) {
    throw fail(`kind: "${String(kind)}" is not one of ${WATCH_KINDS.join(', ')}`);
  }
  const str = (name: string): string | null => {
    const x = m[name];
    if (x === undefined || x === null) return null;
    if (typeof x !== 'string') throw fail(`${name}: expected a string`);
    if (x.length > 512) throw fail(`${name}: longer than 512 characters`);
    return x;
  };
  const bool = (name: string): boolean => {
    const x = m[name];
    if (x === undefined || x === null) return false;
    if (typeof x !== 'boolean') throw fail(`${name}: expected true or false`);
    return x;
  };
  let key = str('key') ?? '';
  if (kind === 'service') key = str('service') ?? key;
  if (kind === 'checks') key = str('service') ?? key;
  if ((kind === 'kv' && key === '' && !bool('recurse')) || (kind === 'service' && key === '')) {
    throw fail(kind === 'kv' ? 'key: required (or recurse: true for every key)' : 'service: required');
  }
  const lbRaw = str('lb');
  if (lbRaw !== null && !isStrategyName(lbRaw)) throw fail(`lb: "${lbRaw}" is not a balancing strategy`);
  const state = str('state');
  if (state !== null && state !== 'any' && !(HEALTH_STATUSES as readonly string[]).includes(state)) {
    throw fail(`state: "${state}" is not one of any, passing, warning, critical`);
  }
  const rawIndex = m.index;
  let index: number | null = null;
  if (rawIndex !== undefined && rawIndex !== null) {
    if (typeof rawIndex !== 'number' || !Number.isSafeInteger(rawIndex) || rawIndex < 0) {
      throw fail('index: expected a non-negative integer');
    }
    index = rawIndex;
  }
  return {
    id,
    kind: kind as WatchKind,
    key,
    recurse: bool('recurse'),
    passing: bool('passing'),
    tag: str('tag'),
    lb: lbRaw as StrategyName | null,
    state,
    index,
    token: str('token'),
  };
}

/** Subscriptions that watch the same thing share one group (and one computation per change). */
export function groupKey(s: Subscription): string {
  return JSON.stringify([s.kind, s.key, s.recurse, s.passing, s.tag, s.lb, s.state]);
}
