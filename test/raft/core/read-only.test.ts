import { describe, expect, it } from 'vitest';
import { ReadOnly } from '../../../src/raft/core/index.js';

const voters = ['l', 'a', 'b', 'c', 'd'];

describe('ReadOnly', () => {
  it('releases a read once a quorum (counting the leader) answered its round', () => {
    const ro = new ReadOnly();
    const seq = ro.nextRound(0);
    ro.add({ ctx: 'r1', from: 'l', index: 7, seq });
    ro.ack('a', seq);
    expect(ro.release(voters, 'l')).toEqual([]);
    expect(ro.pendingCount).toBe(1);
    ro.ack('b', seq);
    expect(ro.release(voters, 'l').map((r) => r.ctx)).toEqual(['r1']);
    expect(ro.pendingCount).toBe(0);
  });

  it('an ack of a later round confirms earlier reads, not the other way round', () => {
    const ro = new ReadOnly();
    const s1 = ro.nextRound(0);
    ro.add({ ctx: 'old', from: 'l', index: 1, seq: s1 });
    const s2 = ro.nextRound(1);
    ro.add({ ctx: 'new', from: 'a', index: 2, seq: s2 });
    ro.ack('a', s1);
    ro.ack('b', s1);
    expect(ro.release(voters, 'l').map((r) => r.ctx)).toEqual(['old']);
    ro.ack('c', s2);
    expect(ro.release(voters, 'l')).toEqual([]);
    ro.ack('d', s2);
    expect(ro.release(voters, 'l').map((r) => r.ctx)).toEqual(['new']);
  });

  it('acks from non-voters do not count, and an older ack never lowers a newer one', () => {
    const ro = new ReadOnly();
    const s1 = ro.nextRound(0);
    const s2 = ro.nextRound(0);
    ro.add({ ctx: 'r', from: 'l', index: 1, seq: s2 });
    ro.ack('learner', s2);
    ro.ack('x', s2);
    expect(ro.release(voters, 'l')).toEqual([]);
    ro.ack('a', s2);
    ro.ack('a', s1);
    ro.ack('b', s2);
    expect(ro.release(voters, 'l')).toHaveLength(1);
  });

  it('quorumSentAt gives the send tick of the newest quorum-acked round', () => {
    const ro = new ReadOnly();
    expect(ro.quorumSentAt(voters, 'l')).toBeUndefined();
    const s1 = ro.nextRound(3);
    const s2 = ro.nextRound(9);
    ro.ack('a', s1);
    ro.ack('b', s1);
    expect(ro.quorumSentAt(voters, 'l')).toBe(3);
    ro.ack('a', s2);
    ro.ack('c', s2);
    expect(ro.quorumSentAt(voters, 'l')).toBe(9);
  });

  it('keeps working across many rounds (pruning keeps the needed entries)', () => {
    const ro = new ReadOnly();
    for (let t = 0; t < 500; t++) {
      const s = ro.nextRound(t);
      ro.ack('a', s);
      ro.ack('b', s);
      expect(ro.quorumSentAt(voters, 'l')).toBe(t);
    }
  });

  it('reset forgets rounds, acks and pending reads', () => {
    const ro = new ReadOnly();
    const s = ro.nextRound(0);
    ro.add({ ctx: 'r', from: 'l', index: 1, seq: s });
    ro.ack('a', s);
    ro.reset();
    expect(ro.seq).toBe(0);
    expect(ro.pendingCount).toBe(0);
    expect(ro.quorumSentAt(voters, 'l')).toBeUndefined();
  });
});
