import { describe, expect, it } from 'vitest';
import { appendResp, cluster, drain, elect, enc, heartbeatResp, makeNode, ofType, tickN } from './harness.js';

const VOTERS = ['a', 'b', 'c'];
const LEASE = { checkQuorum: true, leaseReads: true, leaseTicks: 8, electionTicks: 10 };

describe('ReadIndex (thesis §6.4)', () => {
  it('the leader answers only after a quorum acknowledges a heartbeat round sent after the read', () => {
    const net = cluster(VOTERS);
    const a = elect(net, 'a');
    net.tickAll(1);
    const commit = a.raft.log.committed;
    expect(a.readIndex('r1', false)).toBe(true);
    const rd = drain(a);
    expect(rd.readStates).toEqual([]);
    const hbs = ofType(rd.messages, 'heartbeat');
    expect(hbs.map((m) => m.to).sort()).toEqual(['b', 'c']);
    const seq = hbs[0]!.seq;
    // An answer to an older round does not confirm leadership for this read.
    a.step(heartbeatResp('b', 'a', a.raft.term, seq - 1));
    expect(drain(a).readStates).toEqual([]);
    a.step(heartbeatResp('b', 'a', a.raft.term, seq));
    expect(drain(a).readStates).toEqual([{ index: commit, ctx: 'r1' }]);
  });

  it('a leader that has not yet committed an entry of its term holds reads until it has', () => {
    const a = makeNode({ id: 'a', voters: VOTERS, terms: [1, 1], term: 1, commit: 1 });
    a.campaign();
    drain(a);
    a.step({ type: 'voteResp', from: 'b', to: 'a', term: 2, reject: false });
    drain(a); // no-op at 3 persisted
    a.readIndex('early', false);
    const rd = drain(a);
    // No round is even started: commit (1) may be behind what a predecessor committed (2).
    expect(ofType(rd.messages, 'heartbeat')).toEqual([]);
    expect(rd.readStates).toEqual([]);
    a.step(appendResp('b', 'a', 2, 3));
    expect(a.raft.log.committed).toBe(3);
    const rd2 = drain(a);
    const hb = ofType(rd2.messages, 'heartbeat');
    expect(hb.length).toBe(2);
    a.step(heartbeatResp('c', 'a', 2, hb[0]!.seq));
    expect(drain(a).readStates).toEqual([{ index: 3, ctx: 'early' }]);
  });

  it('a follower forwards the read to the leader and gets the index back', () => {
    const net = cluster(VOTERS);
    const a = elect(net, 'a');
    net.tickAll(1);
    const b = net.node('b');
    expect(b.readIndex('f1')).toBe(true);
    const rd = drain(b);
    expect(ofType(rd.messages, 'readIndex')).toEqual([
      { type: 'readIndex', from: 'b', to: 'a', term: a.raft.term, ctx: 'f1', lease: true },
    ]);
    for (const m of rd.messages) a.step(m);
    net.run();
    const got = net.delivered.filter((m) => m.type === 'readIndexResp');
    expect(got).toEqual([
      {
        type: 'readIndexResp',
        from: 'a',
        to: 'b',
        term: a.raft.term,
        ctx: 'f1',
        index: a.raft.log.committed,
      },
    ]);
  });

  it('a follower that knows no leader refuses the read', () => {
    const b = makeNode({ id: 'b', voters: VOTERS, term: 1 });
    expect(b.readIndex('x')).toBe(false);
  });

  it('a single voter answers at once', () => {
    const a = makeNode({ id: 'a', voters: ['a'], term: 1 });
    a.campaign();
    drain(a);
    a.readIndex('solo', false);
    expect(drain(a).readStates).toEqual([{ index: 1, ctx: 'solo' }]);
  });
});

describe('lease reads', () => {
  function leaseLeader() {
    const net = cluster(VOTERS, LEASE);
    net.tickAll(10); // let the boot lease run out
    const a = elect(net, 'a');
    net.tickAll(1); // one acknowledged heartbeat round starts the lease
    return { net, a };
  }

  it('with CheckQuorum and a valid lease, a read is answered without a round', () => {
    const { a } = leaseLeader();
    expect(a.status().leaseValid).toBe(true);
    a.readIndex('l1', true);
    const rd = drain(a);
    expect(rd.readStates).toEqual([{ index: a.raft.log.committed, ctx: 'l1' }]);
    expect(ofType(rd.messages, 'heartbeat')).toEqual([]);
  });

  it('a confirmed read can be taken between Readies, while a log write is in progress', () => {
    const { a } = leaseLeader();
    a.propose(enc.encode('w'));
    const writing = a.ready(); // the driver is writing this Ready's entry (not yet advanced)
    expect(writing.entries).toHaveLength(1);
    a.readIndex('l2', true);
    const committed = a.raft.log.committed;
    expect(a.takeReadStates()).toEqual([{ index: committed, ctx: 'l2' }]);
    expect(a.takeReadStates()).toEqual([]);
    a.advance(writing);
    // Taken once: the next Ready does not hand the same read out again.
    expect(drain(a).readStates).toEqual([]);
  });

  it('a read that refuses the lease still runs a round', () => {
    const { a } = leaseLeader();
    a.readIndex('strict', false);
    const rd = drain(a);
    expect(rd.readStates).toEqual([]);
    expect(ofType(rd.messages, 'heartbeat')).toHaveLength(2);
  });

  it('the lease expires leaseTicks after the last acknowledged round was sent', () => {
    const { net, a } = leaseLeader();
    net.isolate('a');
    tickN(a, 7);
    expect(a.status().leaseValid).toBe(true);
    a.tick();
    expect(a.status().leaseValid).toBe(false);
    drain(a);
    a.readIndex('late', true);
    const rd = drain(a);
    expect(rd.readStates).toEqual([]);
    expect(ofType(rd.messages, 'heartbeat')).toHaveLength(2);
  });

  it('without lease reads configured there is never a lease', () => {
    const net = cluster(VOTERS, { checkQuorum: true });
    net.tickAll(10);
    const a = elect(net, 'a');
    net.tickAll(1);
    expect(a.status().leaseValid).toBe(false);
    a.readIndex('r', true);
    expect(drain(a).readStates).toEqual([]);
  });

  it('a followers cannot hold a lease', () => {
    const { net } = leaseLeader();
    expect(net.node('b').status().leaseValid).toBe(false);
  });
});
