import { describe, expect, it } from 'vitest';
import { IndexAges } from '../../src/server/tombstone-gc.js';

describe('IndexAges', () => {
  it('names the highest index applied at least the age ago, and nothing before it is that old', () => {
    const a = new IndexAges();
    a.sample(0, 10);
    a.sample(1000, 20);
    a.sample(2000, 35);
    a.sample(3000, 50);
    expect(a.olderThan(1500, 2000)).toBeNull();
    expect(a.olderThan(2000, 2000)).toBe(10);
    expect(a.olderThan(3999, 2000)).toBe(20);
    expect(a.olderThan(4000, 2000)).toBe(35);
    // Dropped what is no longer needed, kept what later calls may still name.
    expect(a.size).toBe(2);
    expect(a.olderThan(10_000, 2000)).toBe(50);
    expect(a.olderThan(10_000, 2000)).toBe(50);
  });

  it('keeps the first time an index was seen (a quiet cluster does not make old deletes look young)', () => {
    const a = new IndexAges();
    a.sample(0, 7);
    a.sample(500, 7);
    a.sample(900, 7);
    expect(a.size).toBe(1);
    expect(a.olderThan(1000, 1000)).toBe(7);
  });

  it('clear forgets everything', () => {
    const a = new IndexAges();
    a.sample(0, 1);
    a.clear();
    expect(a.olderThan(1e9, 1)).toBeNull();
  });
});
