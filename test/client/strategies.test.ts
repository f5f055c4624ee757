import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLIENT_STRATEGIES, type Endpoint, type LoadView, Picker } from '../../src/client/index.js';
import { endpoint, rng } from './support.js';

const noLoad: LoadView = { inflight: () => 0, latencyMs: () => null };

function counts(picks: (Endpoint | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of picks) if (p) out[p.id] = (out[p.id] ?? 0) + 1;
  return out;
}

const three = [endpoint('n1/a'), endpoint('n1/b'), endpoint('n1/c')];

describe('client pickers', () => {
  it('round robin visits every instance once per cycle, whatever the input order', () => {
    const p = new Picker('round_robin', 'g', rng(1), noLoad);
    const picks = Array.from({ length: 6 }, (_, i) => p.pick(i % 2 ? [...three].reverse() : three, 0)?.id);
    expect(picks).toEqual(['n1/a', 'n1/b', 'n1/c', 'n1/a', 'n1/b', 'n1/c']);
  });

  it('weighted picks in proportion to Weights.Passing (Weights.Warning when warning)', () => {
    const eps = [
      endpoint('n1/a', { weights: { passing: 5, warning: 1 } }),
      endpoint('n1/b', { weights: { passing: 1, warning: 1 } }),
      endpoint('n1/c', { weights: { passing: 4, warning: 2 }, status: 'warning' }),
    ];
    const p = new Picker('weighted', 'g', rng(2), noLoad);
    expect(counts(Array.from({ length: 800 }, () => p.pick(eps, 0)))).toEqual({
      'n1/a': 500,
      'n1/b': 100,
      'n1/c': 200,
    });
  });

  it('least outstanding prefers the instance with fewer calls in flight', () => {
    const inflight: Record<string, number> = { 'n1/a': 5, 'n1/b': 0, 'n1/c': 5 };
    const load: LoadView = { inflight: (id) => inflight[id] ?? 0, latencyMs: () => null };
    const p = new Picker('least_outstanding', 'g', rng(3), load);
    const c = counts(Array.from({ length: 300 }, () => p.pick(three, 0)));
    // Power of two choices: b wins every pair it is in (2/3 of pairs), never the loser otherwise.
    expect(c['n1/b']).toBeGreaterThan(150);
    expect(c['n1/b']).toBeGreaterThan((c['n1/a'] ?? 0) + (c['n1/c'] ?? 0));
  });

  it('least latency prefers low observed latency and tries unmeasured instances', () => {
    const lat: Record<string, number | null> = { 'n1/a': 100, 'n1/b': 5, 'n1/c': null };
    const load: LoadView = { inflight: () => 0, latencyMs: (id) => lat[id] ?? null };
    const p = new Picker('least_latency', 'g', rng(4), load);
    const c = counts(Array.from({ length: 300 }, () => p.pick(three, 0)));
    expect(c['n1/a'] ?? 0).toBe(0);
    expect(c['n1/c']).toBeGreaterThan(0);
    expect(c['n1/b']).toBeGreaterThan(0);
  });

  it('least latency weighs in-flight calls, so a burst spreads', () => {
    const load: LoadView = {
      inflight: (id) => (id === 'n1/b' ? 10 : 0),
      latencyMs: (id) => (id === 'n1/b' ? 5 : 20),
    };
    const p = new Picker('least_latency', 'g', rng(5), load);
    const c = counts(Array.from({ length: 300 }, () => p.pick(three, 0)));
    expect(c['n1/b'] ?? 0).toBe(0);
  });

  it('hash keeps a key on its instance, and only keys of a departed instance move', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string(), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 2 }),
        (keys, gone) => {
          const p = new Picker('hash', 'g', rng(6), noLoad);
          const before = keys.map((k) => p.pick(three, 0, k)?.id);
          expect(keys.map((k) => p.pick(three, 0, k)?.id)).toEqual(before);
          const left = three.filter((_, i) => i !== gone);
          keys.forEach((k, i) => {
            const now = p.pick(left, 0, k)?.id;
            if (before[i] !== three[gone]?.id) expect(now).toBe(before[i]);
            else expect(now).not.toBe(before[i]);
          });
        },
      ),
    );
  });

  it('priority serves the lowest Meta.priority group present, backups only when it is empty', () => {
    const eps = [
      endpoint('n1/p1', { meta: { priority: '0' } }),
      endpoint('n1/p2', { meta: { priority: '0' } }),
      endpoint('n1/b1', { meta: { priority: '1' } }),
    ];
    const p = new Picker('priority', 'g', rng(7), noLoad);
    const c = counts(Array.from({ length: 100 }, () => p.pick(eps, 0)));
    expect(c).toEqual({ 'n1/p1': 50, 'n1/p2': 50 });
    expect(p.pick(eps.slice(2), 0)?.id).toBe('n1/b1');
  });

  it('every strategy returns a member of the list, undefined for none, and replays with the same seed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CLIENT_STRATEGIES),
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 12 }),
        fc.integer(),
        (strategy, ids, seed) => {
          const eps = ids.map((id) =>
            endpoint(`n/${id}`, { weights: { passing: (id.length % 3) + 1, warning: 1 } }),
          );
          const load: LoadView = { inflight: (id) => id.length % 2, latencyMs: (id) => id.length * 3 };
          const run = () => {
            const p = new Picker(strategy, 'g', rng(seed), load);
            return Array.from({ length: 20 }, (_, i) => p.pick(eps, i, `k${i}`)?.id);
          };
          const a = run();
          for (const id of a) {
            if (eps.length === 0) expect(id).toBeUndefined();
            else expect(eps.map((e) => e.id)).toContain(id);
          }
          expect(run()).toEqual(a);
        },
      ),
    );
  });
});
