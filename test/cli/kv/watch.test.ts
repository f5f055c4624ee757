import { describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/cli/kv/args.js';
import { KvClient } from '../../../src/cli/kv/client.js';
import { ConnectionError, ServerError } from '../../../src/cli/kv/errors.js';
import {
  backoffMs,
  INITIAL_WATCH,
  runWatch,
  type WatchState,
  watchOutput,
  watchStep,
} from '../../../src/cli/kv/watch.js';
import { json, missing, refused, scripted } from './fake-fetch.js';

const CONN: Connection = { addr: '127.0.0.1:8500', baseUrl: 'http://127.0.0.1:8500', tls: null, token: null };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const pair = (key: string, value: string | null, index: number) => ({
  Key: key,
  Value: value === null ? null : b64(value),
  Flags: 0,
  CreateIndex: 1,
  ModifyIndex: index,
  LockIndex: 0,
});

describe('watchStep', () => {
  const at = (index: number, lastFound: boolean | null = true): WatchState => ({ index, lastFound });

  it('prints the first answer, found or not', () => {
    expect(watchStep(INITIAL_WATCH, { found: true, index: 5 })).toEqual({ state: at(5, true), print: true });
    expect(watchStep(INITIAL_WATCH, { found: false, index: 5 })).toEqual({
      state: at(5, false),
      print: true,
    });
  });

  it('prints when the index moves, not when the wait ran out at the same index', () => {
    expect(watchStep(at(5), { found: true, index: 9 })).toEqual({ state: at(9), print: true });
    expect(watchStep(at(9), { found: true, index: 9 })).toEqual({ state: at(9), print: false });
  });

  it('prints one "deleted" however often the index moves while the key is missing', () => {
    const deleted = watchStep(at(9, true), { found: false, index: 12 });
    expect(deleted).toEqual({ state: at(12, false), print: true });
    expect(watchStep(deleted.state, { found: false, index: 30 })).toEqual({
      state: at(30, false),
      print: false,
    });
    expect(watchStep(at(30, false), { found: true, index: 31 })).toEqual({
      state: at(31, true),
      print: true,
    });
  });

  it('an index that goes back resets to 0 without printing; the next answer prints', () => {
    const reset = watchStep(at(100), { found: true, index: 7 });
    expect(reset).toEqual({ state: at(0), print: false });
    expect(watchStep(reset.state, { found: true, index: 7 })).toEqual({ state: at(7), print: true });
  });
});

describe('backoffMs and watchOutput', () => {
  it('doubles from 0.5 s up to a cap of 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 100].map((n) => backoffMs(n))).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });

  it('a value line, key=value lines, or what is missing', () => {
    expect(watchOutput({ found: true, index: 3, pairs: [pair('k', 'v', 3)] }, false)).toEqual(
      new TextEncoder().encode('v\n'),
    );
    expect(
      watchOutput({ found: true, index: 3, pairs: [pair('p/a', '1', 2), pair('p/b', null, 3)] }, true),
    ).toBe('p/a=1\np/b=\n');
    expect(watchOutput({ found: false, index: 3, pairs: [] }, false)).toBe('(deleted)\n');
    expect(watchOutput({ found: false, index: 3, pairs: [] }, true)).toBe('(no keys)\n');
  });
});

async function watchWith(
  steps: Parameters<typeof scripted>[0],
  recurse = false,
): Promise<{ out: string; err: string[]; urls: string[]; code: number; sleeps: number[] }> {
  const { fetch, seen } = scripted(steps);
  const client = new KvClient(CONN, { fetch });
  const stop = new AbortController();
  let out = '';
  const err: string[] = [];
  const sleeps: number[] = [];
  const io = {
    out: (c: Uint8Array | string) => {
      out += typeof c === 'string' ? c : new TextDecoder().decode(c);
    },
    err: (line: string) => err.push(line),
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
  };
  const done = runWatch(client, { key: 'cfg/x', recurse }, io, stop.signal, 60_000);
  // Wait until the script is used up and the watch holds its last request, then stop it.
  while (steps.length > 0 || seen.length === 0) await new Promise((r) => setTimeout(r, 1));
  await new Promise((r) => setTimeout(r, 5));
  stop.abort();
  const code = await done;
  return { out, err, urls: seen.map((s) => s.url), code, sleeps };
}

describe('runWatch against a scripted server', () => {
  it('prints the current value, then each new one; waits on the last index; stops with 0', async () => {
    const r = await watchWith([
      json([pair('cfg/x', 'one', 4)], 4),
      json([pair('cfg/x', 'one', 4)], 4), // the wait ran out
      json([pair('cfg/x', 'two', 8)], 8),
      missing(9),
      missing(11), // another write moved the index, still missing
      json([pair('cfg/x', 'three', 12)], 12),
    ]);
    expect(r.out).toBe('one\ntwo\n(deleted)\nthree\n');
    expect(r.code).toBe(0);
    expect(r.urls).toEqual([
      'http://127.0.0.1:8500/v1/kv/cfg%2Fx?wait=60s',
      'http://127.0.0.1:8500/v1/kv/cfg%2Fx?index=4&wait=60s',
      'http://127.0.0.1:8500/v1/kv/cfg%2Fx?index=4&wait=60s',
      'http://127.0.0.1:8500/v1/kv/cfg%2Fx?index=8&wait=60s',
      'http://127.0.0.1:8500/v1/kv/cfg%2Fx?index=9&wait=60s',
      'http://127.0.0.1:8500/v1/kv/cfg%2Fx?index=11&wait=60s',
      'http://127.0.0.1:8500/v1/kv/cfg%2Fx?index=12&wait=60s',
    ]);
  });

  it('an index going backwards restarts from 0', async () => {
    const r = await watchWith([
      json([pair('cfg/x', 'a', 50)], 50),
      json([pair('cfg/x', 'b', 3)], 3),
      json([pair('cfg/x', 'b', 3)], 3),
    ]);
    expect(r.out).toBe('a\nb\n');
    expect(r.urls.slice(1)).toEqual([
      'http://127.0.0.1:8500/v1/kv/cfg%2Fx?index=50&wait=60s',
      'http://127.0.0.1:8500/v1/kv/cfg%2Fx?wait=60s',
      'http://127.0.0.1:8500/v1/kv/cfg%2Fx?index=3&wait=60s',
    ]);
  });

  it('retries connection errors and 5xx with growing delays, one stderr line each', async () => {
    const r = await watchWith([
      refused(),
      refused(),
      () => new Response('No cluster leader', { status: 500, headers: { 'X-Consul-Index': '1' } }),
      json([pair('cfg/x', 'back', 6)], 6),
      refused(),
    ]);
    expect(r.out).toBe('back\n');
    expect(r.err).toEqual([
      'cairn: cannot reach 127.0.0.1:8500: connect ECONNREFUSED 127.0.0.1:8500 (retrying in 500ms)',
      'cairn: cannot reach 127.0.0.1:8500: connect ECONNREFUSED 127.0.0.1:8500 (retrying in 1s)',
      'cairn: server answered 500: No cluster leader (retrying in 2s)',
      // A success resets the delay.
      'cairn: cannot reach 127.0.0.1:8500: connect ECONNREFUSED 127.0.0.1:8500 (retrying in 500ms)',
    ]);
    expect(r.sleeps).toEqual([500, 1000, 2000, 500]);
  });

  it('after a failure the next read does not block; a server behind our index is caught at once', async () => {
    const r = await watchWith([
      json([pair('cfg/x', 'a', 40)], 40),
      refused(),
      json([pair('cfg/x', 'a', 40)], 40), // the same server again: nothing new to print
      refused(),
      json([pair('cfg/x', 'z', 5)], 5), // a fresh server: index went back
      json([pair('cfg/x', 'z', 5)], 5),
    ]);
    expect(r.out).toBe('a\nz\n');
    expect(r.urls.map((u) => u.replace('http://127.0.0.1:8500/v1/kv/cfg%2Fx', ''))).toEqual([
      '?wait=60s',
      '?index=40&wait=60s',
      '?wait=60s',
      '?index=40&wait=60s',
      '?wait=60s',
      '?wait=60s',
      '?index=5&wait=60s',
    ]);
  });

  it('--recurse prints key=value lines, and "(no keys)" once', async () => {
    const r = await watchWith(
      [
        json([pair('cfg/a', '1', 2), pair('cfg/b', '2', 3)], 3),
        missing(4),
        missing(5),
        json([pair('cfg/c', '3', 6)], 6),
      ],
      true,
    );
    expect(r.out).toBe('cfg/a=1\ncfg/b=2\n(no keys)\ncfg/c=3\n');
    expect(r.urls[0]).toBe('http://127.0.0.1:8500/v1/kv/cfg%2Fx?recurse&wait=60s');
  });

  it('a 4xx is not retried: it fails the watch', async () => {
    const { fetch } = scripted([
      () => new Response('ACL not found', { status: 403, headers: { 'X-Consul-Index': '1' } }),
    ]);
    const client = new KvClient(CONN, { fetch });
    const io = { out: () => {}, err: () => {}, sleep: async () => {} };
    await expect(
      runWatch(client, { key: 'k', recurse: false }, io, new AbortController().signal),
    ).rejects.toEqual(new ServerError(403, 'ACL not found'));
  });
});

describe('KvClient requests', () => {
  it('percent-encodes the whole key, so "/", "?", "#", "%" and ".." segments arrive as written', () => {
    const c = new KvClient(CONN);
    expect(c.url('a/../b', {})).toBe('http://127.0.0.1:8500/v1/kv/a%2F..%2Fb');
    expect(c.url('sp ace?q#h%', { keys: true, separator: '/' })).toBe(
      'http://127.0.0.1:8500/v1/kv/sp%20ace%3Fq%23h%25?keys&separator=%2F',
    );
    expect(c.url('k', { cas: 0, flags: null, recurse: undefined })).toBe(
      'http://127.0.0.1:8500/v1/kv/k?cas=0',
    );
  });

  it('sends the token always, the author with writes only, the value as octets', async () => {
    const { fetch, seen } = scripted([json([pair('k', 'v', 2)], 2), json(true, 3)]);
    const c = new KvClient({ ...CONN, token: 't0k' }, { fetch, author: 'ada' });
    await c.get('k');
    expect(await c.put('k', new Uint8Array([1, 2]), { cas: 2, flags: 7 })).toBe(true);
    expect(seen[0]?.init.headers).toEqual({ 'X-Consul-Token': 't0k' });
    expect(seen[1]?.url).toBe('http://127.0.0.1:8500/v1/kv/k?cas=2&flags=7');
    expect(seen[1]?.init.method).toBe('PUT');
    expect(seen[1]?.init.headers).toEqual({
      'X-Consul-Token': 't0k',
      'X-Cairn-Author': 'ada',
      'Content-Type': 'application/octet-stream',
    });
    expect(seen[1]?.init.body).toEqual(new Uint8Array([1, 2]));
  });

  it('no answer: ConnectionError "cannot reach ADDR: reason" (refused, DNS, timeout)', async () => {
    const dns = () => () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('getaddrinfo ENOTFOUND nohost'), { code: 'ENOTFOUND' }),
      });
    };
    const both = () => () => {
      throw new TypeError('fetch failed', {
        cause: new AggregateError([new Error('connect ECONNREFUSED ::1:8500')], ''),
      });
    };
    const { fetch } = scripted([refused(), dns(), both()]);
    const c = new KvClient(CONN, { fetch });
    await expect(c.get('k')).rejects.toEqual(
      new ConnectionError('cannot reach 127.0.0.1:8500: connect ECONNREFUSED 127.0.0.1:8500'),
    );
    await expect(c.get('k')).rejects.toEqual(
      new ConnectionError('cannot reach 127.0.0.1:8500: getaddrinfo ENOTFOUND nohost'),
    );
    await expect(c.get('k')).rejects.toEqual(
      new ConnectionError('cannot reach 127.0.0.1:8500: connect ECONNREFUSED ::1:8500'),
    );
    const { fetch: silent } = scripted([]);
    const slow = new KvClient(CONN, { fetch: silent, timeoutMs: 50 });
    await expect(slow.get('k')).rejects.toEqual(
      new ConnectionError('cannot reach 127.0.0.1:8500: no answer within 50ms'),
    );
  });

  it('a refusal is a ServerError with the body on one line; not JSON is a ConnectionError', async () => {
    const { fetch } = scripted([
      () => new Response('Value exceeds 524288\nbyte limit', { status: 413 }),
      () => new Response('<html>hello</html>', { status: 200 }),
    ]);
    const c = new KvClient(CONN, { fetch });
    await expect(c.put('k', new Uint8Array(1), { cas: null, flags: null })).rejects.toEqual(
      new ServerError(413, 'Value exceeds 524288 byte limit'),
    );
    await expect(c.get('k')).rejects.toEqual(
      new ConnectionError('unexpected answer from 127.0.0.1:8500: expected JSON (is it cairn?)'),
    );
  });

  it('404s: get → null, keys → null, rollback → null', async () => {
    const { fetch } = scripted([
      missing(3),
      missing(3),
      () => new Response('key "k" has no version 9', { status: 404 }),
    ]);
    const c = new KvClient(CONN, { fetch });
    expect(await c.get('k')).toBeNull();
    expect(await c.keys('p/', '/')).toBeNull();
    expect(await c.rollback('k', 9, null)).toBeNull();
  });
});
