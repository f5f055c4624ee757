import { describe, expect, it } from 'vitest';
import { Progress } from '../../../src/raft/core/index.js';

function pr(next = 10, match = 0): Progress {
  const p = new Progress(next, false, 4, 0);
  p.match = match;
  return p;
}

describe('Progress state transitions', () => {
  it('starts in probe, not paused', () => {
    const p = pr();
    expect(p.state).toBe('probe');
    expect(p.isPaused()).toBe(false);
  });

  it('probe: one append at a time, paused until answered', () => {
    const p = pr(10, 5);
    p.sentEntries(12, 3, 30);
    expect(p.probeSent).toBe(true);
    expect(p.isPaused()).toBe(true);
    // Probe does not move next optimistically.
    expect(p.next).toBe(10);
    expect(p.maybeUpdate(9)).toBe(true);
    expect(p.isPaused()).toBe(false);
  });

  it('replicate: next moves optimistically and the inflight window pauses it', () => {
    const p = pr(6, 5);
    p.becomeReplicate();
    expect(p.next).toBe(6);
    for (let i = 0; i < 4; i++) {
      expect(p.isPaused()).toBe(false);
      p.sentEntries(6 + i, 1, 1);
    }
    expect(p.next).toBe(10);
    expect(p.isPaused()).toBe(true);
    // An empty append (a commit carrier) does not take a window slot.
    const q = pr(6, 5);
    q.becomeReplicate();
    q.sentEntries(5, 0, 0);
    expect(q.inflights.count).toBe(0);
    expect(q.next).toBe(6);
  });

  it('snapshot: always paused; becomeProbe resumes after the snapshot on success', () => {
    const p = pr(3, 2);
    p.becomeSnapshot(20);
    expect(p.isPaused()).toBe(true);
    expect(p.pendingSnapshot).toBe(20);
    p.becomeProbe();
    expect(p.state).toBe('probe');
    expect(p.next).toBe(21);
    expect(p.pendingSnapshot).toBe(0);
  });

  it('snapshot: becomeProbe after a failed snapshot (pending cleared) resumes from match', () => {
    const p = pr(3, 2);
    p.becomeSnapshot(20);
    p.pendingSnapshot = 0;
    p.becomeProbe();
    expect(p.next).toBe(3);
  });

  it('becomeProbe from replicate restarts at match + 1 and empties the window', () => {
    const p = pr(6, 5);
    p.becomeReplicate();
    p.sentEntries(8, 3, 3);
    p.becomeProbe();
    expect(p.next).toBe(6);
    expect(p.inflights.count).toBe(0);
    expect(p.probeSent).toBe(false);
  });
});

describe('Progress.maybeUpdate', () => {
  it('moves match forward only, and keeps next above it', () => {
    const p = pr(3, 2);
    expect(p.maybeUpdate(7)).toBe(true);
    expect(p.match).toBe(7);
    expect(p.next).toBe(8);
    expect(p.maybeUpdate(4)).toBe(false);
    expect(p.match).toBe(7);
    expect(p.next).toBe(8);
  });

  it('does not pull next back when the ack is behind what was sent', () => {
    const p = pr(20, 2);
    p.maybeUpdate(5);
    expect(p.next).toBe(20);
  });
});

describe('Progress.maybeDecrTo', () => {
  it('replicate: a rejection above match resets next to match + 1; a stale one is ignored', () => {
    const p = pr(6, 5);
    p.becomeReplicate();
    p.sentEntries(9, 4, 4);
    expect(p.maybeDecrTo(4, 0)).toBe(false);
    expect(p.maybeDecrTo(5, 0)).toBe(false);
    expect(p.next).toBe(10);
    expect(p.maybeDecrTo(7, 0)).toBe(true);
    expect(p.next).toBe(6);
  });

  it('probe: only the rejection of the outstanding probe counts', () => {
    const p = pr(10, 0);
    p.sentEntries(12, 3, 3);
    // A rejection of an older probe (prev index 5) says nothing new.
    expect(p.maybeDecrTo(5, 2)).toBe(false);
    expect(p.next).toBe(10);
    expect(p.probeSent).toBe(true);
  });

  it('probe: jumps straight to just after the hint (fast back-off)', () => {
    const p = pr(10, 0);
    p.sentEntries(12, 3, 3);
    expect(p.maybeDecrTo(9, 3)).toBe(true);
    expect(p.next).toBe(4);
    expect(p.probeSent).toBe(false);
  });

  it('probe: never moves next above the rejected index nor below match + 1', () => {
    const p = pr(10, 0);
    expect(p.maybeDecrTo(9, 50)).toBe(true);
    expect(p.next).toBe(9);
    const q = pr(10, 6);
    expect(q.maybeDecrTo(9, 1)).toBe(true);
    expect(q.next).toBe(7);
  });
});
