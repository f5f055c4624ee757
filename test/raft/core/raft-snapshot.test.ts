import { describe, expect, it } from 'vitest';
import type { RawNode } from '../../../src/raft/core/index.js';
import type { Message } from '../../../src/raft/messages.js';
import { appendResp, confSnapshot, drain, elect, enc, makeNode, Net, ofType, out } from './harness.js';

const VOTERS = ['a', 'b', 'c'];
const CONF = { voters: VOTERS, learners: [] };

/** a and c hold entries 1..5 (committed); a has compacted them into a snapshot; b is empty. */
function compactedCluster(): { net: Net; a: RawNode; b: RawNode } {
  const a = makeNode({ id: 'a', voters: VOTERS, terms: [1, 1, 1, 1, 1], term: 1, commit: 5 });
  const b = makeNode({ id: 'b', voters: VOTERS, term: 1 });
  const c = makeNode({ id: 'c', voters: VOTERS, terms: [1, 1, 1, 1, 1], term: 1, commit: 5 });
  expect(drain(a).committedEntries).toHaveLength(5);
  a.compact(confSnapshot(CONF, 5, 1, 'machine@5'), 6);
  expect(a.raft.log.firstIndex()).toBe(6);
  return { net: new Net([a, b, c]), a, b };
}

describe('snapshots (Raft paper §7)', () => {
  it('a follower behind the compacted prefix is sent a snapshot and the leader pauses it', () => {
    const { net, a } = compactedCluster();
    net.filter = (m) => m.type !== 'snapshot';
    elect(net, 'a');
    const snaps = ofType(net.sent, 'snapshot');
    expect(snaps).toHaveLength(1);
    expect(snaps[0]).toMatchObject({ to: 'b', term: 2 });
    expect(snaps[0]!.snapshot.meta).toEqual({ index: 5, term: 1, conf: CONF });
    const pr = a.raft.prs.get('b')!;
    expect(pr.state).toBe('snapshot');
    expect(pr.pendingSnapshot).toBe(5);
    expect(pr.isPaused()).toBe(true);
    // While the snapshot is out, new entries are not sent to b.
    const before = net.sent.length;
    a.propose(enc.encode('x'));
    net.run();
    expect(net.sent.slice(before).filter((m) => m.to === 'b' && m.type === 'append')).toEqual([]);
  });

  it('the follower installs it, answers at its index, and its log restarts after it', () => {
    const { net, a, b } = compactedCluster();
    const installs: Message[] = [];
    a.campaign();
    // Step by step, stopping as soon as b got the snapshot, so b's next Ready can be inspected.
    rounds: for (let i = 0; i < 10; i++) {
      for (const n of net.nodes.values()) {
        for (const m of out(n)) {
          net.node(m.to).step(m);
          if (m.type === 'snapshot') installs.push(m);
        }
        if (installs.length > 0) break rounds;
      }
    }
    expect(installs).toHaveLength(1);
    const rd = drain(b);
    expect(rd.snapshot?.meta.index).toBe(5);
    expect(rd.mustSync).toBe(true);
    expect(rd.committedEntries).toEqual([]); // applying waits for the snapshot
    expect(ofType(rd.messages, 'appendResp')).toEqual([appendResp('b', 'a', 2, 5, false)]);
    expect(b.raft.log.firstIndex()).toBe(6);
    expect(b.raft.log.committed).toBe(5);
    expect(b.raft.conf).toEqual(CONF);
    for (const m of rd.messages) a.step(m);
    expect(a.raft.prs.get('b')!.state).toBe('replicate');
    net.run();
    net.tickAll(1);
    expect(b.raft.log.lastIndex()).toBe(a.raft.log.lastIndex());
    expect(b.raft.log.committed).toBe(a.raft.log.committed);
    expect(b.raft.log.term(6)).toBe(2); // the leader's no-op follows the snapshot
  });

  it('reportSnapshot(failure) returns to probe from match; the snapshot is re-sent later', () => {
    const { net, a } = compactedCluster();
    net.filter = (m) => m.type !== 'snapshot';
    elect(net, 'a');
    a.reportSnapshot('b', false);
    const pr = a.raft.prs.get('b')!;
    expect(pr.state).toBe('probe');
    expect(pr.next).toBe(1);
    expect(pr.isPaused()).toBe(true); // waits for a heartbeat answer before retrying
    const before = net.sent.length;
    net.tickAll(1);
    expect(ofType(net.sent.slice(before), 'snapshot').map((m) => m.to)).toEqual(['b']);
  });

  it('reportSnapshot(success) returns to probe after the snapshot', () => {
    const { net, a } = compactedCluster();
    net.filter = (m) => m.type !== 'snapshot';
    elect(net, 'a');
    a.reportSnapshot('b', true);
    const pr = a.raft.prs.get('b')!;
    expect(pr.state).toBe('probe');
    expect(pr.next).toBe(6);
    // A report for a follower that is not in snapshot state changes nothing.
    a.reportSnapshot('c', false);
    expect(a.raft.prs.get('c')!.state).toBe('replicate');
  });

  it('a snapshot at or below the follower commit index is not installed', () => {
    const b = makeNode({ id: 'b', voters: VOTERS, terms: [1, 1, 1, 1], term: 2, commit: 4 });
    b.step({ type: 'snapshot', from: 'a', to: 'b', term: 2, snapshot: confSnapshot(CONF, 3, 1) });
    const rd = drain(b);
    expect(rd.snapshot).toBeNull();
    expect(ofType(rd.messages, 'appendResp')).toEqual([appendResp('b', 'a', 2, 4, false)]);
    expect(b.raft.log.lastIndex()).toBe(4);
  });

  /*
   * A snapshot whose last entry we already hold proves that our log matches
   * the leader's up to that entry, and no further: entries after it may be
   * from a deposed leader. Answering with our last index would let the
   * leader count entries we do not have toward commit.
   */
  it('a snapshot matching our log fast-forwards commit and claims a match only up to its index', () => {
    const b = makeNode({ id: 'b', voters: VOTERS, terms: [1, 1, 1, 2, 2], term: 3, commit: 1 });
    b.step({ type: 'snapshot', from: 'a', to: 'b', term: 3, snapshot: confSnapshot(CONF, 3, 1) });
    const rd = drain(b);
    expect(rd.snapshot).toBeNull(); // nothing to install: we have the entries
    expect(b.raft.log.committed).toBe(3);
    expect(b.raft.log.lastIndex()).toBe(5); // the suffix stays until the leader's appends decide
    expect(ofType(rd.messages, 'appendResp')).toEqual([appendResp('b', 'a', 3, 3, false)]);
  });

  it('a snapshot not matching our log replaces it, membership included', () => {
    const b = makeNode({ id: 'b', voters: ['a', 'b'], terms: [1, 1, 1, 2, 2], term: 3, commit: 1 });
    b.step({ type: 'snapshot', from: 'a', to: 'b', term: 3, snapshot: confSnapshot(CONF, 4, 3) });
    const rd = drain(b);
    expect(rd.snapshot?.meta.index).toBe(4);
    expect(b.raft.log.lastIndex()).toBe(4);
    expect(b.raft.log.lastTerm()).toBe(3);
    expect(b.raft.conf).toEqual(CONF);
    expect(ofType(rd.messages, 'appendResp')[0]).toMatchObject({ index: 4, reject: false });
  });
});
