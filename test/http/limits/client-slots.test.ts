import { describe, expect, it } from 'vitest';
import { ClientLimits, ClientSlots } from '../../../src/http/limits/index.js';
import { mulberry32 } from '../../support/random.js';

describe('ClientSlots', () => {
  it('gives each address up to max slots, refuses the next, and counts addresses apart', () => {
    const s = new ClientSlots(2);
    const a1 = s.take('10.0.0.1');
    const a2 = s.take('10.0.0.1');
    expect(a1).not.toBeNull();
    expect(a2).not.toBeNull();
    expect(s.take('10.0.0.1')).toBeNull();
    expect(s.take('10.0.0.2')).not.toBeNull();
    expect(s.of('10.0.0.1')).toBe(2);
    expect(s.size).toBe(3);
    expect(s.clients).toBe(2);
    a1?.();
    expect(s.of('10.0.0.1')).toBe(1);
    expect(s.take('10.0.0.1')).not.toBeNull();
  });

  it('a release called twice frees one slot only', () => {
    const s = new ClientSlots(1);
    const r = s.take('a');
    r?.();
    r?.();
    expect(s.size).toBe(0);
    expect(s.take('a')).not.toBeNull();
    expect(s.take('a')).toBeNull();
    expect(s.size).toBe(1);
  });

  it('0 means no cap, and slots are still counted', () => {
    const s = new ClientSlots(0);
    for (let i = 0; i < 1000; i++) expect(s.take('a')).not.toBeNull();
    expect(s.of('a')).toBe(1000);
  });

  it('refuses a cap that is not a non-negative integer', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new ClientSlots(bad)).toThrow(RangeError);
    }
  });

  it('random takes and releases: never above max per address, and forgets addresses that hold nothing', () => {
    const seed = Date.now() % 1_000_000;
    const rand = mulberry32(seed);
    const max = 1 + Math.floor(rand() * 5);
    const s = new ClientSlots(max);
    const held: { client: string; release: () => void }[] = [];
    const model = new Map<string, number>();
    for (let step = 0; step < 5000; step++) {
      const client = `10.0.0.${Math.floor(rand() * 4)}`;
      if (rand() < 0.55) {
        const r = s.take(client);
        const n = model.get(client) ?? 0;
        expect(r === null, `seed ${seed} step ${step}`).toBe(n >= max);
        if (r !== null) {
          held.push({ client, release: r });
          model.set(client, n + 1);
        }
      } else if (held.length > 0) {
        const [h] = held.splice(Math.floor(rand() * held.length), 1);
        if (h === undefined) continue;
        h.release();
        model.set(h.client, (model.get(h.client) ?? 0) - 1);
      }
      const live = [...model.values()].filter((n) => n > 0);
      expect(s.clients, `seed ${seed} step ${step}`).toBe(live.length);
      expect(s.size, `seed ${seed} step ${step}`).toBe(held.length);
    }
  });
});

describe('ClientLimits', () => {
  it('takes the defaults for caps not given (undefined included) and counts refusals by reason', () => {
    const l = new ClientLimits({ maxBlockingPerClient: 5, maxWatchConnectionsPerClient: undefined });
    expect(l.blocking.max).toBe(5);
    expect(l.watchConnections.max).toBe(64);
    expect(l.watchSubscriptions.max).toBe(1000);
    l.refused('blocking');
    l.refused('blocking');
    l.refused('watch_subscriptions');
    expect(Object.fromEntries(l.refusedCounts())).toEqual({
      blocking: 2,
      watch_connections: 0,
      watch_subscriptions: 1,
      kv_keys: 0,
      instances: 0,
    });
  });
});
