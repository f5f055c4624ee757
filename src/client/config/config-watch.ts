import type { CairnError } from '../errors.js';
import type { Feed, FeedUpdate } from '../watch/feed.js';
import type { ConfigEntry } from './kv.js';
import { LastGood } from './last-good.js';
import type { Parser } from './parsers.js';

export interface ConfigUpdate<T> {
  /** The index of the state this update reflects. */
  readonly index: number;
  /** The watched key or prefix. */
  readonly key: string;
  /** For a key watch, its value (undefined when it does not exist or never parsed); for a prefix, undefined. */
  readonly value: T | undefined;
  /** Every watched key's last good value (at most one for a key watch). */
  readonly values: ReadonlyMap<string, T>;
  /** Keys with a new good value in this update. */
  readonly changed: readonly string[];
  /** Keys deleted in this update. */
  readonly deleted: readonly string[];
}

/**
 * A live view of one config key or prefix, parsed. The callback runs with the first state and
 * then once per change; a value that fails to parse is reported to `onError` and its key keeps
 * its last good value (no callback when nothing else changed).
 */
export class ConfigWatch<T> {
  readonly #parsed = new Map<string, LastGood<T>>();
  readonly #values = new Map<string, T>();
  #index = 0;
  readonly ready: Promise<void>;

  constructor(
    readonly key: string,
    readonly recurse: boolean,
    private readonly feed: Feed<ConfigEntry>,
    private readonly parse: Parser<T>,
    private readonly callback: (u: ConfigUpdate<T>) => void,
    private readonly onError: (e: CairnError) => void,
    private readonly onClose: () => void,
  ) {
    this.ready = feed.ready;
  }

  /** The key's last good value (key watches). */
  get value(): T | undefined {
    return this.#values.get(this.key);
  }

  get values(): ReadonlyMap<string, T> {
    return this.#values;
  }

  get index(): number {
    return this.#index;
  }

  /** How the watch is kept current right now. */
  get mode(): 'websocket' | 'long-poll' {
    return this.feed.mode;
  }

  close(): void {
    this.feed.close();
    this.onClose();
  }

  /** @internal Called by the feed. */
  update(u: FeedUpdate<ConfigEntry>): void {
    this.#index = u.index;
    const changed: string[] = [];
    const deleted: string[] = [];
    for (const key of [...u.upserted, ...u.removed]) {
      const entry = u.items.get(key);
      if (entry === undefined) {
        this.#parsed.delete(key);
        if (this.#values.delete(key)) deleted.push(key);
        continue;
      }
      let lg = this.#parsed.get(key);
      if (!lg) {
        lg = new LastGood(this.parse, key);
        this.#parsed.set(key, lg);
      }
      const r = lg.update(entry.value);
      if (r.ok) {
        if (r.changed || !this.#values.has(key)) {
          this.#values.set(key, r.value);
          changed.push(key);
        }
      } else {
        this.onError(r.error);
      }
    }
    if (!u.first && changed.length === 0 && deleted.length === 0) return;
    this.callback({
      index: u.index,
      key: this.key,
      value: this.recurse ? undefined : this.#values.get(this.key),
      values: this.#values,
      changed,
      deleted,
    });
  }
}
