import { readFileSync } from 'node:fs';

/**
 * The version in the package.json next to the compiled CLI (dist/src/cli -> the package root), so
 * an installed copy or a container image reports what it was built from.
 */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
  const version = (JSON.parse(text) as { version?: unknown }).version;
  if (typeof version !== 'string') throw new Error('package.json has no version');
  return version;
}
