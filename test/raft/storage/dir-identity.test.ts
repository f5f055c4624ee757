import { describe, expect, it } from 'vitest';
import {
  type DirIdentity,
  type DirObservation,
  judgeDataDir,
  judgeMarkerLinks,
  type PathProbe,
} from '../../../src/raft/storage/index.js';

const opened: DirIdentity = {
  dir: '/data/s1',
  dirId: { dev: 2049n, ino: 100n },
  marker: '/data/s1/CAIRN_DATA_DIR',
  markerId: { dev: 2049n, ino: 101n },
};

const present = (ino: bigint, isDirectory: boolean, dev = 2049n): PathProbe => ({
  kind: 'present',
  id: { dev, ino },
  isDirectory,
});
const failed = (errno: string): PathProbe => ({ kind: 'failed', errno });

const healthy: DirObservation = {
  dir: present(100n, true),
  marker: present(101n, false),
  writable: { ok: true },
};

describe('judgeDataDir: is the data directory still the one opened?', () => {
  it('the same directory and marker, writable: no fault', () => {
    expect(judgeDataDir(opened, healthy)).toBeNull();
  });

  it('the directory is gone: STORAGE_DIR_GONE naming the path', () => {
    const fault = judgeDataDir(opened, { ...healthy, dir: failed('ENOENT'), marker: failed('ENOENT') });
    expect(fault?.code).toBe('STORAGE_DIR_GONE');
    expect(fault?.path).toBe('/data/s1');
    expect(fault?.detail).toContain('/data/s1 no longer exists');
  });

  it('a parent was replaced by a file (ENOTDIR): STORAGE_DIR_GONE', () => {
    expect(judgeDataDir(opened, { ...healthy, dir: failed('ENOTDIR') })?.code).toBe('STORAGE_DIR_GONE');
  });

  it('another directory of the same name: STORAGE_DIR_REPLACED, with both inodes', () => {
    const fault = judgeDataDir(opened, { ...healthy, dir: present(555n, true), marker: failed('ENOENT') });
    expect(fault?.code).toBe('STORAGE_DIR_REPLACED');
    expect(fault?.detail).toContain('inode 100 at open');
    expect(fault?.detail).toContain('inode 555 now');
  });

  it('the same inode number on another device (a different file system mounted there): replaced', () => {
    const fault = judgeDataDir(opened, { ...healthy, dir: present(100n, true, 77n) });
    expect(fault?.code).toBe('STORAGE_DIR_REPLACED');
  });

  it('a file where the directory was: replaced', () => {
    const fault = judgeDataDir(opened, { ...healthy, dir: present(100n, false) });
    expect(fault?.code).toBe('STORAGE_DIR_REPLACED');
    expect(fault?.detail).toContain('no longer a directory');
  });

  it('the directory stayed but its contents were deleted (rm -rf dir/*): STORAGE_DIR_GONE naming the marker', () => {
    const fault = judgeDataDir(opened, { ...healthy, marker: failed('ENOENT') });
    expect(fault?.code).toBe('STORAGE_DIR_GONE');
    expect(fault?.path).toBe('/data/s1');
    expect(fault?.detail).toContain('marker file /data/s1/CAIRN_DATA_DIR no longer exists');
    expect(fault?.detail).toContain('contents of /data/s1 were deleted');
  });

  it('the contents were swapped for another copy (a new marker): STORAGE_DIR_REPLACED', () => {
    expect(judgeDataDir(opened, { ...healthy, marker: present(999n, false) })?.code).toBe(
      'STORAGE_DIR_REPLACED',
    );
  });

  it.each(['EACCES', 'EPERM', 'EROFS'])('not writable (%s): STORAGE_NOT_WRITABLE', (errno) => {
    const fault = judgeDataDir(opened, { ...healthy, writable: { ok: false, errno } });
    expect(fault?.code).toBe('STORAGE_NOT_WRITABLE');
    expect(fault?.detail).toContain(errno);
  });

  it('the marker vanished between the stat and the write probe: STORAGE_DIR_GONE', () => {
    expect(judgeDataDir(opened, { ...healthy, writable: { ok: false, errno: 'ENOENT' } })?.code).toBe(
      'STORAGE_DIR_GONE',
    );
  });

  it('any other failure (EIO) is STORAGE_IO_ERROR, for the directory, the marker or a write', () => {
    expect(judgeDataDir(opened, { ...healthy, dir: failed('EIO') })?.code).toBe('STORAGE_IO_ERROR');
    expect(judgeDataDir(opened, { ...healthy, marker: failed('EIO') })?.code).toBe('STORAGE_IO_ERROR');
    expect(judgeDataDir(opened, { ...healthy, writable: { ok: false, errno: 'ENOSPC' } })?.code).toBe(
      'STORAGE_IO_ERROR',
    );
  });

  it('a search permission lost on the directory (stat EACCES): STORAGE_NOT_WRITABLE', () => {
    expect(judgeDataDir(opened, { ...healthy, marker: failed('EACCES') })?.code).toBe('STORAGE_NOT_WRITABLE');
  });

  it('identity wins over writability: a replaced, read-only directory is reported replaced', () => {
    const fault = judgeDataDir(opened, {
      dir: present(555n, true),
      marker: failed('ENOENT'),
      writable: { ok: false, errno: 'EACCES' },
    });
    expect(fault?.code).toBe('STORAGE_DIR_REPLACED');
  });
});

describe('judgeMarkerLinks: the per-write check on the held marker', () => {
  it('still linked: no fault', () => {
    expect(judgeMarkerLinks(opened, 1n)).toBeNull();
  });

  it('unlinked (the directory or its contents are being deleted): STORAGE_DIR_GONE naming the directory', () => {
    const fault = judgeMarkerLinks(opened, 0n);
    expect(fault?.code).toBe('STORAGE_DIR_GONE');
    expect(fault?.path).toBe('/data/s1');
    expect(fault?.detail).toContain('/data/s1/CAIRN_DATA_DIR was deleted');
  });
});
