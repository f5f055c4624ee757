import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The strategies are shared by the server and the client SDK and tested with replayable seeds, so
 * they must not read a clock, draw their own randomness, start timers or import anything outside
 * src/balance.
 */

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/balance');

const FORBIDDEN: readonly RegExp[] = [
  /\bDate\b/,
  /\bMath\s*\.\s*random\b/,
  /\bperformance\b/,
  /\bset(?:Timeout|Interval|Immediate)\b/,
  /\bprocess\s*\./,
  /\bcrypto\b/,
  /\bawait\b/,
  /\bfrom\s+['"](?!\.\/)[^'"]*['"]/,
  /\bimport\s*\(/,
];

/** Comments may name what the code avoids; only code counts. */
function code(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

function violations(name: string, src: string): string[] {
  const found: string[] = [];
  code(src)
    .split('\n')
    .forEach((line, i) => {
      for (const re of FORBIDDEN) if (re.test(line)) found.push(`${name}:${i + 1}: ${re.source}`);
    });
  return found;
}

describe('purity of src/balance', () => {
  it('has no clock, randomness, timers or outside imports', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('index.ts');
    expect(files.length).toBeGreaterThan(5);
    expect(files.flatMap((f) => violations(f, readFileSync(join(DIR, f), 'utf8')))).toEqual([]);
  });

  it('would notice each forbidden construct', () => {
    const bad = [
      'const t = Date.now();',
      'const r = Math.random();',
      'performance.now();',
      'setTimeout(f, 1);',
      'process.env.X;',
      "import { x } from '../raft/index.js';",
      "import fs from 'node:fs';",
      'await import("x");',
    ];
    for (const line of bad) expect(violations('f.ts', line), line).not.toEqual([]);
    expect(violations('f.ts', "// Date, Math.random\nimport { a } from './a.js';")).toEqual([]);
  });
});
