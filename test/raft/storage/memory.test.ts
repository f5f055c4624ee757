import { describe, expect, it } from 'vitest';
import { MemoryDisk, MemoryStorage } from '../../../src/raft/storage/index.js';
import { describeStorageConformance, entry } from './conformance.js';

describeStorageConformance('MemoryStorage', {
  async create() {
    const disk = new MemoryDisk();
    return {
      storage: new MemoryStorage(disk),
      reopen: () => new MemoryStorage(disk),
      cleanup: async () => {},
    };
  },
});

describe('MemoryStorage crashes', () => {
  const hs = (term: number) => ({ term, vote: null, commit: 0 });

  it('keeps synced writes whole and loses unsynced ones', async () => {
    const disk = new MemoryDisk();
    const s = new MemoryStorage(disk);
    await s.open();
    await s.save({ entries: [entry(1, 1), entry(2, 1)], hardState: hs(1), snapshot: null }, true);
    await s.save({ entries: [entry(3, 1), entry(4, 1)], hardState: hs(2), snapshot: null }, false);
    disk.crash();
    const st = await new MemoryStorage(disk).load().catch(() => null);
    expect(st, 'a MemoryStorage must be opened before use').toBeNull();
    const r = new MemoryStorage(disk);
    await r.open();
    const loaded = await r.load();
    expect(loaded.entries.map((e) => e.index)).toEqual([1, 2]);
    expect(loaded.hardState.term).toBe(1);
  });

  it('a synced write makes the unsynced writes before it durable', async () => {
    const disk = new MemoryDisk();
    const s = new MemoryStorage(disk);
    await s.open();
    await s.save({ entries: [entry(1, 1)], hardState: null, snapshot: null }, false);
    await s.save({ entries: [entry(2, 1)], hardState: hs(1), snapshot: null }, true);
    await s.save({ entries: [entry(3, 1)], hardState: null, snapshot: null }, false);
    disk.crash();
    const r = new MemoryStorage(disk);
    await r.open();
    expect((await r.load()).entries.map((e) => e.index)).toEqual([1, 2]);
  });

  it('a closed storage refuses calls', async () => {
    const s = new MemoryStorage();
    await s.open();
    await s.close();
    await expect(s.load()).rejects.toThrow(/not open/);
  });
});
