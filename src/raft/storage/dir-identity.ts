import type { StorageFault } from './errors.js';

/**
 * Deciding whether a data directory is still the one a storage opened. LevelDB keeps open
 * descriptors of its files, so after the directory is deleted or swapped for another its writes
 * still succeed, into files nobody will ever read again: only comparing what is at the path now
 * with what was there at open tells. Pure: the stats are taken by dir-guard.ts.
 */

/** Which file a path named: device and inode, exact (bigint) because inodes may exceed 2^53. */
export interface FileId {
  readonly dev: bigint;
  readonly ino: bigint;
}

/** What the directory and the marker file inside it were when the storage opened. */
export interface DirIdentity {
  readonly dir: string;
  readonly dirId: FileId;
  readonly marker: string;
  readonly markerId: FileId;
}

/** One stat of a path: what is there, or the errno (ENOENT, EACCES, EIO...) of the failed stat. */
export type PathProbe =
  | { readonly kind: 'present'; readonly id: FileId; readonly isDirectory: boolean }
  | { readonly kind: 'failed'; readonly errno: string };

/** A write probe: whether the directory and marker can still be written, else the errno. */
export type WriteProbe = { readonly ok: true } | { readonly ok: false; readonly errno: string };

/** A fresh look at the path, the marker and writability. */
export interface DirObservation {
  readonly dir: PathProbe;
  readonly marker: PathProbe;
  readonly writable: WriteProbe;
}

/** Errnos that mean the path leads nowhere now (ENOTDIR: a parent was replaced by a file). */
const GONE = new Set(['ENOENT', 'ENOTDIR']);
/** Errnos that mean the file is there but we may not write it. */
const DENIED = new Set(['EACCES', 'EPERM', 'EROFS']);

const sameId = (a: FileId, b: FileId) => a.dev === b.dev && a.ino === b.ino;
const showId = (id: FileId) => `dev ${id.dev} inode ${id.ino}`;

/** null while the directory is the one opened and writable; else the first thing found wrong. */
export function judgeDataDir(opened: DirIdentity, seen: DirObservation): StorageFault | null {
  const { dir, marker } = opened;
  if (seen.dir.kind === 'failed') return failedStat(dir, 'data directory', seen.dir.errno);
  if (!seen.dir.isDirectory) {
    return {
      code: 'STORAGE_DIR_REPLACED',
      path: dir,
      detail: `data directory ${dir} is no longer a directory`,
    };
  }
  if (!sameId(seen.dir.id, opened.dirId)) {
    return {
      code: 'STORAGE_DIR_REPLACED',
      path: dir,
      detail: `data directory ${dir} was replaced by another directory (${showId(opened.dirId)} at open, ${showId(seen.dir.id)} now)`,
    };
  }
  if (seen.marker.kind === 'failed') return failedStat(marker, 'marker file', seen.marker.errno, dir);
  if (!sameId(seen.marker.id, opened.markerId)) {
    return {
      code: 'STORAGE_DIR_REPLACED',
      path: dir,
      detail: `marker file ${marker} was replaced (${showId(opened.markerId)} at open, ${showId(seen.marker.id)} now): the data directory's contents were deleted or swapped`,
    };
  }
  if (!seen.writable.ok) {
    const { errno } = seen.writable;
    if (GONE.has(errno)) {
      return {
        code: 'STORAGE_DIR_GONE',
        path: dir,
        detail: `data directory ${dir} vanished while checked (${errno})`,
      };
    }
    return {
      code: DENIED.has(errno) ? 'STORAGE_NOT_WRITABLE' : 'STORAGE_IO_ERROR',
      path: dir,
      detail: `data directory ${dir} can no longer be written (${errno})`,
    };
  }
  return null;
}

/**
 * The check made with every log write: the link count of the marker, from the descriptor held
 * open since open (one fstat, no path lookup). Zero means the marker was unlinked: the directory
 * or its contents are being deleted. A directory moved away or swapped keeps the count, and is
 * left to judgeDataDir.
 */
export function judgeMarkerLinks(opened: DirIdentity, nlink: bigint): StorageFault | null {
  if (nlink > 0n) return null;
  return {
    code: 'STORAGE_DIR_GONE',
    path: opened.dir,
    detail: `marker file ${opened.marker} was deleted: the contents of ${opened.dir} are being deleted`,
  };
}

/** A failed stat of `path` (the directory or its marker); the fault names the data directory. */
function failedStat(path: string, what: string, errno: string, dir = path): StorageFault {
  if (GONE.has(errno)) {
    const after = what === 'data directory' ? '' : `: the contents of ${dir} were deleted`;
    return {
      code: 'STORAGE_DIR_GONE',
      path: dir,
      detail: `${what} ${path} no longer exists (${errno})${after}`,
    };
  }
  return {
    code: DENIED.has(errno) ? 'STORAGE_NOT_WRITABLE' : 'STORAGE_IO_ERROR',
    path: dir,
    detail: `${what} ${path} cannot be examined (${errno})`,
  };
}
