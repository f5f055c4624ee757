import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { distScript, repoRoot } from '../support/processes.js';

/** `cairn version`: the package's version, read next to the compiled CLI. */
describe('cairn version', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [distScript('src/cli/main.js'), ...args], {
      encoding: 'utf8',
      timeout: 20_000,
    });

  it('prints the version of package.json and exits 0', () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    const r = run('version');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`cairn ${version}\n`);
  });

  it('refuses arguments with one line and exit status 2', () => {
    const r = run('version', '--json');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('cairn: version: takes no arguments\n');
  });
});
