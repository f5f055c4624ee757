import { constants } from 'node:fs';
import { access, type FileHandle, open, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type DirIdentity,
  type DirObservation,
  judgeDataDir,
  judgeMarkerLinks,
  type PathProbe,
  type WriteProbe,
} from './dir-identity.js';
import type { StorageFault } from './errors.js';

/** A file of our own in the data directory whose identity says the directory is still ours. */
export const MARKER_FILE = 'CAIRN_DATA_DIR';

const MARKER_TEXT =
  "This directory holds a cairn server's Raft log and snapshots. The server stops if this file disappears.\n";

/**
 * The I/O half of the data directory check: records the directory's and its marker's identity at
 * open, and takes fresh stats for judgeDataDir. A check is two stats, an access() and an open()
 * without O_CREAT (so a check never recreates a deleted marker). It also holds the marker open,
 * for the one-fstat check made with every write (markerLinked).
 */
export class DataDirGuard {
  private constructor(
    readonly identity: DirIdentity,
    private readonly markerHandle: FileHandle,
  ) {}

  /** Creates the marker if missing and records what the directory and marker are now. */
  static async record(dir: string): Promise<DataDirGuard> {
    const abs = resolve(dir);
    const marker = join(abs, MARKER_FILE);
    try {
      await writeFile(marker, MARKER_TEXT, { flag: 'wx' });
    } catch (e) {
      if (errnoOf(e) !== 'EEXIST') throw e;
    }
    const handle = await open(marker, constants.O_RDONLY);
    try {
      const [d, m] = await Promise.all([stat(abs, { bigint: true }), handle.stat({ bigint: true })]);
      const identity = {
        dir: abs,
        dirId: { dev: d.dev, ino: d.ino },
        marker,
        markerId: { dev: m.dev, ino: m.ino },
      };
      return new DataDirGuard(identity, handle);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  /**
   * The cheap check, made alongside every log write: null unless the marker was unlinked (the
   * directory or its contents are being deleted). One fstat on a held descriptor.
   */
  async markerLinked(): Promise<StorageFault | null> {
    const s = await this.markerHandle.stat({ bigint: true });
    return judgeMarkerLinks(this.identity, s.nlink);
  }

  async close(): Promise<void> {
    await this.markerHandle.close();
  }

  /** null while the directory is still the one recorded and writable; else what is wrong. */
  async check(): Promise<StorageFault | null> {
    return judgeDataDir(this.identity, await this.observe());
  }

  async observe(): Promise<DirObservation> {
    const [dir, marker, writable] = await Promise.all([
      probePath(this.identity.dir),
      probePath(this.identity.marker),
      probeWrite(this.identity.dir, this.identity.marker),
    ]);
    return { dir, marker, writable };
  }
}

async function probePath(path: string): Promise<PathProbe> {
  try {
    const s = await stat(path, { bigint: true });
    return { kind: 'present', id: { dev: s.dev, ino: s.ino }, isDirectory: s.isDirectory() };
  } catch (e) {
    return { kind: 'failed', errno: errnoOf(e) };
  }
}

/**
 * LevelDB creates files in the directory (new logs and tables) and appends to open ones: the
 * directory must admit new entries (access W_OK, which also reports a read-only or immutable
 * directory to root) and the marker must open for appending.
 */
async function probeWrite(dir: string, marker: string): Promise<WriteProbe> {
  try {
    await access(dir, constants.W_OK | constants.X_OK);
    const fh = await open(marker, constants.O_WRONLY | constants.O_APPEND);
    await fh.close();
    return { ok: true };
  } catch (e) {
    return { ok: false, errno: errnoOf(e) };
  }
}

function errnoOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}
