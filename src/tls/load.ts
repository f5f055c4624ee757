/** Reading the agent's TLS files; what they hold is checked by checkTlsTexts. */
import { readFile } from 'node:fs/promises';
import { TlsFileError } from './errors.js';
import { checkTlsTexts, type NamedText, type TlsMaterial } from './material.js';

export interface TlsFilePaths {
  /** `--tls-cert-file` */
  readonly certFile?: string | undefined;
  /** `--tls-key-file` */
  readonly keyFile?: string | undefined;
  /** `--tls-ca-file` */
  readonly caFile?: string | undefined;
}

/** Reads and checks the given files; TlsFileError names the one missing, unreadable or wrong. */
export async function loadTlsFiles(paths: TlsFilePaths): Promise<TlsMaterial> {
  const [cert, key, ca] = await Promise.all([
    readText(paths.certFile),
    readText(paths.keyFile),
    readText(paths.caFile),
  ]);
  return checkTlsTexts({ cert, key, ca });
}

async function readText(path: string | undefined): Promise<NamedText | undefined> {
  if (path === undefined) return undefined;
  try {
    return { path, text: await readFile(path, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TlsFileError(path, 'no such file');
    if (code === 'EACCES') throw new TlsFileError(path, 'permission denied');
    if (code === 'EISDIR') throw new TlsFileError(path, 'is a directory, not a file');
    throw new TlsFileError(path, `cannot be read (${code ?? (e instanceof Error ? e.message : String(e))})`);
  }
}
