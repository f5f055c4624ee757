import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CairnServer } from '../src/server/index.js';
import { type Source, stripComments } from './support/import-graph.js';
import { repoRoot } from './support/processes.js';

/**
 * The server's parts stay its own: HTTP, DNS, metrics and the agent read through `server.view`
 * (a RegistryView) and act through the server's methods. The fields are private, so the compiler
 * refuses `server.state`; this test covers what the compiler lets through.
 */
const INTERNALS = [
  'opts',
  'state',
  'raft',
  'health',
  'prober',
  'tombstones',
  'membership',
  'forwarding',
  'appliedWaiters',
  'writes',
  'reads',
  'heartbeats',
] as const;
type Internal = (typeof INTERNALS)[number];

// Fails to compile (the build before every test run, and tsc) if one of them is made public again.
const publicInternals: [Extract<keyof CairnServer, Internal>] extends [never] ? 'none' : 'leaked' = 'none';

const NAMES = INTERNALS.join('|');
const BRACKETS = new RegExp(`\\[\\s*(['"\`])(${NAMES})\\1\\s*\\]`);
const CAST = new RegExp(`as\\s+unknown\\s+as\\s*\\{[^}]*\\b(${NAMES})\\s*:`);
const IMPORTS_SERVER = /from\s+['"](?:\.\.\/)+server\/index\.js['"]/;

/**
 * What the compiler lets through, in files outside src/server (and src/state, whose own type it
 * is): `x['state']` (brackets reach private members), a cast to a shape naming an internal, in a
 * file that imports the server; and the state machine's type RegistryState anywhere else, which
 * is the whole writable state behind the view.
 */
function boundaryViolations(sources: readonly Source[]): string[] {
  const out: string[] = [];
  for (const s of sources) {
    if (s.path.startsWith('src/server/') || s.path.startsWith('src/state/')) continue;
    const lines = stripComments(s.text).split('\n');
    const server = IMPORTS_SERVER.test(s.text);
    lines.forEach((line, i) => {
      const at = `${s.path}:${i + 1}`;
      const b = server ? BRACKETS.exec(line) : null;
      if (b) out.push(`${at}: reaches the server's private ${b[2]} by brackets; use a method or server.view`);
      const c = server ? CAST.exec(line) : null;
      if (c) out.push(`${at}: casts to reach the server's private ${c[1]}; use a method or server.view`);
      if (/\bRegistryState\b/.test(line))
        out.push(`${at}: uses RegistryState; read through RegistryView (server.view)`);
    });
  }
  return out;
}

function sourcesUnder(dir: string): Source[] {
  const out: Source[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourcesUnder(full));
    else if (e.name.endsWith('.ts'))
      out.push({ path: relative(repoRoot, full).split('\\').join('/'), text: readFileSync(full, 'utf8') });
  }
  return out;
}

describe("the server's boundary", () => {
  it('no module outside src/server reaches its internals, and none holds the state past the view', () => {
    const sources = sourcesUnder(resolve(repoRoot, 'src'));
    // Not vacuous: the callers the boundary is about are read.
    for (const p of ['src/http/routes/agent.ts', 'src/metrics/index.ts', 'src/agent/listeners.ts'])
      expect(sources.map((s) => s.path)).toContain(p);
    expect(publicInternals).toBe('none');
    expect(boundaryViolations(sources)).toEqual([]);
  });

  it('catches brackets, casts and RegistryState, not comments nor files that do not import the server', () => {
    const src = (path: string, ...lines: string[]): Source => ({ path, text: lines.join('\n') });
    const imports = "import type { CairnServer } from '../server/index.js';";
    const bad = src(
      'src/http/bad.ts',
      imports,
      "const s = ctx.server['state'].catalog;",
      'const r = (ctx.server as unknown as { raft: RaftNode }).raft;',
      "import type { RegistryState } from '../state/index.js';",
      "// ctx.server['health'] in a comment is no use of it",
    );
    expect(boundaryViolations([bad])).toEqual([
      "src/http/bad.ts:2: reaches the server's private state by brackets; use a method or server.view",
      "src/http/bad.ts:3: casts to reach the server's private raft; use a method or server.view",
      'src/http/bad.ts:4: uses RegistryState; read through RegistryView (server.view)',
    ]);
    const unrelated = src('src/dns/other.ts', "const x = table['state'];");
    const inside = src('src/server/server.ts', imports, "this['raft'];", 'new RegistryState();');
    expect(boundaryViolations([unrelated, inside])).toEqual([]);
  });
});
