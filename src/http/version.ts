import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Consul version cairn answers as: clients and tools gate features on `Config.Version`
 * (`/v1/agent/self`) and `HumanVersion` (`/v1/agent/version`), so this names the Consul release
 * whose HTTP API cairn follows, not cairn's own version.
 */
export const CONSUL_COMPAT_VERSION = '1.17.0';
export const CONSUL_COMPAT_BUILD_DATE = '2026-11-25T00:00:00Z';

let cached: string | null = null;

/**
 * cairn's own version, from its package.json: found by walking up from this file, since the
 * compiled file (dist/src/http) and the source (src/http) sit at different depths.
 */
export function cairnVersion(): string {
  if (cached !== null) return cached;
  cached = '0.0.0';
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'cairn' && typeof pkg.version === 'string') {
        cached = pkg.version;
        break;
      }
    } catch {
      // No package.json at this level: go up one.
    }
    dir = dirname(dir);
  }
  return cached;
}
