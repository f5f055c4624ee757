import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WatchHub } from '../../src/state/watch-hub.js';
import { mulberry32, turn } from './support.js';

/** Turns until nothing more is pending (bounded, so a bug cannot hang the suite). */
async function settle(turns = 50): Promise<void> {
  for (let i = 0; i < turns; i++) await turn();
}

describe('WatchHub', () => {
  it('wakes only the waiters of touched topics, once, with the index, asynchronously', async () => {
    const hub = new WatchHub();
    const woke: [string, number][] = [];
    hub.wait(['a'], (i) => woke.push(['A', i]));
    hub.wait(['b'], (i) => woke.push(['B', i]));
    hub.wait(['a', 'b'], (i) => woke.push(['AB', i]));
    hub.wait(['c'], (i) => woke.push(['C', i]));
    expect(hub.size).toBe(4);
    hub.notify(['a', 'b'], 7);
    expect(woke).toEqual([]); // not synchronously
    await settle();
    expect(woke.sort()).toEqual([
      ['A', 7],
      ['AB', 7],
      ['B', 7],
    ]);
    expect(hub.size).toBe(1);
    // Woken waiters are gone: touching again wakes nobody new.
    hub.notify(['a', 'b'], 8);
    await settle();
    expect(woke).toHaveLength(3);
    hub.notify(new Set(['c']), 9);
    await settle();
    expect(woke).toContainEqual(['C', 9]);
    expect(hub.size).toBe(0);
  });

  it('a waiter notified twice before it runs wakes once, with the first index', async () => {
    const hub = new WatchHub();
    const seen: number[] = [];
    hub.wait(['a', 'b'], (i) => seen.push(i));
    hub.notify(['a'], 3);
    hub.notify(['b'], 4);
    hub.notify(['a', 'b'], 5);
    await settle();
    expect(seen).toEqual([3]);
  });

  it('cancel removes a waiter (idempotently) and keeps size right', async () => {
    const hub = new WatchHub();
    let woke = 0;
    const cancel = hub.wait(['a', 'b'], () => woke++);
    const keep = hub.wait(['a'], () => woke++);
    expect(hub.size).toBe(2);
    cancel();
    cancel();
    expect(hub.size).toBe(1);
    hub.notify(['a', 'b'], 1);
    await settle();
    expect(woke).toBe(1);
    expect(hub.size).toBe(0);
    // Cancelling after waking changes nothing either.
    keep();
    expect(hub.size).toBe(0);
  });

  it('a waiter cancelled after notify but before its turn is not woken', async () => {
    const hub = new WatchHub();
    let woke = 0;
    const cancel = hub.wait(['a'], () => woke++);
    hub.notify(['a'], 1);
    cancel();
    await settle();
    expect(woke).toBe(0);
    expect(hub.size).toBe(0);
  });

  it('wakes in batches of batchSize per turn, and eventually everyone', async () => {
    const hub = new WatchHub(2);
    const woke: number[] = [];
    for (let i = 0; i < 5; i++) hub.wait(['t'], () => woke.push(i));
    hub.notify(['t'], 1);
    await turn();
    expect(woke.length).toBeGreaterThan(0);
    expect(woke.length).toBeLessThan(5);
    expect(woke.length).toBeLessThanOrEqual(2);
    await settle();
    expect(woke.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(hub.size).toBe(0);
  });

  it('notifyAll wakes every waiter on any topic', async () => {
    const hub = new WatchHub();
    const woke: string[] = [];
    hub.wait(['x'], () => woke.push('x'));
    hub.wait(['y', 'z'], () => woke.push('yz'));
    hub.wait(['svc:web'], () => woke.push('web'));
    hub.notifyAll(42);
    await settle();
    expect(woke.sort()).toEqual(['web', 'x', 'yz']);
    expect(hub.size).toBe(0);
  });

  it('notify of untouched topics schedules nothing and wakes nobody', async () => {
    const hub = new WatchHub();
    let woke = 0;
    hub.wait(['a'], () => woke++);
    hub.notify([], 1);
    hub.notify(['zzz'], 2);
    await settle();
    expect(woke).toBe(0);
    expect(hub.size).toBe(1);
  });

  it('a waiter registered from inside a wake-up waits for the next notify', async () => {
    const hub = new WatchHub();
    const seen: number[] = [];
    const again = (i: number) => {
      seen.push(i);
      if (seen.length < 3) hub.wait(['a'], again);
    };
    hub.wait(['a'], again);
    hub.notify(['a'], 1);
    await settle();
    expect(seen).toEqual([1]);
    hub.notify(['a'], 2);
    await settle();
    hub.notify(['a'], 3);
    await settle();
    hub.notify(['a'], 4);
    await settle();
    expect(seen).toEqual([1, 2, 3]);
    expect(hub.size).toBe(0);
  });

  it('property: random waits, cancels and notifies; each waiter wakes at most once, iff a topic of it was touched first', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 1, max: 4 }),
        async (seed, batch) => {
          const random = mulberry32(seed);
          const hub = new WatchHub(batch);
          const topics = ['a', 'b', 'c', 'd'];
          const pick = () => topics.filter(() => random() < 0.4);
          interface W {
            topics: string[];
            cancel: () => void;
            wakes: number[];
            /** Cancelled while still waiting (never due). */
            cancelled: boolean;
            /** cancel() called at some point, maybe after being queued. */
            cancelCalled: boolean;
            due: number | null;
          }
          const ws: W[] = [];
          let index = 0;
          for (let step = 0; step < 40; step++) {
            const r = random();
            if (r < 0.5) {
              const w: W = {
                topics: pick(),
                cancel: () => {},
                wakes: [],
                cancelled: false,
                cancelCalled: false,
                due: null,
              };
              w.cancel = hub.wait(w.topics, (i) => w.wakes.push(i));
              ws.push(w);
            } else if (r < 0.65 && ws.length > 0) {
              const w = ws[Math.floor(random() * ws.length)]!;
              if (w.due === null) w.cancelled = true;
              w.cancelCalled = true;
              w.cancel();
            } else {
              const t = pick();
              index++;
              for (const w of ws) {
                if (!w.cancelled && w.due === null && w.topics.some((x) => t.includes(x))) w.due = index;
              }
              hub.notify(t, index);
            }
            if (random() < 0.3) await turn();
          }
          // Up to 40 notifies of up to 20 waiters, one per turn with batch 1: give it room, but stop
          // once every waiter that must wake has, plus a few turns to catch a second wake-up.
          for (let i = 0; i < 1_000; i++) {
            if (ws.every((w) => w.due === null || w.cancelCalled || w.wakes.length > 0)) break;
            await turn();
          }
          await settle(10);
          for (const [k, w] of ws.entries()) {
            const where = `seed=${seed} batch=${batch} waiter=${k} topics=${w.topics.join(',')}`;
            if (w.due === null) expect(w.wakes, where).toEqual([]);
            else if (!w.cancelCalled) expect(w.wakes, where).toEqual([w.due]);
            // Cancelled after being queued: it may or may not have run, but never twice nor with another index.
            else expect([[], [w.due]], where).toContainEqual(w.wakes);
          }
          const live = ws.filter((w) => w.due === null && !w.cancelled).length;
          expect(hub.size, `seed=${seed}`).toBe(live);
        },
      ),
      { numRuns: 100, examples: [[27, 1]] },
    );
  });
});
