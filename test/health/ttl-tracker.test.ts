import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TtlTracker } from '../../src/health/ttl-tracker.js';
import type { Check } from '../../src/state/types.js';
import { checkRecord, Harness, register, serviceSpec, ttlCheck } from '../state/support.js';

const OPTS = { selfPreservationShare: 0.5, selfPreservationMinChecks: 10 };
const TTL = 10_000;

function checks(n: number, over: Partial<Check> = {}): Check[] {
  return Array.from({ length: n }, (_, i) =>
    checkRecord({ id: `c${i}`, serviceId: `s${i}`, ttlMs: TTL, ...over }),
  );
}

const ids = (round: { expire: readonly { checkId: string }[] }) => round.expire.map((u) => u.checkId).sort();

describe('TtlTracker', () => {
  it('keeps its own status while its write is in flight, so a heartbeat right after is not lost', () => {
    const t = new TtlTracker(OPTS);
    const critical = checkRecord({ id: 'a', status: 'critical' });
    t.track(critical, 0);
    const pass = t.heartbeat('n1', 'a', 'passing', '', 1);
    expect(pass).toEqual({ kind: 'ok', change: { node: 'n1', checkId: 'a', status: 'passing', output: '' } });
    t.writesStarted([{ node: 'n1', checkId: 'a' }]);
    // An expiry round re-reads the check from the catalog before the pass is applied there.
    t.track(critical, 2);
    t.writesDone([{ node: 'n1', checkId: 'a' }]);
    // The pass has been applied; the client now reports a failure: that is a change to write.
    const fail = t.heartbeat('n1', 'a', 'critical', '', 3);
    expect(fail).toEqual({
      kind: 'ok',
      change: { node: 'n1', checkId: 'a', status: 'critical', output: '' },
    });
  });

  it('an expiry in flight is not undone by the catalog still showing the check passing', () => {
    const t = new TtlTracker(OPTS);
    const passing = checkRecord({ id: 'a', status: 'passing' });
    t.track(passing, 0);
    const round = t.expire(TTL);
    expect(ids(round)).toEqual(['a']);
    t.writesStarted(round.expire);
    t.track(passing, TTL + 1); // the catalog before the expiry is applied
    t.writesDone(round.expire);
    // The instance comes back: its heartbeat must be written, not taken for no change.
    const back = t.heartbeat('n1', 'a', 'passing', '', TTL + 2);
    expect(back).toEqual({ kind: 'ok', change: { node: 'n1', checkId: 'a', status: 'passing', output: '' } });
  });

  it('once no write is in flight, the catalog is believed again (a write that failed)', () => {
    const t = new TtlTracker(OPTS);
    t.track(checkRecord({ id: 'a', status: 'critical' }), 0);
    t.heartbeat('n1', 'a', 'passing', '', 1);
    t.writesStarted([{ node: 'n1', checkId: 'a' }]);
    t.writesDone([{ node: 'n1', checkId: 'a' }]);
    t.track(checkRecord({ id: 'a', status: 'critical' }), 2);
    const again = t.heartbeat('n1', 'a', 'passing', '', 3);
    expect(again.kind === 'ok' && again.change?.status).toBe('passing');
  });

  it('sync grants new checks a full TTL from now and tracks only TTL checks', () => {
    const t = new TtlTracker(OPTS);
    t.sync([checkRecord({ id: 'a' }), checkRecord({ id: 'noTtl', ttlMs: 0, type: '' })], 5_000);
    expect(t.size).toBe(1);
    expect(t.isTracked('n1', 'a')).toBe(true);
    expect(t.isTracked('n1', 'noTtl')).toBe(false);
    expect(t.expire(5_000 + TTL - 1).expire).toEqual([]);
    expect(t.expire(5_000 + TTL)).toEqual({
      expire: [{ node: 'n1', checkId: 'a', status: 'critical', output: 'TTL expired' }],
      selfPreservation: false,
      held: 0,
    });
  });

  it('a later sync does not extend the deadline of a check it already tracks, and drops vanished checks', () => {
    const t = new TtlTracker(OPTS);
    t.sync([checkRecord({ id: 'a' }), checkRecord({ id: 'b' })], 0);
    t.sync([checkRecord({ id: 'a' })], 9_000);
    expect(t.isTracked('n1', 'b')).toBe(false);
    expect(t.size).toBe(1);
    expect(ids(t.expire(TTL))).toEqual(['a']);
  });

  it('checks are keyed per node: the same id on two nodes is two checks', () => {
    const t = new TtlTracker(OPTS);
    t.sync([checkRecord({ id: 'a', node: 'n1' }), checkRecord({ id: 'a', node: 'n2' })], 0);
    expect(t.size).toBe(2);
    t.heartbeat('n1', 'a', 'passing', '', 5_000);
    expect(t.expire(TTL).expire).toEqual([
      { node: 'n2', checkId: 'a', status: 'critical', output: 'TTL expired' },
    ]);
  });

  it('a heartbeat moves the deadline; an unchanged status or a changed output alone proposes nothing', () => {
    const t = new TtlTracker(OPTS);
    t.sync([checkRecord({ id: 'a', output: 'hello' })], 0);
    expect(t.heartbeat('n1', 'a', 'passing', 'hello', 8_000)).toEqual({ kind: 'ok', change: null });
    expect(t.expire(TTL).expire).toEqual([]);
    expect(t.heartbeat('n1', 'a', 'passing', 'different output', 17_000)).toEqual({
      kind: 'ok',
      change: null,
    });
    expect(t.expire(8_000 + TTL).expire).toEqual([]);
    expect(t.expire(17_000 + TTL - 1).expire).toEqual([]);
    expect(ids(t.expire(17_000 + TTL))).toEqual(['a']);
  });

  it('a changed output alone is proposed once the output sync interval passed (Consul’s check_update_interval)', () => {
    const t = new TtlTracker({ ...OPTS, outputSyncMs: 60_000 });
    t.sync([checkRecord({ id: 'a', output: 'v1', ttlMs: 1_000_000 })], 0);
    expect(t.heartbeat('n1', 'a', 'passing', 'v2', 59_999)).toEqual({ kind: 'ok', change: null });
    expect(t.heartbeat('n1', 'a', 'passing', 'v2', 60_000)).toEqual({
      kind: 'ok',
      change: { node: 'n1', checkId: 'a', status: 'passing', output: 'v2' },
    });
    // Synced: the same output is no change, and a new one waits another interval.
    expect(t.heartbeat('n1', 'a', 'passing', 'v2', 60_001)).toEqual({ kind: 'ok', change: null });
    expect(t.heartbeat('n1', 'a', 'passing', 'v3', 119_999)).toEqual({ kind: 'ok', change: null });
    expect(t.heartbeat('n1', 'a', 'passing', 'v3', 120_000)).toEqual({
      kind: 'ok',
      change: { node: 'n1', checkId: 'a', status: 'passing', output: 'v3' },
    });
  });

  it('a status change is returned as the StatusUpdate to propose', () => {
    const t = new TtlTracker(OPTS);
    t.sync([checkRecord({ id: 'a' })], 0);
    expect(t.heartbeat('n1', 'a', 'warning', 'slow', 1_000)).toEqual({
      kind: 'ok',
      change: { node: 'n1', checkId: 'a', status: 'warning', output: 'slow' },
    });
    // The tracker now believes "warning": repeating it is not a change.
    expect(t.heartbeat('n1', 'a', 'warning', 'slow', 2_000)).toEqual({ kind: 'ok', change: null });
    expect(t.heartbeat('n1', 'a', 'passing', '', 3_000)).toEqual({
      kind: 'ok',
      change: { node: 'n1', checkId: 'a', status: 'passing', output: '' },
    });
  });

  it('an unknown check is reported as such and starts nothing', () => {
    const t = new TtlTracker(OPTS);
    t.sync([checkRecord({ id: 'a' })], 0);
    expect(t.heartbeat('n1', 'zzz', 'passing', '', 1)).toEqual({ kind: 'unknown' });
    expect(t.heartbeat('n2', 'a', 'passing', '', 1)).toEqual({ kind: 'unknown' });
    expect(t.size).toBe(1);
  });

  it("expiry uses Consul's outputs, with the last known output", () => {
    const t = new TtlTracker(OPTS);
    t.sync([checkRecord({ id: 'quiet' }), checkRecord({ id: 'chatty', output: 'all good' })], 0);
    const round = t.expire(TTL);
    expect(round.expire).toEqual(
      expect.arrayContaining([
        { node: 'n1', checkId: 'quiet', status: 'critical', output: 'TTL expired' },
        {
          node: 'n1',
          checkId: 'chatty',
          status: 'critical',
          output: 'TTL expired (last output before timeout follows): all good',
        },
      ]),
    );
    expect(round.expire).toHaveLength(2);
  });

  it('the output of a status-changing heartbeat is the one quoted at expiry', () => {
    const t = new TtlTracker(OPTS);
    t.sync([checkRecord({ id: 'a', status: 'critical' })], 0);
    t.heartbeat('n1', 'a', 'passing', 'up', 1_000);
    expect(t.expire(1_000 + TTL).expire[0]?.output).toBe(
      'TTL expired (last output before timeout follows): up',
    );
  });

  it('expires a check once, never twice, and never one already critical', () => {
    const t = new TtlTracker(OPTS);
    t.sync([checkRecord({ id: 'a' }), checkRecord({ id: 'crit', status: 'critical' })], 0);
    expect(ids(t.expire(TTL))).toEqual(['a']);
    for (const now of [TTL, TTL + 1, 3 * TTL, 100 * TTL]) expect(t.expire(now).expire).toEqual([]);
    // The expiry applied: the replicated state now says critical. Still nothing.
    t.sync(
      [
        checkRecord({ id: 'a', status: 'critical', output: 'TTL expired' }),
        checkRecord({ id: 'crit', status: 'critical' }),
      ],
      200 * TTL,
    );
    expect(t.expire(300 * TTL).expire).toEqual([]);
    // A failing heartbeat makes a check critical by itself: that is not expired either.
    t.sync([checkRecord({ id: 'b' })], 0);
    expect(t.heartbeat('n1', 'b', 'critical', 'down', 400 * TTL)).toMatchObject({
      change: { status: 'critical' },
    });
    expect(t.expire(500 * TTL).expire).toEqual([]);
  });

  it('a heartbeat after expiry revives the check with a full TTL and proposes passing', () => {
    const t = new TtlTracker(OPTS);
    t.sync([checkRecord({ id: 'a' })], 0);
    expect(ids(t.expire(TTL))).toEqual(['a']);
    expect(t.heartbeat('n1', 'a', 'passing', '', 12_000)).toEqual({
      kind: 'ok',
      change: { node: 'n1', checkId: 'a', status: 'passing', output: '' },
    });
    expect(t.expire(12_000 + TTL - 1).expire).toEqual([]);
    expect(ids(t.expire(12_000 + TTL))).toEqual(['a']);
  });

  it('a re-registration that makes an expired check passing again gets a full TTL', () => {
    const t = new TtlTracker(OPTS);
    t.sync([checkRecord({ id: 'a' })], 0);
    expect(ids(t.expire(TTL))).toEqual(['a']);
    // The state applied the expiry, then the service re-registered with status passing.
    t.sync([checkRecord({ id: 'a', status: 'critical', output: 'TTL expired' })], 11_000);
    t.sync([checkRecord({ id: 'a', status: 'passing', output: '' })], 15_000);
    expect(t.expire(15_000 + TTL - 1).expire).toEqual([]);
    expect(ids(t.expire(15_000 + TTL))).toEqual(['a']);
  });

  it('track adds a single check with a full TTL, ignores non-TTL checks, and a shorter TTL pulls the deadline in', () => {
    const t = new TtlTracker(OPTS);
    t.track(checkRecord({ id: 'a' }), 1_000);
    t.track(checkRecord({ id: 'x', ttlMs: 0 }), 1_000);
    expect(t.size).toBe(1);
    expect(t.isTracked('n1', 'a')).toBe(true);
    // Tracking it again does not move the deadline.
    t.track(checkRecord({ id: 'a' }), 5_000);
    expect(t.expire(1_000 + TTL - 1).expire).toEqual([]);
    t.track(checkRecord({ id: 'b' }), 0);
    t.track(checkRecord({ id: 'b', ttlMs: 2_000 }), 1_000);
    expect(ids(t.expire(3_000))).toEqual(['b']);
    expect(ids(t.expire(1_000 + TTL))).toEqual(['a']);
    // A longer TTL does not extend the current deadline.
    t.track(checkRecord({ id: 'c' }), 0);
    t.track(checkRecord({ id: 'c', ttlMs: 60_000 }), 1_000);
    expect(ids(t.expire(TTL))).toEqual(['c']);
  });

  it('clear forgets everything', () => {
    const t = new TtlTracker(OPTS);
    t.sync(checks(3), 0);
    t.clear();
    expect(t.size).toBe(0);
    expect(t.expire(10 * TTL).expire).toEqual([]);
    expect(t.heartbeat('n1', 'c0', 'passing', '', 1)).toEqual({ kind: 'unknown' });
  });

  describe('self-preservation', () => {
    it('engages when most live checks stop at once, holds them, and releases when heartbeats resume', () => {
      const t = new TtlTracker(OPTS);
      const all = checks(20);
      t.sync(all, 0);
      // 5 keep beating, 15 stop.
      for (let i = 0; i < 5; i++) t.heartbeat('n1', `c${i}`, 'passing', '', 9_000);
      const round = t.expire(TTL);
      expect(round).toEqual({ expire: [], selfPreservation: true, held: 15 });
      expect(t.selfPreservationActive).toBe(true);
      expect(t.expire(TTL + 5_000)).toEqual({ expire: [], selfPreservation: true, held: 15 });
      // Heartbeats resume.
      for (let i = 0; i < 20; i++) t.heartbeat('n1', `c${i}`, 'passing', '', 16_000);
      expect(t.expire(16_000)).toEqual({ expire: [], selfPreservation: false, held: 0 });
      expect(t.selfPreservationActive).toBe(false);
      // Back to normal: a single check that stops now expires.
      for (let i = 1; i < 20; i++) t.heartbeat('n1', `c${i}`, 'passing', '', 25_000);
      expect(ids(t.expire(26_000))).toEqual(['c0']);
    });

    it('does not engage when only a minority stops', () => {
      const t = new TtlTracker(OPTS);
      t.sync(checks(20), 0);
      for (let i = 0; i < 12; i++) t.heartbeat('n1', `c${i}`, 'passing', '', 9_000);
      const round = t.expire(TTL);
      expect(round.selfPreservation).toBe(false);
      expect(round.expire).toHaveLength(8);
      expect(t.selfPreservationActive).toBe(false);
      // Those just expired count as "recent": another 4 stopping (8+4 > 10 of 20) engages it.
      for (let i = 0; i < 8; i++) t.heartbeat('n1', `c${i}`, 'passing', '', 15_000);
      const next = t.expire(9_000 + TTL);
      expect(next).toEqual({ expire: [], selfPreservation: true, held: 4 });
    });

    it('never engages below selfPreservationMinChecks', () => {
      const single = new TtlTracker(OPTS);
      single.sync(checks(1), 0);
      expect(single.expire(TTL)).toMatchObject({ selfPreservation: false, held: 0 });
      expect(single.selfPreservationActive).toBe(false);

      const nine = new TtlTracker(OPTS);
      nine.sync(checks(9), 0);
      const round = nine.expire(TTL);
      expect(round.selfPreservation).toBe(false);
      expect(round.expire).toHaveLength(9);
    });

    it('with a minimum of 1, a lone stopped check is over the share and is held', () => {
      const t = new TtlTracker({ selfPreservationShare: 0.5, selfPreservationMinChecks: 1 });
      t.sync(checks(1), 0);
      expect(t.expire(TTL)).toEqual({ expire: [], selfPreservation: true, held: 1 });
    });
  });

  it('end to end with the state machine: expiries become critical with the exact output, statusSince from `at`', () => {
    const h = new Harness();
    h.ok(
      register(
        'n1',
        serviceSpec('s1', 'web'),
        [ttlCheck('c1', 's1', { status: 'passing', output: 'booted' })],
        {
          at: 0,
        },
      ),
    );
    const t = new TtlTracker(OPTS);
    t.sync(h.catalog.ttlChecks(), 100);
    const round = t.expire(100 + 10_000);
    expect(round.expire).toHaveLength(1);
    h.ok({ type: 'checkStatus', at: 10_100, updates: round.expire });
    expect(h.catalog.check('n1', 'c1')).toMatchObject({
      status: 'critical',
      output: 'TTL expired (last output before timeout follows): booted',
      statusSince: 10_100,
    });
    t.sync(h.catalog.ttlChecks(), 11_000);
    expect(t.expire(50_000).expire).toEqual([]);
    const beat = t.heartbeat('n1', 'c1', 'passing', '', 60_000);
    expect(beat.kind).toBe('ok');
    if (beat.kind === 'ok' && beat.change) h.ok({ type: 'checkStatus', at: 60_000, updates: [beat.change] });
    expect(h.catalog.check('n1', 'c1')).toMatchObject({ status: 'passing', output: '', statusSince: 60_000 });
  });

  it('property (no self-preservation): a check expires exactly when its deadline has passed, once per lapse', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            dt: fc.integer({ min: 0, max: 15_000 }),
            kind: fc.constantFrom('beat', 'expire', 'expire'),
            who: fc.nat(4),
          }),
          { maxLength: 60 },
        ),
        fc.constantFrom<number>(1_000, 5_000, 10_000),
        (events, ttl) => {
          const n = 5;
          const t = new TtlTracker(OPTS); // 5 checks < 10: self-preservation cannot engage
          t.sync(checks(n, { ttlMs: ttl }), 0);
          const deadline = Array.from({ length: n }, () => ttl);
          const expired = Array.from({ length: n }, () => false);
          let now = 0;
          for (const [step, e] of events.entries()) {
            now += e.dt;
            const where = `step ${step} at ${now}`;
            if (e.kind === 'beat') {
              const v = t.heartbeat('n1', `c${e.who}`, 'passing', '', now);
              expect(v, where).toEqual({
                kind: 'ok',
                change: expired[e.who]
                  ? { node: 'n1', checkId: `c${e.who}`, status: 'passing', output: '' }
                  : null,
              });
              deadline[e.who] = now + ttl;
              expired[e.who] = false;
            } else {
              const want: string[] = [];
              for (let i = 0; i < n; i++) {
                if (!expired[i] && deadline[i]! <= now) {
                  want.push(`c${i}`);
                  expired[i] = true;
                }
              }
              const round = t.expire(now);
              expect(round.selfPreservation, where).toBe(false);
              expect(ids(round), where).toEqual(want.sort());
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
