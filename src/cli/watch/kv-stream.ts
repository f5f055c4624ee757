/**
 * `cairn kv watch` over the WebSocket stream: the key's (or prefix's) state
 * kept from a snapshot plus changes, printed after every event exactly as
 * the long-poll watch prints its answers.
 */
import type { KvPair } from '../kv/client.js';
import { decodeValue, messages, recurseLines, valueLine } from '../kv/format.js';
import type { StreamEvent } from './stream.js';

export interface KvView {
  readonly pairs: Map<string, KvPair>;
  lastFound: boolean | null;
}

export function newKvView(): KvView {
  return { pairs: new Map(), lastFound: null };
}

/** Applies one event; returns what to print (null: nothing). */
export function kvEventOutput(
  view: KvView,
  e: StreamEvent,
  key: string,
  recurse: boolean,
): Uint8Array | string | null {
  if (e.event === 'snapshot') {
    view.pairs.clear();
    for (const p of (e.kv as KvPair[] | undefined) ?? []) view.pairs.set(p.Key, p);
  } else if (e.event === 'change') {
    const d = e.kv as { put: KvPair[]; delete: string[] } | undefined;
    for (const p of d?.put ?? []) view.pairs.set(p.Key, p);
    for (const k of d?.delete ?? []) view.pairs.delete(k);
  } else {
    return null;
  }
  if (recurse) {
    const pairs = [...view.pairs.values()].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
    return pairs.length === 0 ? `${messages.noKeys404}\n` : recurseLines(pairs);
  }
  const p = view.pairs.get(key);
  const found = p !== undefined;
  // Like the long-poll watch: a "(deleted)" line is not repeated.
  if (!found && view.lastFound === false) return null;
  view.lastFound = found;
  return p ? valueLine(decodeValue(p.Value)) : `${messages.deleted404}\n`;
}
