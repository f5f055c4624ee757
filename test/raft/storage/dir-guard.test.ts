import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LevelStorage, MARKER_FILE, StorageFaultError } from '../../../src/raft/storage/index.js';
import { entry } from './conformance.js';

/**
 * LevelStorage on a real directory whose directory is damaged under it: verify() (the check the
 * server runs every second) and the marker check made with every write. LevelDB itself writes
 * on into the files it holds open, which is why the directory must be checked at all.
 */
describe('LevelStorage.verify: the data directory is still the one opened', () => {
  let base: string;
  let storage: LevelStorage | null = null;

  async function openIn(name = 'data'): Promise<{ dir: string; storage: LevelStorage }> {
    base = mkdtempSync(join(tmpdir(), 'cairn-dirguard-'));
    const dir = join(base, name);
    const s = new LevelStorage(dir);
    await s.open();
    storage = s;
    await s.save(
      { entries: [entry(1, 1)], hardState: { term: 1, vote: 'a', commit: 1 }, snapshot: null },
      true,
    );
    return { dir, storage: s };
  }

  afterEach(async () => {
    await storage?.close().catch(() => {});
    storage = null;
    if (base) {
      spawnSync('chattr', ['-i', join(base, 'data')]);
      if (existsSync(join(base, 'data'))) chmodSync(join(base, 'data'), 0o755);
      rmSync(base, { recursive: true, force: true });
    }
  });

  const writeOne = (s: LevelStorage, index: number) =>
    s.save({ entries: [entry(index, 1)], hardState: null, snapshot: null }, true);

  it('a healthy directory: no fault, and the marker file exists', async () => {
    const { dir, storage: s } = await openIn();
    expect(existsSync(join(dir, MARKER_FILE))).toBe(true);
    expect(await s.verify()).toBeNull();
  });

  it('reopening an existing directory keeps its marker and verifies clean', async () => {
    const { dir, storage: s } = await openIn();
    await s.close();
    const again = new LevelStorage(dir);
    await again.open();
    storage = again;
    expect(await again.verify()).toBeNull();
    expect((await again.load()).entries.map((e) => e.index)).toEqual([1]);
  });

  it('deleted: the next write fails with STORAGE_DIR_GONE, and so does verify, naming the path', async () => {
    const { dir, storage: s } = await openIn();
    rmSync(dir, { recursive: true, force: true });
    const failed = await writeOne(s, 2).then(
      () => null,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(StorageFaultError);
    expect((failed as StorageFaultError).code).toBe('STORAGE_DIR_GONE');
    const fault = await s.verify();
    expect(fault?.code).toBe('STORAGE_DIR_GONE');
    expect(fault?.path).toBe(dir);
    expect(fault?.detail).toContain(dir);
  });

  it('replaced by a new empty directory of the same name: STORAGE_DIR_REPLACED', async () => {
    const { dir, storage: s } = await openIn();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    await expect(writeOne(s, 2)).rejects.toBeInstanceOf(StorageFaultError);
    const fault = await s.verify();
    expect(fault?.code).toBe('STORAGE_DIR_REPLACED');
    expect(fault?.path).toBe(dir);
    // The check itself must not plant a marker in the stranger's directory.
    expect(existsSync(join(dir, MARKER_FILE))).toBe(false);
  });

  it('moved away and another directory put in its place (mv, not rm): writes go on, verify says STORAGE_DIR_REPLACED', async () => {
    const { dir, storage: s } = await openIn();
    renameSync(dir, `${dir}.old`);
    mkdirSync(dir);
    // Nothing was unlinked, so the per-write check cannot see it: this is the periodic check's case.
    await writeOne(s, 2);
    expect((await s.verify())?.code).toBe('STORAGE_DIR_REPLACED');
  });

  it('its contents deleted, the directory kept (rm -rf dir/*): STORAGE_DIR_GONE naming the marker', async () => {
    const { dir, storage: s } = await openIn();
    rmSync(join(dir, MARKER_FILE));
    await expect(writeOne(s, 2)).rejects.toMatchObject({ code: 'STORAGE_DIR_GONE' });
    const fault = await s.verify();
    expect(fault?.code).toBe('STORAGE_DIR_GONE');
    expect(fault?.path).toBe(dir);
    expect(fault?.detail).toContain(join(dir, MARKER_FILE));
  });

  it('made read-only: STORAGE_NOT_WRITABLE', async (ctx) => {
    const { dir, storage: s } = await openIn();
    const root = process.getuid?.() === 0;
    if (root) {
      // chmod does not bind root; an immutable directory (chattr +i) does, where the file system has it.
      const r = spawnSync('chattr', ['+i', dir]);
      if (r.status !== 0) {
        ctx.skip(
          'running as root, where a read-only mode does not stop writes, and chattr +i is not available here',
        );
        return;
      }
    } else {
      chmodSync(dir, 0o555);
    }
    const fault = await s.verify();
    expect(fault?.code).toBe('STORAGE_NOT_WRITABLE');
    expect(fault?.path).toBe(dir);
  });

  it('a closed storage has nothing to verify', async () => {
    const { dir, storage: s } = await openIn();
    await s.close();
    rmSync(dir, { recursive: true, force: true });
    expect(await s.verify()).toBeNull();
  });
});
