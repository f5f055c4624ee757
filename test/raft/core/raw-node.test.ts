import { describe, expect, it } from 'vitest';
import { decodeConfChange, RawNode } from '../../../src/raft/core/index.js';
import { appendResp, cluster, drain, elect, enc, heartbeatResp, ofType, PAPER } from './harness.js';

describe('RawNode and the Ready contract', () => {
  it('bootstrap writes the founding configuration as committed entry 1', () => {
    const n = RawNode.create({ ...PAPER, id: 'b' });
    n.bootstrap(['c', 'a', 'b']);
    expect(n.hasReady()).toBe(true);
    const rd = drain(n);
    expect(rd.entries).toHaveLength(1);
    expect(decodeConfChange(rd.entries[0]!.data)).toEqual({ type: 'bootstrap', voters: ['a', 'b', 'c'] });
    expect(rd.hardState).toEqual({ term: 1, vote: null, commit: 1 });
    expect(rd.mustSync).toBe(true);
    // The change takes effect as it is handed out to apply.
    expect(rd.committedEntries.map((e) => e.kind)).toEqual(['conf']);
    expect(n.raft.conf).toEqual({ voters: ['a', 'b', 'c'], learners: [] });
    expect(n.hasReady()).toBe(false);
    expect(() => n.bootstrap(['a'])).toThrow(/not empty/);
  });

  it('ignores messages addressed to someone else', () => {
    const n = RawNode.create({ ...PAPER, id: 'a' });
    n.step({ type: 'vote', from: 'x', to: 'z', term: 9, index: 0, logTerm: 0, transfer: false });
    expect(n.raft.term).toBe(0);
    expect(n.hasReady()).toBe(false);
  });

  it('a commit-only change is written without forcing a sync', () => {
    const net = cluster(['a', 'b', 'c']);
    const a = elect(net, 'a');
    const b = net.node('b');
    a.propose(enc.encode('x'));
    // Deliver a's append to b, but keep b's Ready to look at the commit carried later.
    for (const m of drain(a).messages) net.node(m.to).step(m);
    const withEntry = drain(b);
    expect(withEntry.mustSync).toBe(true);
    for (const m of withEntry.messages) a.step(m);
    for (const m of drain(a).messages) if (m.to === 'b') b.step(m);
    const commitOnly = drain(b);
    expect(commitOnly.entries).toEqual([]);
    expect(commitOnly.hardState?.commit).toBe(a.raft.log.committed);
    expect(commitOnly.mustSync).toBe(false);
    expect(commitOnly.committedEntries.map((e) => e.kind)).toEqual(['normal']);
  });

  it('proposals made between two Readies go out as one append per follower (group commit)', () => {
    const net = cluster(['a', 'b', 'c']);
    const a = elect(net, 'a');
    for (let i = 0; i < 5; i++) expect(a.propose(enc.encode(`p${i}`)).ok).toBe(true);
    const appends = ofType(drain(a).messages, 'append').filter((m) => m.entries.length > 0);
    expect(appends.map((m) => m.to).sort()).toEqual(['b', 'c']);
    for (const m of appends) expect(m.entries).toHaveLength(5);
  });

  it('restart restores term, vote, commit and membership', () => {
    const n = RawNode.restart(
      { ...PAPER, id: 'a' },
      {
        hardState: { term: 4, vote: 'b', commit: 2 },
        snapshot: {
          meta: { index: 1, term: 1, conf: { voters: ['a', 'b'], learners: [] } },
          data: new Uint8Array(),
        },
        entries: [
          { index: 2, term: 3, kind: 'normal', data: enc.encode('x') },
          { index: 3, term: 4, kind: 'normal', data: enc.encode('y') },
        ],
      },
    );
    const s = n.status();
    expect(s).toMatchObject({ term: 4, vote: 'b', commit: 2, applied: 1, lastIndex: 3, firstIndex: 2 });
    expect(s.conf.voters).toEqual(['a', 'b']);
    // The first Ready hands out the committed entry but has no hard state change to write.
    const rd = drain(n);
    expect(rd.hardState).toBeNull();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([2]);
  });

  it('status shows the leader’s view of each follower', () => {
    const net = cluster(['a', 'b', 'c']);
    const a = elect(net, 'a');
    const s = a.status();
    expect(s.role).toBe('leader');
    expect(s.lead).toBe('a');
    expect(s.progress.get('b')).toMatchObject({ state: 'replicate', match: 1, next: 2 });
  });
});

describe('flow control details', () => {
  it('a heartbeat answer with a full window frees one slot (an append may have been lost)', () => {
    const net = cluster(['a', 'b', 'c'], { maxInflightMsgs: 2, maxSizePerMsg: 1 });
    const a = elect(net, 'a');
    net.filter = (m) => m.to !== 'b';
    for (let i = 0; i < 5; i++) a.propose(enc.encode(`p${i}`));
    net.run();
    const pr = a.raft.prs.get('b')!;
    expect(pr.isPaused()).toBe(true);
    a.step(heartbeatResp('b', 'a', a.raft.term, 1));
    const sent = ofType(drain(a).messages, 'append').filter((m) => m.to === 'b');
    expect(sent).toHaveLength(1);
    expect(pr.inflights.count).toBe(2);
  });

  it('an ack frees the window up to its index and the leader refills it', () => {
    const net = cluster(['a', 'b', 'c'], { maxInflightMsgs: 2, maxSizePerMsg: 1 });
    const a = elect(net, 'a');
    net.filter = (m) => m.to !== 'b';
    for (let i = 0; i < 5; i++) a.propose(enc.encode(`p${i}`));
    net.run();
    const pr = a.raft.prs.get('b')!;
    const first = pr.match + 1;
    a.step(appendResp('b', 'a', a.raft.term, first));
    const sent = ofType(drain(a).messages, 'append').filter((m) => m.to === 'b' && m.entries.length > 0);
    expect(sent).toHaveLength(1);
    expect(pr.match).toBe(first);
    expect(pr.inflights.count).toBe(2);
  });

  it('reportUnreachable stops pipelining: replicate falls back to probe', () => {
    const net = cluster(['a', 'b', 'c']);
    const a = elect(net, 'a');
    expect(a.raft.prs.get('b')!.state).toBe('replicate');
    a.reportUnreachable('b');
    expect(a.raft.prs.get('b')!.state).toBe('probe');
    // On a follower it is a no-op.
    net.node('b').reportUnreachable('a');
    expect(net.node('b').raft.role).toBe('follower');
  });
});
