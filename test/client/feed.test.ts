import { afterAll, describe, expect, it } from 'vitest';
import { type ConfigUpdate, ConfigWatch } from '../../src/client/config/config-watch.js';
import { type ConfigEntry, kvFeedSpec } from '../../src/client/config/kv.js';
import { ServerPool } from '../../src/client/http/server-pool.js';
import { Transport } from '../../src/client/http/transport.js';
import { type CairnError, ConfigParseError, parsers } from '../../src/client/index.js';
import { Feed, type FeedSocket, type FeedUpdate } from '../../src/client/watch/feed.js';
import type { SocketState, SocketSubscriber } from '../../src/client/watch/socket.js';
import { watchMessage } from '../../src/client/wire.js';
import { FakeClock, rng } from './support.js';

class FakeSocket implements FeedSocket {
  state: SocketState = 'open';
  readonly subs = new Map<string, SocketSubscriber>();
  readonly resubscribed: string[] = [];
  add(id: string, s: SocketSubscriber): void {
    this.subs.set(id, s);
  }
  remove(id: string): void {
    this.subs.delete(id);
  }
  resubscribe(id: string): void {
    this.resubscribed.push(id);
  }
}

const clock = new FakeClock();
const transport = new Transport({
  pool: new ServerPool(['127.0.0.1:9'], { random: () => 0 }),
  clock,
  random: rng(1),
  attemptTimeoutMs: 100,
  deadlineMs: 100,
  connectTimeoutMs: 100,
});
afterAll(() => transport.close());

const kv = (key: string, value: string, index: number) => ({
  Key: key,
  Value: Buffer.from(value).toString('base64'),
  Flags: 0,
  CreateIndex: index,
  ModifyIndex: index,
  LockIndex: 0,
});
const msg = (o: object) => watchMessage(JSON.stringify({ id: 'f#0', ...o }));

function kvFeed(onUpdate: (u: FeedUpdate<ConfigEntry>) => void) {
  const socket = new FakeSocket();
  const errors: CairnError[] = [];
  const feed = new Feed('f', kvFeedSpec('app/', true), {
    socket,
    transport,
    clock,
    random: rng(2),
    pollWaitMs: 1000,
    onUpdate,
    onError: (e) => errors.push(e),
  });
  feed.start();
  return { feed, socket, errors };
}

describe('watch feed', () => {
  it('subscribes, applies a snapshot and changes, and resumes from the last index', () => {
    const updates: FeedUpdate<ConfigEntry>[] = [];
    const { feed, socket } = kvFeed((u) => updates.push({ ...u, items: new Map(u.items) }));
    expect(socket.subs.get('f')?.subscription()).toEqual({ kind: 'kv', key: 'app/', recurse: true });
    expect(feed.resumeIndex()).toBe(0);
    feed.onMessage(msg({ event: 'snapshot', index: 10, reset: false, kv: [kv('app/a', '1', 7)] }));
    feed.onMessage(
      msg({ event: 'change', index: 12, prevIndex: 9, kv: { put: [kv('app/b', '2', 12)], delete: [] } }),
    );
    feed.onMessage(msg({ event: 'change', index: 13, prevIndex: 12, kv: { put: [], delete: ['app/a'] } }));
    expect(updates.map((u) => [u.index, u.first, u.upserted, u.removed])).toEqual([
      [10, true, ['app/a'], []],
      [12, false, ['app/b'], []],
      [13, false, [], ['app/a']],
    ]);
    expect([...feed.items.keys()]).toEqual(['app/b']);
    expect(feed.resumeIndex()).toBe(13);
  });

  it('restarts the subscription when a change reveals a gap, and ignores replays it has seen', () => {
    const updates: number[] = [];
    const { feed, socket } = kvFeed((u) => updates.push(u.index));
    feed.onMessage(msg({ event: 'snapshot', index: 10, reset: false, kv: [] }));
    feed.onMessage(
      msg({ event: 'change', index: 9, prevIndex: 5, kv: { put: [kv('app/x', '1', 9)], delete: [] } }),
    );
    feed.onMessage(
      msg({ event: 'change', index: 20, prevIndex: 15, kv: { put: [kv('app/x', '1', 20)], delete: [] } }),
    );
    expect(socket.resubscribed).toEqual(['f']);
    expect(updates).toEqual([10]);
    expect(feed.resumeIndex()).toBe(10);
    // The server resets with a snapshot: keys it lacks are reported removed.
    feed.onMessage(msg({ event: 'snapshot', index: 30, reset: true, kv: [kv('app/y', '3', 25)] }));
    expect(updates).toEqual([10, 30]);
  });

  it('reports a refused subscription and malformed events as errors', () => {
    const { feed, errors } = kvFeed(() => {});
    feed.onMessage(msg({ event: 'error', error: 'key: longer than 512 characters' }));
    feed.onMessage(msg({ event: 'snapshot', index: 1, kv: 'nope' }));
    expect(errors.map((e) => e.code)).toEqual(['PROTOCOL', 'PROTOCOL']);
    expect(errors[0]?.message).toMatch(/longer than 512/);
  });

  it('falls back to long polls when the socket says so, and back when it opens', () => {
    const { feed } = kvFeed(() => {});
    expect(feed.mode).toBe('websocket');
    feed.onState('long-poll');
    expect(feed.mode).toBe('long-poll');
    feed.onState('open');
    expect(feed.mode).toBe('websocket');
    feed.close();
  });
});

