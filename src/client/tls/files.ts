/** Reading the TLS files the environment names (CAIRN_CACERT, ...), once, when the client is made. */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';
import type { EnvValue } from './env.js';

/** The file's text; a missing or unreadable file is an InvalidArgumentError naming it and its variable. */
export function readPemFile(from: EnvValue): string {
  let text: string;
  try {
    text = readFileSync(from.value, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory, not a file'
            : `cannot be read (${code ?? String(e)})`;
    throw new InvalidArgumentError(`${from.name}: ${from.value}: ${why}`);
  }
  if (!text.includes('-----BEGIN ')) {
    throw new InvalidArgumentError(`${from.name}: ${from.value}: not a PEM file (no "-----BEGIN" line)`);
  }
  return text;
}
