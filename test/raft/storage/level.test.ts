import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { describe, expect, it } from 'vitest';
import { LevelStorage, StorageClosedError, StorageCorruptError } from '../../../src/raft/storage/index.js';
import { describeStorageConformance, entry } from './conformance.js';

describeStorageConformance('LevelStorage', {
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-level-'));
    return {
      storage: new LevelStorage(dir),
      reopen: () => new LevelStorage(dir),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});

/** Writes raw keys into a sublevel of a closed LevelStorage directory, as damage would. */
async function tamper(
  dir: string,
  sublevel: string,
  key: Uint8Array,
  value: Uint8Array | null,
): Promise<void> {
  const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  const sub = db.sublevel<Uint8Array, Uint8Array>(sublevel, { keyEncoding: 'view', valueEncoding: 'view' });
  if (value === null) await sub.del(key);
  else await sub.put(key, value);
  await db.close();
}

/** A log run's key: first and last index, 8 bytes big-endian each. */
const runKey = (first: number, last: number) => {
  const k = new Uint8Array(16);
  const view = new DataView(k.buffer);
  view.setBigUint64(0, BigInt(first));
  view.setBigUint64(8, BigInt(last));
  return k;
};

describe('LevelStorage on damaged or unusual data', () => {
  async function withDir(f: (dir: string) => Promise<void>) {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-level-'));
    try {
      await f(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async function seed(dir: string) {
    const s = new LevelStorage(dir);
    await s.open();
    // Three writes, three runs: 1..2, 3..3, 4..4.
    const hardState = { term: 1, vote: 'a', commit: 2 };
    await s.save({ entries: [entry(1, 1), entry(2, 1)], hardState, snapshot: null }, true);
    await s.save({ entries: [entry(3, 1)], hardState: null, snapshot: null }, true);
    await s.save({ entries: [entry(4, 1)], hardState: null, snapshot: null }, true);
    await s.close();
  }

  it('a garbled entry is reported as StorageCorruptError', () =>
    withDir(async (dir) => {
      await seed(dir);
      await tamper(dir, 'log', runKey(1, 2), new Uint8Array([1, 0, 0]));
      const s = new LevelStorage(dir);
      await s.open();
      await expect(s.load()).rejects.toBeInstanceOf(StorageCorruptError);
      await s.close();
    }));

  it('a hole in the log is reported, naming the missing index', () =>
    withDir(async (dir) => {
      await seed(dir);
      await tamper(dir, 'log', runKey(3, 3), null);
      const s = new LevelStorage(dir);
      await s.open();
      await expect(s.load()).rejects.toThrow(/expected entry 3, found 4/);
      await s.close();
    }));

  it('a garbled hard state is reported, not taken as term 0', () =>
    withDir(async (dir) => {
      await seed(dir);
      await tamper(dir, 'state', new TextEncoder().encode('hard'), new TextEncoder().encode('{"term":'));
      const s = new LevelStorage(dir);
      await s.open();
      await expect(s.load()).rejects.toBeInstanceOf(StorageCorruptError);
      await s.close();
    }));

  it('snapshot chunks without their record were never acknowledged and are ignored', () =>
    withDir(async (dir) => {
      await seed(dir);
      const chunkKey = new Uint8Array(12);
      new DataView(chunkKey.buffer).setBigUint64(0, 50n);
      await tamper(dir, 'snap', chunkKey, new Uint8Array([1, 2, 3]));
      const s = new LevelStorage(dir);
      await s.open();
      const st = await s.load();
      expect(st.snapshot).toBeNull();
      expect(st.entries.map((e) => e.index)).toEqual([1, 2, 3, 4]);
      await s.close();
    }));

  it('refuses calls after close', () =>
    withDir(async (dir) => {
      const s = new LevelStorage(dir);
      await s.open();
      await s.close();
      await expect(s.load()).rejects.toBeInstanceOf(StorageClosedError);
      await expect(
        s.save({ entries: [entry(1, 1)], hardState: null, snapshot: null }, true),
      ).rejects.toBeInstanceOf(StorageClosedError);
    }));
});
