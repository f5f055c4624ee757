import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchOutput } from './cli.js';

/** The repository root, whether this runs compiled (dist/scripts/bench/support) or from the sources. */
const REPO_ROOT = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.endsWith(join('dist', 'scripts', 'bench', 'support'))
    ? resolve(here, '../../../..')
    : resolve(here, '../../..');
})();

/**
 * The side-by-side harness shared with the other projects measured against the same peers
 * (loadgen.mjs, etcd-cluster.sh): checked out beside this repository unless --harness says otherwise.
 */
export const DEFAULT_HARNESS_DIR = join(REPO_ROOT, '..', 'shared', 'bench');

/** Fails the run (exit code 2) before anything starts if a harness file it needs is missing. */
export function requireHarnessFiles(files: readonly string[], fail: BenchOutput['fail']): void {
  for (const f of files) if (!existsSync(f)) fail(`harness file ${f} not found (use --harness DIR)`, 2);
}
