import { describe, expect, it } from 'vitest';
import { servicesToReap } from '../../src/health/reaper.js';
import { checkRecord, Harness, register, serviceSpec, ttlCheck } from '../state/support.js';

const AFTER = 60_000;

describe('servicesToReap', () => {
  it('returns a service only once its check has been critical for longer than deregisterCriticalAfterMs', () => {
    const c = checkRecord({
      id: 'a',
      status: 'critical',
      statusSince: 1_000,
      deregisterCriticalAfterMs: AFTER,
    });
    expect(servicesToReap([c], 1_000)).toEqual([]);
    expect(servicesToReap([c], 1_000 + AFTER - 1)).toEqual([]);
    expect(servicesToReap([c], 1_000 + AFTER + 1)).toEqual([{ node: 'n1', serviceId: 's1' }]);
    expect(servicesToReap([c], 1_000 + 10 * AFTER)).toEqual([{ node: 'n1', serviceId: 's1' }]);
  });

  it('never reaps for passing or warning checks, node checks, or checks without the setting', () => {
    const long = 100 * AFTER;
    const cs = [
      checkRecord({ id: 'p', status: 'passing', deregisterCriticalAfterMs: AFTER }),
      checkRecord({ id: 'w', status: 'warning', deregisterCriticalAfterMs: AFTER }),
      checkRecord({
        id: 'node',
        serviceId: '',
        serviceName: '',
        status: 'critical',
        deregisterCriticalAfterMs: AFTER,
      }),
      checkRecord({ id: 'never', status: 'critical', deregisterCriticalAfterMs: 0 }),
    ];
    expect(servicesToReap(cs, long)).toEqual([]);
  });

  it('returns a service once even when several of its checks qualify; services are per node', () => {
    const crit = { status: 'critical' as const, statusSince: 0, deregisterCriticalAfterMs: AFTER };
    const cs = [
      checkRecord({ id: 'a1', serviceId: 's1', ...crit }),
      checkRecord({ id: 'a2', serviceId: 's1', ...crit }),
      checkRecord({ id: 'a1', node: 'n2', serviceId: 's1', ...crit }),
      checkRecord({ id: 'b', serviceId: 's2', ...crit, statusSince: AFTER }), // not long enough yet
      checkRecord({ id: 'c', serviceId: 's3', ...crit, deregisterCriticalAfterMs: 1 }),
    ];
    expect(servicesToReap(cs, AFTER + 1)).toEqual([
      { node: 'n1', serviceId: 's1' },
      { node: 'n2', serviceId: 's1' },
      { node: 'n1', serviceId: 's3' },
    ]);
  });

  it('end to end: statusSince from the checkStatus command decides, and a reap removes the service', () => {
    const h = new Harness();
    h.ok(
      register('n1', serviceSpec('s1', 'web'), [
        ttlCheck('c1', 's1', { status: 'passing', deregisterCriticalAfterMs: AFTER }),
      ]),
    );
    h.ok(register('n1', serviceSpec('s2', 'db'), [ttlCheck('c2', 's2', { status: 'passing' })]));
    h.ok({
      type: 'checkStatus',
      at: 5_000,
      updates: [
        { node: 'n1', checkId: 'c1', status: 'critical', output: 'TTL expired' },
        { node: 'n1', checkId: 'c2', status: 'critical', output: 'TTL expired' },
      ],
    });
    // Output changes while critical do not restart the clock.
    h.ok({
      type: 'checkStatus',
      at: 30_000,
      updates: [{ node: 'n1', checkId: 'c1', status: 'critical', output: 'still down' }],
    });
    expect(servicesToReap(h.catalog.everyCheck(), 5_000 + AFTER - 1)).toEqual([]);
    const due = servicesToReap(h.catalog.everyCheck(), 5_000 + AFTER + 1);
    expect(due).toEqual([{ node: 'n1', serviceId: 's1' }]);
    h.ok({ type: 'reap', services: due });
    expect(h.catalog.instancesOf('web')).toEqual([]);
    expect(h.catalog.instancesOf('db')).toHaveLength(1);
    expect(servicesToReap(h.catalog.everyCheck(), 10 * AFTER)).toEqual([]);
  });

  it('a check that recovered and failed again is measured from its latest failure', () => {
    const h = new Harness();
    h.ok(
      register('n1', serviceSpec('s1', 'web'), [ttlCheck('c1', 's1', { deregisterCriticalAfterMs: AFTER })], {
        at: 0,
      }),
    );
    h.ok({
      type: 'checkStatus',
      at: 50_000,
      updates: [{ node: 'n1', checkId: 'c1', status: 'passing', output: '' }],
    });
    h.ok({
      type: 'checkStatus',
      at: 55_000,
      updates: [{ node: 'n1', checkId: 'c1', status: 'critical', output: '' }],
    });
    expect(servicesToReap(h.catalog.everyCheck(), AFTER + 1)).toEqual([]);
    expect(servicesToReap(h.catalog.everyCheck(), 55_000 + AFTER + 1)).toEqual([
      { node: 'n1', serviceId: 's1' },
    ]);
  });
});
