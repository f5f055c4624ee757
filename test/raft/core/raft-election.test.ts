import { describe, expect, it } from 'vitest';
import type { RawNode } from '../../../src/raft/core/index.js';
import type { Message } from '../../../src/raft/messages.js';
import { Rng } from '../sim/rng.js';
import {
  appendMsg,
  appendResp,
  cluster,
  drain,
  elect,
  heartbeatResp,
  makeNode,
  ofType,
  out,
  tickN,
  voteMsg,
} from './harness.js';

const VOTERS = ['a', 'b', 'c'];

describe('election (Raft paper §5.2)', () => {
  it('a follower that hears nothing for an election timeout becomes candidate, votes for itself, persists, then asks', () => {
    const a = makeNode({ id: 'a', voters: VOTERS, terms: [1], term: 1 });
    tickN(a, 9);
    expect(a.raft.role).toBe('follower');
    expect(drain(a).messages).toEqual([]);
    a.tick();
    expect(a.raft.role).toBe('candidate');
    const rd = drain(a);
    // Term and vote come out in the same Ready as the requests, flagged for a synced write
    // (the driver writes before sending: a crash cannot make it vote twice in a term).
    expect(rd.hardState).toEqual({ term: 2, vote: 'a', commit: 0 });
    expect(rd.mustSync).toBe(true);
    expect(rd.softState).toEqual({ lead: null, role: 'candidate' });
    const votes = ofType(rd.messages, 'vote');
    expect(votes.map((m) => m.to).sort()).toEqual(['b', 'c']);
    for (const m of votes) expect(m).toMatchObject({ term: 2, index: 1, logTerm: 1, transfer: false });
  });

  it('the election timeout is randomized in [electionTicks, 2 * electionTicks)', () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const rng = new Rng(seed);
      const n = makeNode({ id: 'a', voters: VOTERS, term: 1, opts: { random: () => rng.next() } });
      let ticks = 0;
      while (n.raft.role === 'follower' && ticks < 100) {
        n.tick();
        ticks++;
      }
      expect(ticks, `seed ${seed}`).toBeGreaterThanOrEqual(10);
      expect(ticks, `seed ${seed}`).toBeLessThan(20);
      seen.add(ticks);
    }
    expect(seen.size, 'timeouts should differ between seeds').toBeGreaterThan(3);
  });

  it('a candidate with a majority of votes becomes leader and appends a no-op of its term', () => {
    const net = cluster(VOTERS);
    const a = elect(net, 'a');
    expect(a.raft.term).toBe(2);
    const last = a.raft.log.entry(a.raft.log.lastIndex());
    expect(last).toMatchObject({ term: 2, kind: 'noop' });
    // The no-op is replicated and committed, and followers know the leader
    // (a follower that was still being probed learns the commit index from the next heartbeat).
    expect(a.raft.log.committed).toBe(last?.index);
    net.tickAll(1);
    for (const id of ['b', 'c']) {
      expect(net.node(id).raft.lead).toBe('a');
      expect(net.node(id).raft.log.committed).toBe(last?.index);
    }
  });

  it('a candidate rejected by a majority returns to follower at its term', () => {
    const a = makeNode({ id: 'a', voters: VOTERS, term: 1 });
    a.campaign();
    drain(a);
    a.step({ type: 'voteResp', from: 'b', to: 'a', term: 2, reject: true });
    expect(a.raft.role).toBe('candidate');
    a.step({ type: 'voteResp', from: 'c', to: 'a', term: 2, reject: true });
    expect(a.raft.role).toBe('follower');
    expect(a.raft.term).toBe(2);
  });

  it('a candidate that hears an append from a leader of its term becomes its follower', () => {
    const a = makeNode({ id: 'a', voters: VOTERS, term: 1 });
    a.campaign();
    drain(a);
    a.step(appendMsg('b', 'a', 2, 0, 0, [], 0));
    expect(a.raft.role).toBe('follower');
    expect(a.raft.lead).toBe('b');
    expect(ofType(out(a), 'appendResp')[0]).toMatchObject({ to: 'b', reject: false });
  });

  it('a single voter elects itself at once and commits after its own write', () => {
    const a = makeNode({ id: 'a', voters: ['a'], term: 1 });
    a.campaign();
    expect(a.raft.role).toBe('leader');
    const rd = a.ready();
    expect(rd.entries.map((e) => e.kind)).toEqual(['noop']);
    expect(a.raft.log.committed).toBe(0); // not before the write is done
    a.advance(rd);
    expect(a.raft.log.committed).toBe(1);
  });

  it('grants at most one vote per term, and persists it before answering', () => {
    const b = makeNode({ id: 'b', voters: VOTERS, term: 1 });
    b.step(voteMsg('a', 'b', 2, 0, 0));
    const rd = drain(b);
    expect(rd.hardState).toEqual({ term: 2, vote: 'a', commit: 0 });
    expect(rd.mustSync).toBe(true);
    expect(ofType(rd.messages, 'voteResp')).toEqual([
      { type: 'voteResp', from: 'b', to: 'a', term: 2, reject: false },
    ]);
    b.step(voteMsg('c', 'b', 2, 5, 2));
    expect(ofType(out(b), 'voteResp')[0]).toMatchObject({ to: 'c', reject: true });
    // A retransmitted request from the same candidate is granted again.
    b.step(voteMsg('a', 'b', 2, 0, 0));
    expect(ofType(out(b), 'voteResp')[0]).toMatchObject({ to: 'a', reject: false });
    expect(b.raft.vote).toBe('a');
  });

  it('a restarted server remembers its vote', () => {
    const b = makeNode({ id: 'b', voters: VOTERS, term: 2, vote: 'a' });
    b.step(voteMsg('c', 'b', 2, 0, 0));
    expect(ofType(out(b), 'voteResp')[0]).toMatchObject({ reject: true });
  });

  // Voter log: terms [1, 1, 2] (last index 3, last term 2).
  const cases: readonly [string, number, number, boolean][] = [
    ['older last term, longer log', 9, 1, false],
    ['same last term, shorter log', 2, 2, false],
    ['same last term, same length', 3, 2, true],
    ['same last term, longer log', 4, 2, true],
    ['newer last term, shorter log', 1, 3, true],
  ];
  for (const [name, index, logTerm, granted] of cases) {
    it(`election restriction: ${granted ? 'grants' : 'rejects'} a candidate with ${name}`, () => {
      const v = makeNode({ id: 'b', voters: VOTERS, terms: [1, 1, 2], term: 2 });
      v.step(voteMsg('a', 'b', 3, index, logTerm));
      const resp = ofType(out(v), 'voteResp');
      expect(resp).toHaveLength(1);
      expect(resp[0]!.reject).toBe(!granted);
      // Either way the voter moved to the candidate's term.
      expect(v.raft.term).toBe(3);
      expect(v.raft.vote).toBe(granted ? 'a' : null);
    });
  }
});

