import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './processes.js';

/**
 * Vitest global setup: the process tests start the compiled CLI, so dist must
 * match the sources. `npm test` has just built it; a bare `vitest` run builds here.
 */
export default function setup(): void {
  if (process.env.npm_lifecycle_event === 'test') return;
  execFileSync(
    process.execPath,
    [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
    {
      cwd: repoRoot,
      stdio: 'inherit',
    },
  );
}
