import { describe, expect, it } from 'vitest';
import {
  CallFailedError,
  type Endpoint,
  NoEndpointsError,
  type ResolveOptions,
  TimeoutError,
} from '../../src/client/index.js';
import { Resolver } from '../../src/client/resolve/resolver.js';
import { endpoint, FakeClock, rng } from './support.js';

function resolver(ids: string[], opts: ResolveOptions = {}, clock = new FakeClock()) {
  const r = new Resolver('svc', opts, {
    feed: { ready: Promise.resolve(), hasState: true, close: () => {} },
    clock,
    random: rng(11),
    onClose: () => {},
  });
  const set = (list: string[]) => {
    const items = new Map<string, Endpoint>(list.map((id) => [`n1/${id}`, endpoint(`n1/${id}`)]));
    r.update({ index: 1, items, upserted: [...items.keys()], removed: [], first: false, reset: true });
  };
  set(ids);
  return { r, clock, set };
}

const fail = (msg: string) => Promise.reject(new Error(msg));

describe('resolver call', () => {
  it('retries a failed call on another instance', async () => {
    const { r } = resolver(['a', 'b', 'c']);
    const tried: string[] = [];
    const v = await r.call(async (ep, ctx) => {
      tried.push(`${ep.serviceId}@${ctx.attempt}`);
      if (ep.serviceId === 'a') throw new Error('down');
      return ep.serviceId;
    });
    expect(tried[0]).toBe('a@0');
    expect(['b', 'c']).toContain(v);
    expect(tried).toHaveLength(2);
  });

  it('ejects an instance that fails repeatedly, and takes it back after the back-off', async () => {
    const { r, clock } = resolver(['a', 'b', 'c', 'd'], {
      outlier: { consecutiveFailures: 2, baseEjectionMs: 1000 },
    });
    const hits: string[] = [];
    const run = () =>
      r.call(async (ep) => {
        hits.push(ep.serviceId);
        if (ep.serviceId === 'a') throw new Error('down');
        return ep.serviceId;
      });
    for (let i = 0; i < 12; i++) await run();
    expect(hits.filter((h) => h === 'a')).toHaveLength(2);
    expect(r.stats().find((s) => s.id === 'n1/a')?.ejected).toBe(true);
    clock.advance(1001);
    hits.length = 0;
    for (let i = 0; i < 8; i++) await run();
    expect(hits).toContain('a');
  });

  it('stops at the retry budget, the attempt limit, or when every instance was tried', async () => {
    const broke = resolver(['a', 'b', 'c'], { retryBudget: { minPerSecond: 0, ratio: 0 } }).r;
    await expect(broke.call(() => fail('x'))).rejects.toMatchObject({
      code: 'CALL_FAILED',
      reason: 'budget',
    });
    const limited = resolver(['a', 'b', 'c'], { maxAttempts: 2 }).r;
    const e = await limited.call(() => fail('y')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CallFailedError);
    expect((e as CallFailedError).reason).toBe('attempts');
    expect((e as CallFailedError).errors).toHaveLength(2);
    const two = resolver(['a', 'b'], { maxAttempts: 5 }).r;
    await expect(two.call(() => fail('z'))).rejects.toMatchObject({ reason: 'instances' });
  });

  it('passes errors that are not retryable straight through, without counting them against the instance', async () => {
    const { r } = resolver(['a', 'b'], { outlier: { consecutiveFailures: 1 } });
    const business = new Error('404 no such order');
    let calls = 0;
    await expect(
      r.call(
        () => {
          calls++;
          return Promise.reject(business);
        },
        { retryable: (e) => e !== business },
      ),
    ).rejects.toBe(business);
    expect(calls).toBe(1);
    expect(r.stats().every((s) => !s.ejected)).toBe(true);
  });

  it('fails with NoEndpointsError when there is no instance', async () => {
    const { r } = resolver([]);
    await expect(r.call(async () => 1)).rejects.toBeInstanceOf(NoEndpointsError);
    expect(r.pick()).toBeUndefined();
  });

  it('counts its own calls in flight for least_outstanding', async () => {
    const { r } = resolver(['a', 'b'], { strategy: 'least_outstanding' });
    let release = () => {};
    const first: string[] = [];
    const slow = r.call(async (ep) => {
      first.push(ep.serviceId);
      await new Promise<void>((res) => {
        release = res;
      });
    });
    await Promise.resolve();
    await Promise.resolve();
    const second = await r.call(async (ep) => ep.serviceId);
    expect(second).not.toBe(first[0]);
    expect(r.stats().find((s) => s.id === `n1/${first[0]}`)?.inflight).toBe(1);
    release();
    await slow;
    expect(r.stats().every((s) => s.inflight === 0)).toBe(true);
  });

  it('measures latency with its clock and prefers the faster instance for least_latency', async () => {
    const { r, clock } = resolver(['a', 'b', 'c'], { strategy: 'least_latency', latencyHalfLifeMs: 1000 });
    const cost: Record<string, number> = { a: 5, b: 5, c: 200 };
    const hits: Record<string, number> = {};
    for (let i = 0; i < 300; i++) {
      await r.call(async (ep) => {
        hits[ep.serviceId] = (hits[ep.serviceId] ?? 0) + 1;
        clock.advance(cost[ep.serviceId] ?? 0);
      });
    }
    expect(hits.c ?? 0).toBeLessThan(Math.min(hits.a ?? 0, hits.b ?? 0));
    expect(r.stats().find((s) => s.id === 'n1/c')?.latencyMs).not.toBeNull();
  });

  it('times out an attempt, aborting its signal, and retries elsewhere', async () => {
    const { r, clock } = resolver(['a', 'b']);
    let aborted = false;
    const p = r.call(
      (ep, ctx) => {
        if (ep.serviceId === 'a' || ep.serviceId === 'b') {
          if (ctx.attempt === 0) {
            ctx.signal.addEventListener('abort', () => {
              aborted = true;
            });
            setImmediate(() => clock.advance(60));
            return new Promise<string>(() => {});
          }
        }
        return Promise.resolve(ep.serviceId);
      },
      { attemptTimeoutMs: 50 },
    );
    const v = await p;
    expect(aborted).toBe(true);
    expect(['a', 'b']).toContain(v);
    const err = await r
      .call(
        () => {
          setImmediate(() => clock.advance(60));
          return new Promise<string>(() => {});
        },
        { attemptTimeoutMs: 50, maxAttempts: 1 },
      )
      .catch((e: unknown) => e);
    expect((err as CallFailedError).cause).toBeInstanceOf(TimeoutError);
  });

  it('forgets instances that leave, and tells listeners', () => {
    const { r, set } = resolver(['a', 'b']);
    const lists: string[][] = [];
    r.onChange((eps) => lists.push(eps.map((e) => e.id)));
    set(['b', 'c']);
    expect(lists).toEqual([['n1/b', 'n1/c']]);
    expect(r.endpoints().map((e) => e.id)).toEqual(['n1/b', 'n1/c']);
  });
});