describe('terms (Raft paper §5.1)', () => {
  function leaderAtTerm2(): RawNode {
    const net = cluster(VOTERS);
    const a = elect(net, 'a');
    expect(a.raft.term).toBe(2);
    return a;
  }

  const higher: readonly [string, Message, string | null][] = [
    ['append', appendMsg('b', 'a', 3, 0, 0, [], 0), 'b'],
    ['heartbeat', { type: 'heartbeat', from: 'b', to: 'a', term: 3, commit: 0, seq: 1 }, 'b'],
    ['appendResp', appendResp('b', 'a', 3, 0, true), null],
    ['heartbeatResp', heartbeatResp('b', 'a', 3, 1), null],
    ['voteResp', { type: 'voteResp', from: 'b', to: 'a', term: 3, reject: true }, null],
    ['vote', voteMsg('b', 'a', 3, 0, 0), null],
    ['readIndexResp', { type: 'readIndexResp', from: 'b', to: 'a', term: 3, ctx: 'x', index: 1 }, null],
  ];
  for (const [name, m, lead] of higher) {
    it(`a leader that sees a higher term in ${name} steps down to follower`, () => {
      const a = leaderAtTerm2();
      a.step(m);
      expect(a.raft.role).toBe('follower');
      expect(a.raft.term).toBe(3);
      expect(a.raft.lead).toBe(lead);
      // The new term is persisted with the vote cleared (or given, for a vote request).
      expect(drain(a).hardState?.term).toBe(3);
    });
  }

  it('a stale leader is told the current term and steps down', () => {
    const b = makeNode({ id: 'b', voters: VOTERS, term: 5 });
    b.step(appendMsg('a', 'b', 3, 0, 0, [], 0));
    const resp = ofType(out(b), 'appendResp');
    expect(resp).toEqual([appendResp('b', 'a', 5, 0, true)]);
    expect(b.raft.term).toBe(5);
    const a = leaderAtTerm2();
    a.step(appendResp('b', 'a', 5, 0, true));
    expect(a.raft.role).toBe('follower');
    expect(a.raft.term).toBe(5);
  });

  it('requests of an older term are not granted and change nothing', () => {
    const b = makeNode({ id: 'b', voters: VOTERS, term: 5 });
    b.step(voteMsg('a', 'b', 4, 10, 4));
    expect(ofType(out(b), 'voteResp')).toEqual([]);
    expect(b.raft.vote).toBeNull();
    b.step(voteMsg('a', 'b', 4, 10, 4, { type: 'preVote' }));
    expect(ofType(out(b), 'preVoteResp')).toEqual([
      { type: 'preVoteResp', from: 'b', to: 'a', term: 5, reject: true },
    ]);
  });
});

