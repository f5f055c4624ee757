import { describe, expect, it } from 'vitest';
import {
  aggregateStatus,
  type Check,
  type HealthStatus,
  type Instance,
  instanceCandidate,
  protectionThreshold,
  selectHealthy,
} from '../../src/state/index.js';

/** The health rules DNS shares with the HTTP lookup (src/state/health.ts). */
const check = (status: HealthStatus) => ({ status }) as Check;
const instance = (meta: Record<string, string> = {}, weights = { passing: 3, warning: 1 }) =>
  ({ node: 'n', id: 'i', meta, weights, load: 0.5 }) as unknown as Instance;

describe('shared health rules', () => {
  it('aggregate status: the worst check; none is passing', () => {
    expect(aggregateStatus([])).toBe('passing');
    expect(aggregateStatus([check('passing'), check('warning')])).toBe('warning');
    expect(aggregateStatus([check('warning'), check('critical'), check('passing')])).toBe('critical');
  });

  it('protection threshold: the first valid Meta.protection_threshold, else the fallback', () => {
    expect(protectionThreshold([instance(), instance({ protection_threshold: '0.3' })], 0.9)).toBe(0.3);
    expect(
      protectionThreshold(
        [instance({ protection_threshold: '2' }), instance({ protection_threshold: 'x' })],
        0.1,
      ),
    ).toBe(0.1);
  });

  it('selectHealthy: passing (and warning if asked); everything below the threshold', () => {
    const all = (['passing', 'warning', 'critical', 'critical'] as const).map((status, i) => ({ status, i }));
    expect(selectHealthy(all, false, 0).chosen.map((e) => e.i)).toEqual([0]);
    expect(selectHealthy(all, true, 0).chosen.map((e) => e.i)).toEqual([0, 1]);
    expect(selectHealthy(all, true, 0.5)).toMatchObject({ protection: false });
    expect(selectHealthy(all, true, 0.6)).toMatchObject({ protection: true });
    expect(selectHealthy(all, false, 0.3).chosen).toHaveLength(4);
    expect(selectHealthy([], false, 1)).toEqual({ chosen: [], protection: false });
  });

  it('candidate: weight by status, Meta.priority (not a number: 0)', () => {
    expect(instanceCandidate(instance({ priority: '2' }), 'passing')).toEqual({
      id: 'n/i',
      weight: 3,
      load: 0.5,
      priority: 2,
    });
    expect(instanceCandidate(instance({ priority: 'high' }), 'warning')).toMatchObject({
      weight: 1,
      priority: 0,
    });
  });
});
