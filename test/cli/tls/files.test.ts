import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEY_MODE, readInput, TlsCommandError, writeNewFiles } from '../../../src/cli/tls/files.js';

let dir = '';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-tls-files-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeNewFiles', () => {
  it('writes each file with its mode', async () => {
    const written = await writeNewFiles([
      { path: join(dir, 'a.pem'), text: 'A', mode: 0o644 },
      { path: join(dir, 'a-key.pem'), text: 'K', mode: KEY_MODE },
    ]);
    expect(written).toEqual([join(dir, 'a.pem'), join(dir, 'a-key.pem')]);
    expect(readFileSync(join(dir, 'a-key.pem'), 'utf8')).toBe('K');
    expect(statSync(join(dir, 'a-key.pem')).mode & 0o777).toBe(0o600);
  });

  it('replaces nothing, and removes what it wrote when a later file is in the way', async () => {
    writeFileSync(join(dir, 'b-key.pem'), 'theirs');
    await expect(
      writeNewFiles([
        { path: join(dir, 'b.pem'), text: 'B', mode: 0o644 },
        { path: join(dir, 'b-key.pem'), text: 'K', mode: KEY_MODE },
      ]),
    ).rejects.toThrow(new TlsCommandError(`${join(dir, 'b-key.pem')} already exists; not overwriting it`));
    expect(readFileSync(join(dir, 'b-key.pem'), 'utf8')).toBe('theirs');
    expect(existsSync(join(dir, 'b.pem'))).toBe(false);
  });
});

describe('readInput', () => {
  it('says which file is missing', async () => {
    await expect(readInput(join(dir, 'ca.pem'), 'CA certificate')).rejects.toThrow(
      `cannot read the CA certificate ${join(dir, 'ca.pem')}: no such file`,
    );
  });
});
