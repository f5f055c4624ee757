import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SessionTracker } from '../../src/health/session-tracker.js';
import type { Session } from '../../src/state/kv-types.js';
import { mulberry32, seedArb } from '../state/support.js';

const TTL = 10_000;

function session(id: string, ttlMs = TTL): Session {
  return {
    id,
    name: id,
    node: 'n1',
    lockDelayMs: 15_000,
    behavior: 'release',
    ttlMs,
    nodeChecks: [],
    serviceChecks: [],
    createIndex: 1,
    modifyIndex: 1,
  };
}

describe('SessionTracker', () => {
  it('sync gives a new session twice its TTL from now', () => {
    const t = new SessionTracker();
    t.sync([session('a')], 5_000);
    expect(t.size).toBe(1);
    expect(t.expire(5_000 + 2 * TTL - 1)).toEqual([]);
    expect(t.expire(5_000 + 2 * TTL)).toEqual(['a']);
  });

  it('each session gets its own TTL', () => {
    const t = new SessionTracker();
    t.sync([session('short', 1_000), session('long', 60_000)], 0);
    expect(t.expire(1_999)).toEqual([]);
    expect(t.expire(2_000)).toEqual(['short']);
    expect(t.expire(119_999)).toEqual([]);
    expect(t.expire(120_000)).toEqual(['long']);
  });

  it('sessions without a TTL are not tracked and cannot be renewed', () => {
    const t = new SessionTracker();
    t.sync([session('none', 0), session('a')], 0);
    expect(t.size).toBe(1);
    expect(t.renew('none', 1)).toBe(false);
    expect(t.expire(Number.MAX_SAFE_INTEGER)).toEqual(['a']);
  });

  it('renew moves the deadline to twice the TTL from the renewal', () => {
    const t = new SessionTracker();
    t.sync([session('a')], 0);
    expect(t.renew('a', 15_000)).toBe(true);
    expect(t.expire(2 * TTL)).toEqual([]);
    expect(t.expire(15_000 + 2 * TTL - 1)).toEqual([]);
    // A renewal can also bring the deadline earlier than a later one would (it is "now + 2xTTL").
    expect(t.renew('a', 16_000)).toBe(true);
    expect(t.expire(16_000 + 2 * TTL - 1)).toEqual([]);
    expect(t.expire(16_000 + 2 * TTL)).toEqual(['a']);
  });

  it('renew of an unknown (or already expired) session answers false and tracks nothing', () => {
    const t = new SessionTracker();
    expect(t.renew('ghost', 0)).toBe(false);
    expect(t.size).toBe(0);
    t.sync([session('a')], 0);
    expect(t.expire(2 * TTL)).toEqual(['a']);
    expect(t.renew('a', 2 * TTL)).toBe(false);
    expect(t.size).toBe(0);
  });

  it('expire reports each session once', () => {
    const t = new SessionTracker();
    t.sync([session('a'), session('b'), session('c', 3 * TTL)], 0);
    expect(t.expire(2 * TTL).sort()).toEqual(['a', 'b']);
    expect(t.expire(2 * TTL)).toEqual([]);
    expect(t.expire(10 * TTL)).toEqual(['c']);
    expect(t.expire(100 * TTL)).toEqual([]);
    expect(t.size).toBe(0);
  });

  it('a later sync keeps the deadlines of sessions it already tracks', () => {
    const t = new SessionTracker();
    t.sync([session('a')], 0);
    t.sync([session('a'), session('b')], 15_000);
    expect(t.size).toBe(2);
    expect(t.expire(2 * TTL)).toEqual(['a']);
    expect(t.expire(15_000 + 2 * TTL - 1)).toEqual([]);
    expect(t.expire(15_000 + 2 * TTL)).toEqual(['b']);
  });

  it('a sync after an expiry tracks the session again only if it is still listed', () => {
    const t = new SessionTracker();
    t.sync([session('a')], 0);
    expect(t.expire(2 * TTL)).toEqual(['a']);
    // The sessionEnd is still in flight: the state still lists it, so it is re-armed with a full 2xTTL.
    t.sync([session('a')], 2 * TTL);
    expect(t.expire(2 * TTL)).toEqual([]);
    expect(t.expire(4 * TTL)).toEqual(['a']);
  });

  it('sessions no longer listed are dropped on sync (never reported)', () => {
    const t = new SessionTracker();
    t.sync([session('a'), session('b'), session('c')], 0);
    t.sync([session('b')], 1);
    expect(t.size).toBe(1);
    expect(t.renew('a', 2)).toBe(false);
    expect(t.expire(Number.MAX_SAFE_INTEGER)).toEqual(['b']);
    t.sync([session('x')], 0);
    t.sync([], 0);
    expect(t.size).toBe(0);
    expect(t.expire(Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  it('clear forgets everything (a new leader starts over)', () => {
    const t = new SessionTracker();
    t.sync([session('a')], 0);
    t.clear();
    expect(t.size).toBe(0);
    expect(t.expire(Number.MAX_SAFE_INTEGER)).toEqual([]);
    t.sync([session('a')], 50_000);
    expect(t.expire(50_000 + 2 * TTL - 1)).toEqual([]);
    expect(t.expire(50_000 + 2 * TTL)).toEqual(['a']);
  });

  it('random renew/expire/sync schedules match a simple deadline model', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const rnd = mulberry32(seed);
        const t = new SessionTracker();
        const ids = ['a', 'b', 'c', 'd'];
        const ttl: Record<string, number> = { a: 1_000, b: 2_500, c: 0, d: 7_000 };
        const model = new Map<string, number>();
        let listed = new Set(ids);
        let now = 0;
        const log: string[] = [];
        const msg = () => `seed ${seed}: ${log.slice(-6).join(', ')}`;
        for (let step = 0; step < 60; step++) {
          now += Math.floor(rnd() * 3_000);
          const r = rnd();
          if (r < 0.4) {
            const id = ids[Math.floor(rnd() * ids.length)] as string;
            log.push(`renew ${id} @${now}`);
            const tracked = model.has(id);
            if (tracked) model.set(id, now + 2 * (ttl[id] as number));
            expect(t.renew(id, now), msg()).toBe(tracked);
          } else if (r < 0.8) {
            log.push(`expire @${now}`);
            const due = [...model].filter(([, d]) => d <= now).map(([id]) => id);
            for (const id of due) model.delete(id);
            expect(t.expire(now).sort(), msg()).toEqual(due.sort());
          } else {
            listed = new Set(ids.filter(() => rnd() < 0.7));
            log.push(`sync [${[...listed]}] @${now}`);
            for (const id of [...model.keys()]) if (!listed.has(id)) model.delete(id);
            for (const id of listed) {
              const ms = ttl[id] as number;
              if (ms > 0 && !model.has(id)) model.set(id, now + 2 * ms);
            }
            t.sync(
              [...listed].map((id) => session(id, ttl[id])),
              now,
            );
          }
          expect(t.size, msg()).toBe(model.size);
        }
      }),
      { numRuns: 200 },
    );
  });
});