describe('PreVote (thesis §9.6)', () => {
  const pre = { preVote: true };

  it('a pre-candidate asks at term + 1 without changing its own term or vote', () => {
    const a = makeNode({ id: 'a', voters: VOTERS, terms: [1, 1], term: 1, vote: 'b', opts: pre });
    tickN(a, 10);
    expect(a.raft.role).toBe('preCandidate');
    expect(a.raft.term).toBe(1);
    const rd = drain(a);
    expect(rd.hardState).toBeNull(); // nothing to persist: no term, no vote
    const asks = ofType(rd.messages, 'preVote');
    expect(asks.map((m) => m.to).sort()).toEqual(['b', 'c']);
    for (const m of asks) expect(m).toMatchObject({ term: 2, index: 2, logTerm: 1 });
  });

  it('a granted pre-vote changes nothing at the voter; a quorum of them starts the real election', () => {
    const b = makeNode({ id: 'b', voters: VOTERS, term: 1, opts: pre });
    b.step(voteMsg('a', 'b', 2, 0, 0, { type: 'preVote' }));
    expect(ofType(out(b), 'preVoteResp')).toEqual([
      { type: 'preVoteResp', from: 'b', to: 'a', term: 2, reject: false },
    ]);
    expect(b.raft.term).toBe(1);
    expect(b.raft.vote).toBeNull();

    const a = makeNode({ id: 'a', voters: VOTERS, term: 1, opts: pre });
    tickN(a, 10);
    drain(a);
    a.step({ type: 'preVoteResp', from: 'b', to: 'a', term: 2, reject: false });
    expect(a.raft.role).toBe('candidate');
    expect(a.raft.term).toBe(2);
    expect(ofType(out(a), 'vote').map((m) => m.term)).toEqual([2, 2]);
  });

  it('a pre-vote is refused to a candidate with a stale log', () => {
    const b = makeNode({ id: 'b', voters: VOTERS, terms: [1, 2], term: 2, opts: pre });
    b.step(voteMsg('a', 'b', 3, 5, 1, { type: 'preVote' }));
    expect(ofType(out(b), 'preVoteResp')[0]).toMatchObject({ reject: true, term: 2 });
  });

  it('a rejected pre-vote from a higher term sends the pre-candidate back to follower at that term', () => {
    const a = makeNode({ id: 'a', voters: VOTERS, term: 1, opts: pre });
    tickN(a, 10);
    drain(a);
    a.step({ type: 'preVoteResp', from: 'b', to: 'a', term: 4, reject: true });
    expect(a.raft.role).toBe('follower');
    expect(a.raft.term).toBe(4);
  });

  it('a partitioned server that rejoins does not disrupt a stable leader', () => {
    const opts = { preVote: true, checkQuorum: true };
    const net = cluster(VOTERS, opts);
    net.tickAll(10); // let the boot lease run out
    const a = elect(net, 'a');
    const term = a.raft.term;
    net.isolate('c');
    net.tickAll(100);
    const c = net.node('c');
    // Cut off, c keeps pre-campaigning but never raises its term.
    expect(c.raft.term).toBe(term);
    net.heal();
    net.tickAll(30);
    expect(a.raft.role).toBe('leader');
    expect(a.raft.term).toBe(term);
    expect(c.raft.role).toBe('follower');
    expect(c.raft.lead).toBe('a');
  });

  it('without PreVote the same rejoin deposes the leader (the contrast that makes the test above meaningful)', () => {
    const net = cluster(VOTERS);
    const a = elect(net, 'a');
    const term = a.raft.term;
    net.isolate('c');
    net.tickAll(100);
    expect(net.node('c').raft.term).toBeGreaterThan(term + 3);
    net.heal();
    net.tickAll(30);
    expect(a.raft.term).toBeGreaterThan(term);
  });
});

