import { describe, expect, it } from 'vitest';
import { Rng } from '../sim/rng.js';
import { cluster, drain, elect, enc, ofType, out, tickN } from './harness.js';

const VOTERS = ['a', 'b', 'c'];

describe('learners', () => {
  it('receive entries but never campaign', () => {
    const net = cluster(VOTERS, {}, ['l']);
    const a = elect(net, 'a');
    a.propose(enc.encode('x'));
    net.run();
    net.tickAll(1);
    const l = net.node('l');
    expect(l.raft.log.lastIndex()).toBe(a.raft.log.lastIndex());
    expect(l.raft.log.committed).toBe(a.raft.log.committed);
    net.isolate('l');
    tickN(l, 100);
    expect(l.raft.role).toBe('follower');
    expect(out(l)).toEqual([]);
    l.campaign(); // even when asked
    expect(l.raft.role).toBe('follower');
  });

  it('do not count toward commit', () => {
    const net = cluster(['a', 'b'], {}, ['l']);
    const a = elect(net, 'a');
    const before = a.raft.log.committed;
    net.isolate('b');
    a.propose(enc.encode('x'));
    net.run();
    expect(net.node('l').raft.log.lastIndex()).toBe(a.raft.log.lastIndex());
    expect(a.raft.log.committed).toBe(before);
  });

  it('are not asked for votes, and their heartbeat answers do not confirm reads', () => {
    const net = cluster(['a', 'b'], {}, ['l']);
    const a = net.node('a');
    a.campaign();
    const asks = drain(a).messages;
    expect(ofType(asks, 'vote').map((m) => m.to)).toEqual(['b']);
    for (const m of asks) net.node(m.to).step(m);
    net.run();
    expect(a.raft.role).toBe('leader');
    net.tickAll(1);
    net.isolate('b');
    a.readIndex('r', false);
    net.run();
    expect(drain(a).readStates).toEqual([]);
  });
});

describe('membership changes', () => {
  it('addLearner then promote: the new voter counts toward commit', () => {
    const net = cluster(VOTERS, {}, []);
    // d knows the founding configuration, like a server added through the log would after catching up.
    const withD = cluster([...VOTERS], {}, ['d']);
    const d = withD.node('d');
    d.raft.setConf({ voters: VOTERS, learners: [] });
    net.nodes.set('d', d);
    const a = elect(net, 'a');
    expect(a.proposeConfChange({ type: 'addLearner', node: 'd' }).ok).toBe(true);
    net.run();
    net.tickAll(1);
    expect(a.raft.conf).toEqual({ voters: VOTERS, learners: ['d'] });
    expect(d.raft.conf).toEqual({ voters: VOTERS, learners: ['d'] });
    expect(a.raft.prs.get('d')?.isLearner).toBe(true);
    expect(a.proposeConfChange({ type: 'promote', node: 'd' }).ok).toBe(true);
    net.run();
    net.tickAll(1);
    expect(a.raft.conf.voters).toContain('d');
    expect(a.raft.prs.get('d')?.isLearner).toBe(false);
    // Four voters: a quorum is three. With b and c cut off, nothing commits; d and a are not enough.
    net.isolate('b');
    net.isolate('c');
    const committed = a.raft.log.committed;
    a.propose(enc.encode('needs-3'));
    net.run();
    expect(a.raft.log.committed).toBe(committed);
  });

  it('refuses invalid changes with a reason', () => {
    const net = cluster(VOTERS, {}, ['l']);
    const a = elect(net, 'a');
    net.tickAll(1);
    expect(a.proposeConfChange({ type: 'promote', node: 'b' })).toEqual({
      ok: false,
      reason: 'invalidConf',
      detail: 'b is already a voter',
    });
    expect(a.proposeConfChange({ type: 'addLearner', node: 'l' })).toMatchObject({ reason: 'invalidConf' });
    expect(a.proposeConfChange({ type: 'remove', node: 'zz' })).toMatchObject({
      reason: 'invalidConf',
      detail: 'zz is not a member',
    });
    expect(net.node('b').proposeConfChange({ type: 'addLearner', node: 'x' })).toEqual({
      ok: false,
      reason: 'notLeader',
    });
  });

  it('refuses to promote a learner that has not caught up', () => {
    const net = cluster(VOTERS, {}, ['l']);
    net.isolate('l');
    const a = elect(net, 'a');
    net.tickAll(1);
    expect(a.proposeConfChange({ type: 'promote', node: 'l' })).toMatchObject({
      ok: false,
      reason: 'invalidConf',
      detail: 'l has not caught up yet',
    });
  });

  it('allows one change at a time: the next waits until the previous is applied', () => {
    const net = cluster(VOTERS);
    const a = elect(net, 'a');
    net.tickAll(1);
    net.isolate('a');
    expect(a.proposeConfChange({ type: 'addLearner', node: 'x' }).ok).toBe(true);
    expect(a.proposeConfChange({ type: 'addLearner', node: 'y' })).toEqual({
      ok: false,
      reason: 'confPending',
    });
  });

  it('a new leader refuses changes until its own term has a committed entry', () => {
    const net = cluster(VOTERS);
    net.filter = (m) => m.type !== 'appendResp';
    const a = elect(net, 'a');
    expect(a.proposeConfChange({ type: 'addLearner', node: 'x' })).toEqual({
      ok: false,
      reason: 'confPending',
    });
  });

  it('a removed voter stops counting and never campaigns again', () => {
    const net = cluster(VOTERS);
    const a = elect(net, 'a');
    net.tickAll(1);
    expect(a.proposeConfChange({ type: 'remove', node: 'c' }).ok).toBe(true);
    net.run();
    net.tickAll(1);
    const c = net.node('c');
    expect(a.raft.conf.voters).toEqual(['a', 'b']);
    expect(c.raft.conf.voters).toEqual(['a', 'b']);
    expect(a.raft.prs.has('c')).toBe(false);
    net.isolate('c');
    tickN(c, 200);
    expect(c.raft.role).toBe('follower');
    expect(out(c).filter((m) => m.type === 'vote' || m.type === 'preVote')).toEqual([]);
  });

  it('a leader that removes itself steps down and the rest elect a leader', () => {
    const seed = 7;
    const rng = new Rng(seed);
    // Distinct election timeouts, so b and c do not split the vote forever.
    const net = cluster(VOTERS, { random: () => rng.next() });
    const a = elect(net, 'a');
    net.tickAll(1);
    expect(a.proposeConfChange({ type: 'remove', node: 'a' }).ok).toBe(true);
    net.run();
    expect(a.raft.role).toBe('follower');
    net.tickAll(40);
    const leaders = ['b', 'c'].filter((id) => net.node(id).raft.role === 'leader');
    expect(leaders, `seed ${seed}`).toHaveLength(1);
    expect(a.raft.role).toBe('follower');
  });
});

