import { describe, expect, it } from 'vitest';
import { CORE_DEFAULTS, type CoreOptions, validateCoreConfig } from '../../../src/raft/core/index.js';

const base: CoreOptions = { id: 'n1', random: () => 0.5 };

describe('validateCoreConfig', () => {
  it('fills the defaults', () => {
    const c = validateCoreConfig(base);
    expect(c.electionTicks).toBe(CORE_DEFAULTS.electionTicks);
    expect(c.preVote).toBe(true);
    expect(c.checkQuorum).toBe(true);
    expect(c.id).toBe('n1');
  });

  it('keeps given values', () => {
    expect(validateCoreConfig({ ...base, electionTicks: 20, leaseTicks: 15 }).electionTicks).toBe(20);
  });

  const bad: readonly [string, Partial<CoreOptions>, RegExp][] = [
    ['empty id', { id: '' }, /^id:/],
    ['zero electionTicks', { electionTicks: 0 }, /^electionTicks:/],
    ['fractional heartbeatTicks', { heartbeatTicks: 1.5 }, /^heartbeatTicks:/],
    ['negative leaseTicks', { leaseTicks: -1 }, /^leaseTicks:/],
    ['NaN maxSizePerMsg', { maxSizePerMsg: Number.NaN }, /^maxSizePerMsg:/],
    ['zero maxInflightMsgs', { maxInflightMsgs: 0 }, /^maxInflightMsgs:/],
    ['zero maxUncommittedBytes', { maxUncommittedBytes: 0 }, /^maxUncommittedBytes:/],
    ['infinite maxApplyBytes', { maxApplyBytes: Number.POSITIVE_INFINITY }, /^maxApplyBytes:/],
    [
      'heartbeat not below election',
      { electionTicks: 5, heartbeatTicks: 5, leaseTicks: 4 },
      /^electionTicks:/,
    ],
    [
      'lease reads without CheckQuorum',
      { checkQuorum: false, leaseReads: true },
      /^leaseReads:.*checkQuorum/,
    ],
    ['lease as long as the election timeout', { electionTicks: 10, leaseTicks: 10 }, /^leaseTicks:/],
  ];
  for (const [name, opts, re] of bad) {
    it(`rejects ${name}, naming the field`, () => {
      expect(() => validateCoreConfig({ ...base, ...opts })).toThrow(re);
    });
  }

  it('allows a long lease when lease reads are off', () => {
    expect(() => validateCoreConfig({ ...base, leaseReads: false, leaseTicks: 50 })).not.toThrow();
    expect(() => validateCoreConfig({ ...base, leaseReads: false, checkQuorum: false })).not.toThrow();
  });
});
