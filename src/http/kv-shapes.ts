/** Consul's KV and session JSON, plus cairn's history entries. */
import type { KvEntry, KvVersion, Session } from '../state/index.js';
import { formatDuration } from '../state/index.js';

export function kvJson(e: KvEntry) {
  return {
    LockIndex: e.lockIndex,
    Key: e.key,
    Flags: e.flags,
    Value: e.value.byteLength === 0 ? null : Buffer.from(e.value).toString('base64'),
    ...(e.session !== null ? { Session: e.session } : {}),
    CreateIndex: e.createIndex,
    ModifyIndex: e.modifyIndex,
  };
}

export function versionJson(key: string, v: KvVersion) {
  return {
    Key: key,
    ModifyIndex: v.index,
    Op: v.op,
    Flags: v.flags,
    Value: v.value === null || v.value.byteLength === 0 ? null : Buffer.from(v.value).toString('base64'),
    ...(v.session !== null ? { Session: v.session } : {}),
    Time: new Date(v.at).toISOString(),
    Author: v.author,
  };
}

export function sessionJson(s: Session) {
  return {
    ID: s.id,
    Name: s.name,
    Node: s.node,
    LockDelay: Math.round(s.lockDelayMs * 1e6),
    Behavior: s.behavior,
    TTL: formatDuration(s.ttlMs),
    NodeChecks: s.nodeChecks,
    ServiceChecks:
      s.serviceChecks.length === 0 ? null : s.serviceChecks.map((c) => ({ ID: c.id, Namespace: '' })),
    CreateIndex: s.createIndex,
    ModifyIndex: s.modifyIndex,
  };
}
