import { describe, expect, it } from 'vitest';
import { httpAnswered, httpCheckStatus, ProbeSchedule, Streaks, tcpFailed } from '../../src/health/index.js';
import type { Probe } from '../../src/state/index.js';
import { checkRecord } from '../state/support.js';

const httpProbe = (intervalMs = 1000): Probe => ({
  kind: 'http',
  url: 'http://127.0.0.1:1/health',
  method: 'GET',
  headers: {},
  body: '',
  tlsSkipVerify: false,
  intervalMs,
  timeoutMs: 500,
});
const probeCheck = (id: string, intervalMs = 1000) =>
  checkRecord({ id, type: 'http', ttlMs: 0, probe: httpProbe(intervalMs) });

describe('HTTP check status (Consul’s rule)', () => {
  it('2xx passing, 429 warning, everything else critical', () => {
    for (const code of [200, 201, 204, 299]) expect(httpCheckStatus(code)).toBe('passing');
    expect(httpCheckStatus(429)).toBe('warning');
    for (const code of [100, 199, 300, 302, 400, 404, 428, 430, 500, 503])
      expect(httpCheckStatus(code)).toBe('critical');
  });

  it('words the output as Consul does, keeping at most 4 KiB of the answer', () => {
    const p = httpProbe() as Extract<Probe, { kind: 'http' }>;
    expect(httpAnswered(p, 200, 'OK', 'fine')).toEqual({
      status: 'passing',
      output: 'HTTP GET http://127.0.0.1:1/health: 200 OK Output: fine',
    });
    const long = httpAnswered(p, 500, 'Internal Server Error', 'x'.repeat(10_000));
    expect(long.status).toBe('critical');
    expect(long.output.endsWith('x'.repeat(4096))).toBe(true);
    expect(long.output).not.toContain('x'.repeat(4097));
    expect(tcpFailed({ kind: 'tcp', address: 'h:1', intervalMs: 1000, timeoutMs: 1000 }, 'refused')).toEqual({
      status: 'critical',
      output: 'dial tcp h:1: refused',
    });
  });
});

describe('ProbeSchedule', () => {
  it('a new check is due at once, then every interval after its probe finishes, never twice at once', () => {
    const s = new ProbeSchedule();
    const a = probeCheck('a', 1000);
    s.sync([a, checkRecord({ id: 'ttl' })], 0);
    expect(s.size).toBe(1);
    expect(s.due(0, 10).map((c) => c.id)).toEqual(['a']);
    expect(s.due(5000, 10)).toEqual([]); // still running
    s.done(a, 300);
    expect(s.due(1299, 10)).toEqual([]);
    expect(s.due(1300, 10).map((c) => c.id)).toEqual(['a']);
  });

  it('hands out at most `limit`, earliest first; drops checks that are gone; a changed probe is due at once', () => {
    const s = new ProbeSchedule();
    const checks = ['a', 'b', 'c'].map((id) => probeCheck(id, 1000));
    s.sync(checks, 0);
    expect(s.due(0, 2)).toHaveLength(2);
    expect(s.due(0, 2).map((c) => c.id)).toEqual(['c']);
    for (const c of checks) s.done(c, 10);
    s.sync([checks[0]!, probeCheck('b', 5000)], 20);
    expect(s.size).toBe(2);
    // b's probe changed (new interval): due now; a waits for its interval.
    expect(s.due(20, 10).map((c) => c.id)).toEqual(['b']);
    expect(s.due(1010, 10).map((c) => c.id)).toEqual(['a']);
    s.clear();
    expect(s.size).toBe(0);
  });
});

describe('Streaks (SuccessBeforePassing / FailuresBeforeWarning / FailuresBeforeCritical)', () => {
  const run = (
    t:
      | { successBeforePassing: number; failuresBeforeWarning: number; failuresBeforeCritical: number }
      | undefined,
    results: string[],
  ) => {
    const s = new Streaks();
    return results.map((r) => s.observe('k', r as 'passing' | 'warning' | 'critical', t));
  };

  it('without thresholds every result moves the status at once', () => {
    expect(run(undefined, ['passing', 'critical', 'warning', 'critical'])).toEqual([
      'passing',
      'critical',
      'warning',
      'critical',
    ]);
  });

  it('counts results in a row; a result of the other kind starts the count again', () => {
    const t = { successBeforePassing: 2, failuresBeforeWarning: 1, failuresBeforeCritical: 3 };
    expect(
      run(t, ['critical', 'critical', 'passing', 'critical', 'critical', 'critical', 'passing', 'passing']),
    ).toEqual(['warning', 'warning', null, 'warning', 'warning', 'critical', null, 'passing']);
    // 429 (warning) counts as a success, as in Consul.
    expect(run(t, ['warning', 'warning'])).toEqual([null, 'warning']);
  });

  it('keepOnly forgets checks that are gone', () => {
    const s = new Streaks();
    const t = { successBeforePassing: 2, failuresBeforeWarning: 2, failuresBeforeCritical: 2 };
    expect(s.observe('a', 'passing', t)).toBeNull();
    s.keepOnly(new Set(['b']));
    expect(s.observe('a', 'passing', t)).toBeNull();
    expect(s.observe('a', 'passing', t)).toBe('passing');
  });
});