describe('config watch on a feed', () => {
  it('parses values, keeps the last good one on a parse error, and reports deletions', () => {
    const seen: ConfigUpdate<number>[] = [];
    const errors: CairnError[] = [];
    let watch: ConfigWatch<number> | null = null;
    const { feed } = kvFeed((u) => watch?.update(u));
    watch = new ConfigWatch<number>(
      'app/',
      true,
      feed,
      parsers.number(),
      (u) => seen.push({ ...u, values: new Map(u.values) }),
      (e) => errors.push(e),
      () => {},
    );
    feed.onMessage(msg({ event: 'snapshot', index: 10, reset: false, kv: [kv('app/a', '1', 7)] }));
    feed.onMessage(
      msg({ event: 'change', index: 11, prevIndex: 10, kv: { put: [kv('app/a', 'one', 11)], delete: [] } }),
    );
    feed.onMessage(
      msg({ event: 'change', index: 12, prevIndex: 11, kv: { put: [kv('app/b', '2', 12)], delete: [] } }),
    );
    feed.onMessage(msg({ event: 'change', index: 13, prevIndex: 12, kv: { put: [], delete: ['app/a'] } }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ConfigParseError);
    expect(seen.map((u) => [u.index, [...u.values], u.changed, u.deleted])).toEqual([
      [10, [['app/a', 1]], ['app/a'], []],
      [
        12,
        [
          ['app/a', 1],
          ['app/b', 2],
        ],
        ['app/b'],
        [],
      ],
      [13, [['app/b', 2]], [], ['app/a']],
    ]);
    expect(watch.values.get('app/b')).toBe(2);
    expect(watch.index).toBe(13);
  });

  it('a key watch reports the key value, undefined when absent', () => {
    const seen: (string | undefined)[] = [];
    let watch: ConfigWatch<string> | null = null;
    const socket = new FakeSocket();
    const feed = new Feed('k', kvFeedSpec('app/name', false), {
      socket,
      transport,
      clock,
      random: rng(3),
      pollWaitMs: 1000,
      onUpdate: (u) => watch?.update(u),
      onError: () => {},
    });
    watch = new ConfigWatch(
      'app/name',
      false,
      feed,
      parsers.string,
      (u) => seen.push(u.value),
      () => {},
      () => {},
    );
    feed.start();
    const m = (o: object) => watchMessage(JSON.stringify({ id: 'k#0', ...o }));
    feed.onMessage(m({ event: 'snapshot', index: 3, reset: false, kv: [] }));
    feed.onMessage(
      m({ event: 'change', index: 4, prevIndex: 0, kv: { put: [kv('app/name', 'cairn', 4)], delete: [] } }),
    );
    feed.onMessage(m({ event: 'change', index: 5, prevIndex: 4, kv: { put: [], delete: ['app/name'] } }));
    expect(seen).toEqual([undefined, 'cairn', undefined]);
    expect(watch.value).toBeUndefined();
  });
});
