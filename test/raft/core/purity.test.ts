import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The core must stay a pure, synchronous, deterministic state machine: the
 * simulation replays a whole cluster from one seed, which only works if
 * nothing in src/raft/core reads a clock, a random source, the process or
 * the outside world. This test reads the sources and enforces that.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CORE = join(ROOT, 'src/raft/core');
/** Files outside core/ that core may import: plain data types and pure helpers. */
const ALLOWED_OUTSIDE = new Set([join(ROOT, 'src/raft/types.ts'), join(ROOT, 'src/raft/messages.ts')]);

const FORBIDDEN: readonly { readonly re: RegExp; readonly what: string }[] = [
  { re: /\bsetTimeout\b/, what: 'setTimeout' },
  { re: /\bsetInterval\b/, what: 'setInterval' },
  { re: /\bsetImmediate\b/, what: 'setImmediate' },
  { re: /\bqueueMicrotask\b/, what: 'queueMicrotask' },
  { re: /\bDate\b/, what: 'Date' },
  { re: /\bperformance\b/, what: 'performance' },
  { re: /\bMath\s*\.\s*random\b/, what: 'Math.random' },
  { re: /\bPromise\b/, what: 'Promise' },
  { re: /\basync\b/, what: 'async' },
  { re: /\bawait\b/, what: 'await' },
  { re: /\bprocess\s*\./, what: 'process.' },
  { re: /\brequire\s*\(/, what: 'require(' },
  { re: /\bimport\s*\(/, what: 'dynamic import(' },
];

const NODE_BUILTINS = new Set([
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'worker_threads',
  'zlib',
]);

/**
 * Blanks out comments (keeping newlines, so line numbers survive) while
 * leaving string literals alone: a doc comment may mention `Date`, but an
 * import specifier is a string and must still be seen.
 */
function stripComments(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') {
        out += ' ';
        i++;
      }
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      for (; i < stop; i++) out += src[i] === '\n' ? '\n' : ' ';
    } else if (c === "'" || c === '"' || c === '`') {
      out += c;
      i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\') {
          out += src[i];
          i++;
        }
        out += src[i] ?? '';
        i++;
      }
      out += src[i] ?? '';
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function lineAt(src: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (src[i] === '\n') line++;
  return line;
}

/** Every violation in one file, as "file:line: reason". */
function violations(file: string, source: string): string[] {
  const code = stripComments(source);
  const name = relative(ROOT, file);
  const found: string[] = [];
  code.split('\n').forEach((text, i) => {
    for (const f of FORBIDDEN) if (f.re.test(text)) found.push(`${name}:${i + 1}: uses ${f.what}`);
  });
  const importRe = /\b(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])([^'"]+)\1|\bimport\s*(['"])([^'"]+)\3/g;
  for (const m of code.matchAll(importRe)) {
    const spec = m[2] ?? m[4]!;
    const line = lineAt(code, m.index + m[0].length);
    const where = `${name}:${line}`;
    const bare = spec.replace(/^node:/, '').split('/')[0]!;
    if (spec.startsWith('node:') || NODE_BUILTINS.has(bare)) {
      found.push(`${where}: imports node builtin '${spec}'`);
      continue;
    }
    if (!spec.startsWith('.')) {
      found.push(`${where}: imports package '${spec}'`);
      continue;
    }
    const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
    const inCore = target.startsWith(CORE + '/');
    if (!inCore && !ALLOWED_OUTSIDE.has(target))
      found.push(`${where}: imports '${spec}' from outside the core`);
  }
  return found;
}

function coreFiles(): string[] {
  return readdirSync(CORE)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(CORE, f));
}

describe('purity of src/raft/core', () => {
  it('finds the core sources (so the check cannot pass vacuously)', () => {
    expect(coreFiles().length).toBeGreaterThan(5);
    expect(coreFiles().map((f) => relative(CORE, f))).toContain('raft.ts');
  });

  it('has no clock, randomness, async, process or outside imports in any file', () => {
    const all = coreFiles().flatMap((f) => violations(f, readFileSync(f, 'utf8')));
    expect(all).toEqual([]);
  });

  // The checker itself must be able to fail, or the test above proves nothing.
  it('flags each forbidden construct with its file and line', () => {
    const file = join(CORE, 'fake.ts');
    const src = [
      "import { readFileSync } from 'node:fs';",
      "import net from 'net';",
      "import { x } from '../driver.js';",
      'const t = Date.now();',
      'setTimeout(() => {}, 1);',
      'const r = Math.random();',
      'async function f() { await g(); }',
      'const e = process.env;',
      "const m = require('x');",
      'new Promise(() => {});',
      'performance.now();',
      'import {',
      '  y,',
      "} from 'pino';",
    ].join('\n');
    const v = violations(file, src);
    const text = v.join('\n');
    expect(text).toContain("src/raft/core/fake.ts:1: imports node builtin 'node:fs'");
    expect(text).toContain("fake.ts:2: imports node builtin 'net'");
    expect(text).toContain("fake.ts:3: imports '../driver.js' from outside the core");
    expect(text).toContain('fake.ts:4: uses Date');
    expect(text).toContain('fake.ts:5: uses setTimeout');
    expect(text).toContain('fake.ts:6: uses Math.random');
    expect(text).toContain('fake.ts:7: uses async');
    expect(text).toContain('fake.ts:7: uses await');
    expect(text).toContain('fake.ts:8: uses process.');
    expect(text).toContain('fake.ts:9: uses require(');
    expect(text).toContain('fake.ts:10: uses Promise');
    expect(text).toContain('fake.ts:11: uses performance');
    expect(text).toContain("fake.ts:14: imports package 'pino'");
  });

  it('ignores words in comments but keeps line numbers and allowed imports', () => {
    const file = join(CORE, 'fake.ts');
    const src = [
      '/** Never calls setTimeout, Date or Math.random;',
      ' * nor awaits a Promise. */',
      "import type { Entry } from '../types.js'; // Date",
      "import { entriesBytes } from '../messages.js';",
      "import { Progress } from './progress.js';",
      "const s = 'a // not a comment'; const d = Date;",
    ].join('\n');
    expect(violations(file, src)).toEqual(['src/raft/core/fake.ts:6: uses Date']);
  });
});
