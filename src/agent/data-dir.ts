import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the server keeps its data: the one asked for, or (dev without --data-dir) a fresh temporary one. */
export interface DataDir {
  readonly path: string;
  /** Removes a temporary directory; leaves a given one alone. */
  release(): void;
}

export function dataDir(asked: string | null): DataDir {
  if (asked !== null) return { path: asked, release: () => undefined };
  const path = mkdtempSync(join(tmpdir(), 'cairn-dev-'));
  return { path, release: () => rmSync(path, { recursive: true, force: true }) };
}
