import type { Clock } from '../clock.js';
import type { CairnError } from '../errors.js';
import { encodePath, type Transport } from '../http/transport.js';
import { Feed } from '../watch/feed.js';
import type { WatchSocket } from '../watch/socket.js';
import { type ConfigUpdate, ConfigWatch } from './config-watch.js';
import { type ConfigEntry, entriesFromText, kvFeedSpec } from './kv.js';
import { type Parser, parsers, runParser } from './parsers.js';

export interface WatchOptions<T> {
  /** How values are parsed (default: the text as it is). */
  readonly parse?: Parser<T>;
  /** Watch every key under `key` (default: true when `key` ends with "/"). */
  readonly recurse?: boolean;
  /** Parse failures (the key keeps its last good value) and refused watches. */
  readonly onError?: (e: CairnError) => void;
}

export interface SetOptions {
  /** Write only if the key's ModifyIndex is still this (0: only if it does not exist). */
  readonly cas?: number;
  readonly flags?: number;
}

export interface ConfigDeps {
  readonly transport: Transport;
  readonly socket: WatchSocket;
  readonly clock: Clock;
  readonly random: () => number;
  readonly pollWaitMs: number;
  readonly nextId: () => string;
  readonly track: (w: { close(): void }) => () => void;
}

/** Config: read, write and watch keys of cairn's KV store. */
export class Config {
  constructor(private readonly deps: ConfigDeps) {}

  /** The key's value, or undefined if it does not exist; with a parser, parsed (ConfigParseError if it fails). */
  get(key: string): Promise<string | undefined>;
  get<T>(key: string, parse: Parser<T>): Promise<T | undefined>;
  async get<T>(key: string, parse?: Parser<T>): Promise<T | string | undefined> {
    const e = await this.entry(key);
    if (e === undefined) return undefined;
    return parse ? runParser(parse, e.value, key) : e.value;
  }

  /** The key with its flags and ModifyIndex, or undefined. */
  async entry(key: string): Promise<ConfigEntry | undefined> {
    const a = await this.deps.transport.request({ method: 'GET', path: kvPath(key), accept: [404] });
    if (a.status === 404) return undefined;
    return entriesFromText(a.text)[0];
  }

  /** Every key under `prefix`, in key order. */
  async list(prefix: string): Promise<ConfigEntry[]> {
    const a = await this.deps.transport.request({
      method: 'GET',
      path: kvPath(prefix),
      query: { recurse: true },
      accept: [404],
    });
    return a.status === 404 ? [] : entriesFromText(a.text);
  }

  /** Writes the key; false only when a `cas` condition failed. */
  async set(key: string, value: string | Uint8Array, opts: SetOptions = {}): Promise<boolean> {
    const a = await this.deps.transport.request({
      method: 'PUT',
      path: kvPath(key),
      query: { cas: opts.cas, flags: opts.flags },
      body: value,
      // Writing the same bytes twice is harmless; a compare-and-set twice is not.
      idempotent: opts.cas === undefined,
      write: true,
    });
    return a.text.trim() === 'true';
  }

  /** Deletes the key (or every key under it with `recurse`). */
  async delete(key: string, opts: { recurse?: boolean } = {}): Promise<void> {
    await this.deps.transport.request({
      method: 'DELETE',
      path: kvPath(key),
      query: { recurse: opts.recurse },
      idempotent: true,
      write: true,
    });
  }

  /**
   * Watches a key, or a prefix (a key ending in "/", or `recurse: true`), over the WebSocket
   * stream (long polls while it is unavailable), resuming by index after reconnects.
   */
  watch(
    key: string,
    callback: (u: ConfigUpdate<string>) => void,
    opts?: WatchOptions<string>,
  ): ConfigWatch<string>;
  watch<T>(
    key: string,
    callback: (u: ConfigUpdate<T>) => void,
    opts: WatchOptions<T> & { readonly parse: Parser<T> },
  ): ConfigWatch<T>;
  watch<T>(key: string, callback: (u: ConfigUpdate<T>) => void, opts: WatchOptions<T> = {}): ConfigWatch<T> {
    const recurse = opts.recurse ?? key.endsWith('/');
    const onError = opts.onError ?? (() => {});
    let watch: ConfigWatch<T> | null = null;
    const feed = new Feed(this.deps.nextId(), kvFeedSpec(key, recurse), {
      socket: this.deps.socket,
      transport: this.deps.transport,
      clock: this.deps.clock,
      random: this.deps.random,
      pollWaitMs: this.deps.pollWaitMs,
      onUpdate: (u) => watch?.update(u),
      onError,
    });
    const parse = (opts.parse ?? parsers.string) as Parser<T>;
    let untrack = () => {};
    watch = new ConfigWatch<T>(key, recurse, feed, parse, callback, onError, () => untrack());
    untrack = this.deps.track(watch);
    feed.start();
    return watch;
  }
}

function kvPath(key: string): string {
  return `/v1/kv/${encodePath(key)}`;
}
