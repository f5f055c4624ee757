import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaderHealth } from '../../src/health/index.js';
import type { Command } from '../../src/state/commands.js';
import { Harness, register, serviceSpec, ttlCheck } from '../state/support.js';

const TTL = 10_000;
const OPTS = {
  selfPreservationShare: 0.5,
  selfPreservationMinChecks: 10,
  expiryIntervalMs: 100,
  reapIntervalMs: 1000,
};

/**
 * Regression (found by test/chaos, clock nemesis): TTL and session deadlines
 * were kept on the wall clock, so when the leader's wall clock stepped
 * forward (an NTP correction, `date -s`) every TTL check expired at once,
 * although every instance kept heartbeating. Deadlines now run on a
 * monotonic clock; the wall clock only stamps the commands.
 */
describe('LeaderHealth: deadlines run on a monotonic clock, not the wall clock', () => {
  let wall: number;
  let mono: number;
  let proposed: Command[];
  let h: Harness;
  let health: LeaderHealth;

  beforeEach(() => {
    vi.useFakeTimers();
    wall = 1_700_000_000_000;
    mono = 5_000;
    proposed = [];
    h = new Harness();
    h.ok(
      register('node-1', serviceSpec('web-1', 'web'), [
        ttlCheck('service:web-1', 'web-1', { ttlMs: TTL, status: 'passing' }),
      ]),
    );
    h.ok({
      type: 'sessionCreate',
      session: {
        id: 'sess-1',
        name: 'lock holder',
        node: 'node-1',
        lockDelayMs: 0,
        behavior: 'release',
        ttlMs: TTL,
        nodeChecks: [],
        serviceChecks: [],
      },
      write: { at: wall, author: '', keep: 10 },
    });
    health = new LeaderHealth(
      h.state,
      async (cmd) => {
        proposed.push(cmd);
      },
      () => wall,
      pino({ level: 'silent' }),
      OPTS,
      () => mono,
    );
    health.start();
  });

  afterEach(() => {
    health.stop();
    vi.useRealTimers();
  });

  const expiries = () => proposed.filter((c) => c.type === 'checkStatus' || c.type === 'sessionEnd');

  it('a forward step of the wall clock expires nothing', () => {
    mono += 1000;
    wall += 3_600_000;
    vi.advanceTimersByTime(1000);
    expect(expiries()).toEqual([]);
  });

  it('a heartbeat moves the deadline by monotonic time, whatever the wall clock says', async () => {
    mono += 8000;
    wall -= 3_600_000;
    await health.heartbeats([
      { node: 'node-1', checkId: 'service:web-1', status: 'passing', output: '', load: null },
    ]);
    wall += 7_200_000;
    mono += 8000; // 16 s after start, 8 s after the heartbeat
    vi.advanceTimersByTime(500);
    expect(proposed.filter((c) => c.type === 'checkStatus')).toEqual([]);
  });

  it('monotonic time past the TTL still expires the check (stamped with the wall clock) and the session', () => {
    mono += TTL + 1;
    vi.advanceTimersByTime(200);
    const expired = proposed.find((c) => c.type === 'checkStatus');
    expect(expired).toMatchObject({
      type: 'checkStatus',
      at: wall,
      updates: [{ checkId: 'service:web-1', status: 'critical' }],
    });
    // Sessions get 2 x TTL, as in Consul.
    expect(proposed.filter((c) => c.type === 'sessionEnd')).toEqual([]);
    mono += TTL;
    vi.advanceTimersByTime(200);
    expect(proposed.filter((c) => c.type === 'sessionEnd')).toMatchObject([{ ids: ['sess-1'] }]);
  });
});
