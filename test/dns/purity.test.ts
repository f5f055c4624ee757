import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The answer builder and the message codec are pure (DESIGN.md, principle 6): the clock, the
 * random source and the round-robin state come in through the context, and only server.ts touches
 * sockets. A scan keeps it so.
 */
const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/dns');
const PURE = [
  'answer.ts',
  'names.ts',
  'order.ts',
  'message.ts',
  'config.ts',
  'view.ts',
  'rate-limit.ts',
  'connection-slots.ts',
];

const FORBIDDEN: readonly RegExp[] = [
  /\bDate\b/,
  /\bMath\s*\.\s*random\b/,
  /\bperformance\b/,
  /\bset(?:Timeout|Interval|Immediate)\b/,
  /\bprocess\s*\./,
  /\bawait\b/,
  /from\s+['"]node:(?!buffer)[^'"]+['"]/,
  /\bimport\s*\(/,
  /from\s+['"]\.\.\/(?:http|cli|server|health|raft)\//,
];

function code(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

describe('src/dns purity', () => {
  it.each(PURE)('%s uses no clock, randomness, timers, I/O or layers above it', (file) => {
    const found: string[] = [];
    code(readFileSync(resolve(DIR, file), 'utf8'))
      .split('\n')
      .forEach((line, i) => {
        for (const re of FORBIDDEN) if (re.test(line)) found.push(`${file}:${i + 1}: ${re.source}`);
      });
    expect(found).toEqual([]);
  });

  it('the scan catches what it should', () => {
    const bad =
      "const t = Date.now();\nimport { x } from 'node:dgram';\nimport { y } from '../http/lookup.js';";
    const hits = FORBIDDEN.filter((re) =>
      code(bad)
        .split('\n')
        .some((l) => re.test(l)),
    );
    expect(hits).toHaveLength(3);
  });
});
