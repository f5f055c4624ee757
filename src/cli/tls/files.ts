/** The files `cairn tls` reads and writes. Writes never replace an existing file. */
import { existsSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';

/** Certificates are public; keys are for their owner's eyes only. */
export const CERT_MODE = 0o644;
export const KEY_MODE = 0o600;

/** A command failure the operator can fix (a file in the way, a CA missing): exit status 1. */
export class TlsCommandError extends Error {
  override readonly name = 'TlsCommandError';
}

export function fileExists(path: string): boolean {
  return existsSync(path);
}

export async function readInput(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? String(e));
    throw new TlsCommandError(`cannot read the ${what} ${path}: ${why}`);
  }
}

export interface NewFile {
  readonly path: string;
  readonly text: string;
  readonly mode: number;
}

/**
 * Creates the files in order, each only if it does not exist (O_EXCL, so a file that appears
 * meanwhile is not replaced either). If one cannot be created, those already made are removed, so
 * a certificate is never left without its key. Returns the paths written.
 */
export async function writeNewFiles(files: readonly NewFile[]): Promise<readonly string[]> {
  const written: string[] = [];
  for (const f of files) {
    try {
      await writeFile(f.path, f.text, { flag: 'wx', mode: f.mode });
      written.push(f.path);
    } catch (e) {
      for (const w of written) await unlink(w).catch(() => undefined);
      const code = (e as NodeJS.ErrnoException).code;
      throw new TlsCommandError(
        code === 'EEXIST'
          ? `${f.path} already exists; not overwriting it`
          : `cannot write ${f.path}: ${code ?? e}`,
      );
    }
  }
  return written;
}