describe('leadership transfer (thesis §3.10)', () => {
  const CQ = { checkQuorum: true, preVote: true };

  it('the leader catches the target up, then sends TimeoutNow; the target wins despite the lease', () => {
    const net = cluster(VOTERS, CQ);
    net.tickAll(10);
    const a = elect(net, 'a');
    net.tickAll(1);
    net.isolate('b');
    for (let i = 0; i < 3; i++) a.propose(enc.encode(`p${i}`));
    net.run();
    net.heal();
    const start = net.sent.length;
    expect(a.transferLeadership('b')).toBe(true);
    expect(a.status().transferee).toBe('b');
    // Refused while the transfer is under way: they would be lost with the leadership.
    expect(a.propose(enc.encode('late'))).toEqual({ ok: false, reason: 'transferring' });
    net.run();
    const sent = net.sent.slice(start).filter((m) => m.from === 'a' && m.to === 'b');
    const tn = sent.findIndex((m) => m.type === 'timeoutNow');
    expect(tn).toBeGreaterThan(0);
    // Entries went first: TimeoutNow only once b had everything.
    expect(sent.slice(0, tn).some((m) => m.type === 'append' && m.entries.length > 0)).toBe(true);
    const b = net.node('b');
    expect(b.raft.role).toBe('leader');
    expect(b.raft.term).toBe(a.raft.term);
    expect(a.raft.role).toBe('follower');
    const votes = net.sent.slice(start).filter((m) => m.type === 'vote');
    expect(votes.length).toBeGreaterThan(0);
    for (const v of votes) expect(v.type === 'vote' && v.transfer).toBe(true);
  });

  it('an up-to-date target gets TimeoutNow at once, and the leader lease is given up', () => {
    const net = cluster(VOTERS, { ...CQ, leaseReads: true, leaseTicks: 8 });
    net.tickAll(10);
    const a = elect(net, 'a');
    net.tickAll(1);
    expect(a.status().leaseValid).toBe(true);
    net.filter = (m) => m.type !== 'timeoutNow';
    a.transferLeadership('c');
    expect(ofType(drain(a).messages, 'timeoutNow').map((m) => m.to)).toEqual(['c']);
    expect(a.status().leaseValid).toBe(false);
  });

  it('refuses a transfer to a learner, to itself, to a stranger, or from a follower', () => {
    const net = cluster(VOTERS, {}, ['l']);
    const a = elect(net, 'a');
    expect(a.transferLeadership('l')).toBe(false);
    expect(a.transferLeadership('a')).toBe(false);
    expect(a.transferLeadership('zz')).toBe(false);
    expect(net.node('b').transferLeadership('c')).toBe(false);
    expect(a.status().transferee).toBeNull();
  });

  it('a transfer that does not finish within an election timeout is abandoned', () => {
    const net = cluster(VOTERS);
    const a = elect(net, 'a');
    net.isolate('b');
    a.propose(enc.encode('x'));
    net.run();
    expect(a.transferLeadership('b')).toBe(true);
    net.tickAll(10);
    expect(a.status().transferee).toBeNull();
    expect(a.raft.role).toBe('leader');
    expect(a.propose(enc.encode('y')).ok).toBe(true);
  });
});
