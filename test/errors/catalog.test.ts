import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACL_ERROR_CODES } from '../../src/acl/index.js';
import { CLI_ERROR_CODES } from '../../src/cli/errors.js';
import { ERROR_CATALOG, errorText, httpStatus, renderErrorCatalog } from '../../src/errors/index.js';
import { FILTER_ERROR_CODES } from '../../src/http/filter/index.js';
import { HTTP_ERROR_CODES } from '../../src/http/http-codes.js';
import { RAFT_ERROR_CODES, STORAGE_ERROR_CODES, TRANSPORT_ERROR_CODES } from '../../src/raft/index.js';
import { SERVER_ERROR_CODES } from '../../src/server/index.js';
import { STATE_ERROR_CODES } from '../../src/state/index.js';
import { repoRoot } from '../support/processes.js';

const MODULE_CODES: Readonly<Record<string, readonly string[]>> = {
  http: HTTP_ERROR_CODES,
  filter: FILTER_ERROR_CODES,
  server: SERVER_ERROR_CODES,
  state: STATE_ERROR_CODES,
  raft: RAFT_ERROR_CODES,
  transport: TRANSPORT_ERROR_CODES,
  storage: STORAGE_ERROR_CODES,
  acl: ACL_ERROR_CODES,
  cli: CLI_ERROR_CODES,
};

describe('the error catalog', () => {
  const catalogued = Object.keys(ERROR_CATALOG).sort();
  const raised = Object.values(MODULE_CODES).flat();

  it('maps every code a module declares, and nothing else', () => {
    expect([...raised].sort()).toEqual(catalogued);
    expect(new Set(raised).size).toBe(raised.length);
  });

  it('spells every code UPPER_SNAKE with a module prefix', () => {
    for (const code of catalogued) expect(code).toMatch(/^[A-Z]+_[A-Z][A-Z_]*[A-Z]$/);
  });

  it('gives HTTP statuses only in 4xx/5xx, and the CLI an exit status instead', () => {
    for (const [code, info] of Object.entries(ERROR_CATALOG)) {
      if (info.status !== null) expect(info.status >= 400 && info.status < 600, code).toBe(true);
      if (code.startsWith('CLI_')) expect([1, 2], code).toContain(info.exit);
      expect(info.meaning.length, code).toBeGreaterThan(10);
    }
  });

  it('keeps the statuses Consul clients rely on', () => {
    expect(httpStatus('SERVER_NO_LEADER')).toBe(500);
    expect(httpStatus('AGENT_CHECK_NOT_TTL')).toBe(500);
    expect(httpStatus('HTTP_INVALID_INDEX')).toBe(400);
    expect(httpStatus('KV_VALUE_TOO_LARGE')).toBe(413);
    expect(httpStatus('HTTP_METHOD_NOT_ALLOWED')).toBe(405);
    // Codes that never reach HTTP as themselves would be internal errors if they did.
    expect(httpStatus('RAFT_NOT_LEADER')).toBe(500);
  });

  it('adds a prefix once: the field given, or the one of the code', () => {
    expect(errorText('FILTER_SYNTAX', 'expected an operator at column 3')).toBe(
      'filter: expected an operator at column 3',
    );
    expect(errorText('HTTP_INVALID_FIELD', 'is required', 'Name')).toBe('Name: is required');
    expect(errorText('SERVER_NO_LEADER', 'No cluster leader')).toBe('No cluster leader');
  });

  it('docs/errors.md documents exactly the catalog (regenerate with node dist/scripts/docs.js)', () => {
    const onDisk = readFileSync(join(repoRoot, 'docs', 'errors.md'), 'utf8');
    expect(onDisk).toBe(renderErrorCatalog());
    const documented = [...onDisk.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(catalogued);
  });
});
