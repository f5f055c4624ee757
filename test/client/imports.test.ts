import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/processes.js';

const CLIENT = join(repoRoot, 'src', 'client');
const BALANCE = join(repoRoot, 'src', 'balance');
/** What an application gets along with the client: Node's own modules and the two HTTP/WebSocket libraries. */
const PACKAGES = new Set(['undici', 'ws']);
const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(SPECIFIER)].map((m) => (m[1] ?? m[2]) as string);
}

describe('the client stands alone', () => {
  it('imports only src/client, src/balance, node: modules, undici and ws (transitively)', () => {
    const problems: string[] = [];
    const seen = new Set<string>();
    const queue = filesUnder(CLIENT);
    expect(queue.length).toBeGreaterThan(10);
    while (queue.length > 0) {
      const file = queue.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of specifiers(file)) {
        const where = `${relative(repoRoot, file)} imports "${spec}"`;
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
          const inside = [CLIENT, BALANCE].some((d) => target.startsWith(`${d}/`));
          if (!inside) problems.push(`${where}: outside src/client and src/balance`);
          else if (!existsSync(target)) problems.push(`${where}: no such file`);
          else queue.push(target);
        } else if (!spec.startsWith('node:') && !PACKAGES.has(spec)) {
          problems.push(`${where}: not a Node module, undici or ws`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect([...seen].some((f) => f.startsWith(BALANCE))).toBe(true);
  });

  it('the scan catches a forbidden import', () => {
    const sample =
      "import { x } from '../server/index.js';\nexport * from 'fastify';\nconst y = await import('../state/index.js');";
    expect([...sample.matchAll(SPECIFIER)].map((m) => m[1] ?? m[2])).toEqual([
      '../server/index.js',
      'fastify',
      '../state/index.js',
    ]);
  });

  it('is the package entry "cairn/client", with its types', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
      bin: Record<string, string>;
    };
    const entry = pkg.exports['./client'];
    expect(entry).toBeDefined();
    expect(existsSync(join(repoRoot, entry?.types ?? ''))).toBe(true);
    expect(existsSync(join(repoRoot, pkg.bin.cairn ?? ''))).toBe(true);
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('cairn/client'); console.log(typeof m.createClient, typeof m.parsers.json, m.CLIENT_STRATEGIES.length)",
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    expect(out.trim()).toBe('function function 6');
  });
});
