import { describe, expect, it } from 'vitest';
import { ConnectionSlots } from '../../src/dns/index.js';

describe('ConnectionSlots', () => {
  it('caps connections per source, leaving room for other sources', () => {
    const s = new ConnectionSlots(10, 2);
    expect([s.acquire('a'), s.acquire('a'), s.acquire('a')]).toEqual([null, null, 'connections_per_source']);
    expect(s.acquire('b')).toBeNull();
    expect([s.open, s.openFrom('a'), s.openFrom('b')]).toEqual([3, 2, 1]);
    s.release('a');
    expect(s.acquire('a')).toBeNull();
  });

  it('caps connections in total; a refusal takes nothing and a release frees one', () => {
    const s = new ConnectionSlots(3, 2);
    expect([s.acquire('a'), s.acquire('b'), s.acquire('c'), s.acquire('d')]).toEqual([
      null,
      null,
      null,
      'connections',
    ]);
    expect(s.open).toBe(3);
    s.release('b');
    expect(s.acquire('d')).toBeNull();
    // Releasing a source that holds nothing changes nothing.
    s.release('zzz');
    expect(s.open).toBe(3);
    for (const x of ['a', 'c', 'd']) s.release(x);
    expect([s.open, s.openFrom('a')]).toEqual([0, 0]);
  });
});