describe('CheckQuorum and the leader lease', () => {
  const cq = { checkQuorum: true };

  it('a leader that hears from no quorum within an election timeout steps down', () => {
    const net = cluster(VOTERS, cq);
    net.tickAll(10);
    const a = elect(net, 'a');
    net.tickAll(25);
    expect(a.raft.role, 'a connected leader stays').toBe('leader');
    net.isolate('a');
    for (let i = 0; i < 20 && a.raft.role === 'leader'; i++) {
      a.tick();
      drain(a);
    }
    expect(a.raft.role).toBe('follower');
    expect(a.raft.lead).toBeNull();
  });

  it('a leader without CheckQuorum stays leader when cut off', () => {
    const net = cluster(VOTERS);
    const a = elect(net, 'a');
    net.isolate('a');
    tickN(a, 50);
    expect(a.raft.role).toBe('leader');
  });

  it('a follower that hears from a leader ignores vote and pre-vote requests', () => {
    const net = cluster(VOTERS, cq);
    net.tickAll(10);
    elect(net, 'a');
    const b = net.node('b');
    const term = b.raft.term;
    b.step(voteMsg('c', 'b', term + 1, 100, term));
    b.step(voteMsg('c', 'b', term + 1, 100, term, { type: 'preVote' }));
    expect(out(b)).toEqual([]);
    expect(b.raft.term).toBe(term);
    expect(b.raft.lead).toBe('a');
  });

  it('…unless the vote is a leadership-transfer vote', () => {
    const net = cluster(VOTERS, cq);
    net.tickAll(10);
    elect(net, 'a');
    const b = net.node('b');
    const term = b.raft.term;
    b.step(voteMsg('c', 'b', term + 1, 100, term, { transfer: true }));
    expect(ofType(out(b), 'voteResp')[0]).toMatchObject({ reject: false, term: term + 1 });
    expect(b.raft.vote).toBe('c');
  });

  it('…and once an election timeout passes without the leader, it votes again', () => {
    const net = cluster(VOTERS, { ...cq, random: () => 0.5 });
    net.tickAll(10);
    elect(net, 'a');
    const b = net.node('b');
    const term = b.raft.term;
    tickN(b, 10); // timeout is 15 with random 0.5: b has not campaigned yet
    expect(b.raft.role).toBe('follower');
    b.step(voteMsg('c', 'b', term + 1, 100, term));
    expect(ofType(out(b), 'voteResp')[0]).toMatchObject({ reject: false });
  });

  /*
   * A follower inside a leader's lease that is moved to a higher term by some
   * other message (here, a late rejection of a pre-vote it sent before the
   * leader won) forgets its leader. It must still refuse votes at that term
   * until the lease it acknowledged has run out (etcd grants them).
   */
  it('a follower inside a lease keeps refusing votes after a stray higher-term message', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const b = makeNode({ id: 'b', voters: ids, terms: [1], term: 4, opts: { ...cq, random: () => 0.5 } });
    tickN(b, 10); // boot lease over; timeout is 15, so no campaign yet
    b.step({ type: 'heartbeat', from: 'a', to: 'b', term: 4, commit: 0, seq: 1 });
    expect(b.raft.lead).toBe('a');
    drain(b);
    b.step({ type: 'preVoteResp', from: 'x', to: 'b', term: 5, reject: true });
    b.step(voteMsg('c', 'b', 5, 1, 1));
    expect(ofType(out(b), 'voteResp').filter((m) => !m.reject)).toEqual([]);
  });

  it('a restarted server does not vote before an election timeout (boot lease)', () => {
    const b = makeNode({ id: 'b', voters: VOTERS, term: 2, opts: { ...cq, random: () => 0.5 } });
    b.step(voteMsg('c', 'b', 3, 0, 0));
    expect(out(b)).toEqual([]);
    expect(b.raft.term).toBe(2);
    tickN(b, 10);
    b.step(voteMsg('c', 'b', 3, 0, 0));
    expect(ofType(out(b), 'voteResp')[0]).toMatchObject({ reject: false });
  });
});
