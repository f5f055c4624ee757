import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/processes.js';
import { headingAnchors, relativeLinks } from './links.js';

const PAGES = [
  'README.md',
  'CONTRIBUTING.md',
  'src/client/README.md',
  'src/raft/README.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Pages other work is writing while the docs index already links to them. */
const PENDING = new Set([
  'docs/security.md',
  'docs/tls.md',
  'docs/upgrades.md',
  'docs/errors.md',
  'docs/architecture-rules.md',
]);

describe('documentation links', () => {
  it('point at files that exist, and at headings that exist', () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      const text = readFileSync(join(repoRoot, page), 'utf8');
      for (const link of relativeLinks(text)) {
        const target = link.path === '' ? page : relative(repoRoot, join(repoRoot, dirname(page), link.path));
        const where = `${page}:${link.line} -> ${link.path}${link.anchor !== null ? `#${link.anchor}` : ''}`;
        if (!existsSync(join(repoRoot, target))) {
          if (!PENDING.has(target)) broken.push(`${where}: no such file`);
          continue;
        }
        if (link.anchor !== null && target.endsWith('.md')) {
          const anchors = headingAnchors(readFileSync(join(repoRoot, target), 'utf8'));
          if (!anchors.has(link.anchor)) broken.push(`${where}: no such heading`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('know GitHub anchors and skip code', () => {
    expect([
      ...headingAnchors('# The `cairn kv` command\n## Flags\n## Flags\n```sh\n# not a heading\n```'),
    ]).toEqual(['the-cairn-kv-command', 'flags', 'flags-1']);
    expect(relativeLinks('see [a](a.md#x), `[b](b.md)`, [c](https://e.org)\n```\n[d](d.md)\n```')).toEqual([
      { line: 1, path: 'a.md', anchor: 'x' },
    ]);
  });
});
