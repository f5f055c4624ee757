import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/processes.js';

/**
 * deploy/systemd/cairn.service: `systemd-analyze verify` accepts it (and reports a misspelt
 * setting, so the check bites), its hardening settings are there, and `systemd-analyze security`
 * rates it. systemd does not run here (no PID 1), so the unit is verified, not started.
 */
const UNIT = readFileSync(join(repoRoot, 'deploy', 'systemd', 'cairn.service'), 'utf8');
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const missing = analyze.error !== undefined || analyze.status !== 0;
if (missing) console.warn('test/deploy/systemd: systemd-analyze cannot run here; the unit is not verified');

const scratch = mkdtempSync(join(tmpdir(), 'cairn-unit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `systemd-analyze ARGS cairn.service` on a copy of `text`; the lines that name the unit. */
function analyzeUnit(
  args: readonly string[],
  text: string,
): { code: number | null; output: string; about: string[] } {
  const file = join(scratch, 'cairn.service');
  // verify checks that ExecStart's program exists: point it at this machine's node.
  writeFileSync(file, text.replace('/usr/bin/node ', `${process.execPath} `));
  const r = spawnSync('systemd-analyze', [...args, file], { encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`;
  return { code: r.status, output, about: output.split('\n').filter((l) => l.includes('cairn.service:')) };
}

/** The unit's settings: key -> values in order (a key may repeat). */
function settings(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m?.[1] === undefined) continue;
    out.set(m[1], [...(out.get(m[1]) ?? []), m[2] ?? '']);
  }
  return out;
}

describe('the systemd unit, read', () => {
  const s = settings(UNIT);
  const one = (key: string) => s.get(key)?.at(-1);

  it('runs as the cairn user, restarts on failure, reloads with SIGHUP, raises the descriptor limit', () => {
    expect(one('User')).toBe('cairn');
    expect(one('Restart')).toBe('on-failure');
    expect(one('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(Number(one('LimitNOFILE'))).toBeGreaterThanOrEqual(65536);
  });

  it('is hardened: no new privileges, a read-only system but for the data directory, no capabilities', () => {
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ProtectHome')).toBe('yes');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(one('AmbientCapabilities')).toBe('');
    // The data directory given to the agent is the writable one.
    const dataDir = /--data-dir (\S+)/.exec(one('ExecStart') ?? '')?.[1];
    expect(dataDir).toBe('/var/lib/cairn');
    expect(one('ReadWritePaths')?.split(/\s+/)).toContain(dataDir);
  });
});

describe.skipIf(missing)('the systemd unit, through systemd-analyze', () => {
  it('passes systemd-analyze verify with nothing to say about it', () => {
    const r = analyzeUnit(['verify'], UNIT);
    expect(r.about, r.output).toEqual([]);
    expect(r.code, r.output).toBe(0);
  });

  it('a misspelt setting is reported (the check is not vacuous)', () => {
    const r = analyzeUnit(['verify'], UNIT.replace('NoNewPrivileges=', 'NoNewPrivilege='));
    expect(r.about.join('\n')).toMatch(/Unknown key (name )?'NoNewPrivilege'/);
  });

  it('has a low exposure in systemd-analyze security', () => {
    const r = analyzeUnit(['security', '--offline=yes'], UNIT);
    const level = /Overall exposure level for cairn\.service: ([\d.]+)/.exec(r.output)?.[1];
    expect(level, r.output).toBeDefined();
    console.log(`systemd-analyze security: exposure ${level} (0 best, 10 worst)`);
    expect(Number(level)).toBeLessThanOrEqual(2);
  });
});
