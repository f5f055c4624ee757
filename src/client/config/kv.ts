import { encodePath } from '../http/transport.js';
import type { FeedSpec } from '../watch/feed.js';
import type { Item } from '../watch/view.js';
import { arr, num, obj, optNum, parseJson, str } from '../wire.js';

/** One config key as stored. */
export interface ConfigEntry {
  readonly key: string;
  /** The value as UTF-8 text. */
  readonly value: string;
  readonly flags: number;
  /** The Raft index of the write that last changed it (for `set(..., { cas })`). */
  readonly modifyIndex: number;
}

export function entryFromJson(v: unknown): ConfigEntry {
  const o = obj(v, 'kv entry');
  const b64 = o.Value;
  return {
    key: str(o, 'Key', 'kv entry'),
    value: typeof b64 === 'string' ? Buffer.from(b64, 'base64').toString('utf8') : '',
    flags: optNum(o, 'Flags', 0),
    modifyIndex: num(o, 'ModifyIndex', 'kv entry'),
  };
}

export function entriesFromText(text: string): ConfigEntry[] {
  return arr(parseJson(text, 'kv list'), 'kv list').map(entryFromJson);
}

function item(e: ConfigEntry): Item<ConfigEntry> {
  return { id: e.key, value: e, sig: `${e.modifyIndex}` };
}

/** Watches one key, or every key under a prefix (`recurse`). */
export function kvFeedSpec(key: string, recurse: boolean): FeedSpec<ConfigEntry> {
  return {
    what: `config ${recurse ? 'prefix' : 'key'} "${key}"`,
    subscription: () => ({ kind: 'kv', key, recurse }),
    snapshot: (m) => arr(m.body.kv, 'snapshot.kv').map((e) => item(entryFromJson(e))),
    change: (m) => {
      const kv = obj(m.body.kv, 'change.kv');
      return {
        upsert: arr(kv.put, 'change.kv.put').map((e) => item(entryFromJson(e))),
        remove: arr(kv.delete, 'change.kv.delete').filter((k): k is string => typeof k === 'string'),
      };
    },
    poll: () => ({ path: `/v1/kv/${encodePath(key)}`, query: { recurse } }),
    pollItems: (a) => (a.status === 404 ? [] : entriesFromText(a.text).map(item)),
  };
}
