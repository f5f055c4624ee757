import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { heartbeatDelay, heartbeatRequest, registerBody } from '../../src/client/register/heartbeat.js';
import { rng } from './support.js';

describe('heartbeat schedule and requests', () => {
  it('beats every ttl/3 with jitter, never later than ttl/3', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 600_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (ttl, r) => {
          const d = heartbeatDelay(ttl, () => r);
          expect(d).toBeLessThanOrEqual(ttl / 3);
          expect(d).toBeGreaterThanOrEqual(ttl / 4 - 1e-9);
        },
      ),
    );
    const random = rng(9);
    const delays = new Set(Array.from({ length: 20 }, () => Math.round(heartbeatDelay(3000, random))));
    expect(delays.size).toBeGreaterThan(10);
  });

  it('passes without a load, updates with one', () => {
    expect(heartbeatRequest('web-1', null)).toEqual({ path: '/v1/agent/check/pass/service:web-1' });
    expect(heartbeatRequest('a b', 0.25)).toEqual({
      path: '/v1/agent/check/update/service:a%20b',
      body: { Status: 'passing', Load: 0.25 },
    });
  });

  it('registers with a TTL check of its own id, passing', () => {
    const body = registerBody({
      name: 'web',
      id: 'web-1',
      address: '10.0.0.1',
      port: 80,
      tags: ['v2'],
      meta: { priority: '0' },
      weights: { passing: 3, warning: 1 },
      ttlMs: 1500,
      deregisterCriticalAfterMs: 60_000,
    });
    expect(body).toEqual({
      Name: 'web',
      ID: 'web-1',
      Address: '10.0.0.1',
      Port: 80,
      Tags: ['v2'],
      Meta: { priority: '0' },
      Weights: { Passing: 3, Warning: 1 },
      Check: {
        CheckID: 'service:web-1',
        Name: 'web TTL',
        TTL: '1500ms',
        Status: 'passing',
        DeregisterCriticalServiceAfter: '60000ms',
      },
    });
  });
});
