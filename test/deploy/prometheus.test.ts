import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/processes.js';

/**
 * deploy/prometheus/cairn-rules.yml through promtool (Debian's `prometheus` package; `npm test`
 * installs it through scripts/ensure-test-deps.sh): `check rules`, then `test rules` on
 * cairn-rules.test.yml, which has a firing and a quiet case for every alert. Then the same unit
 * tests on a copy of the rules with one threshold changed, which must fail, so they cannot pass
 * vacuously.
 */
const DIR = join(repoRoot, 'deploy', 'prometheus');
const RULES = 'cairn-rules.yml';
const TESTS = 'cairn-rules.test.yml';

function promtool(args: readonly string[], cwd: string): { code: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool did not run (${r.error.message}); run scripts/ensure-test-deps.sh`);
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

const scratch = mkdtempSync(join(tmpdir(), 'cairn-rules-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the Prometheus alerting rules', () => {
  it('pass promtool check rules', () => {
    const r = promtool(['check', 'rules', RULES], DIR);
    expect(r.output).toMatch(/SUCCESS: 9 rules found/);
    expect(r.code, r.output).toBe(0);
  });

  it('pass their promtool unit tests (every alert fires when it should and not otherwise)', () => {
    const r = promtool(['test', 'rules', TESTS], DIR);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('SUCCESS');
    // Every alert of the rules has unit tests.
    const alerts = [...readFileSync(join(DIR, RULES), 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    const tested = new Set(
      [...readFileSync(join(DIR, TESTS), 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]),
    );
    expect(alerts.length).toBe(9);
    for (const a of alerts) expect(tested.has(a), `${a} has no promtool test`).toBe(true);
  });

  it('unit tests that fail when a threshold changes', () => {
    const rules = readFileSync(join(DIR, RULES), 'utf8');
    const loosened = rules.replace(
      'increase(cairn_raft_leader_changes_total[15m]) > 6',
      'increase(cairn_raft_leader_changes_total[15m]) > 60',
    );
    expect(loosened).not.toBe(rules);
    writeFileSync(join(scratch, RULES), loosened);
    copyFileSync(join(DIR, TESTS), join(scratch, TESTS));
    const r = promtool(['test', 'rules', TESTS], scratch);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('CairnFrequentLeaderChanges');
  });
});
