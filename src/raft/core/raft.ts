import { entriesBytes, type Message, type VoteMsg } from '../messages.js';
import type {
  ConfChange,
  ConfState,
  Entry,
  Index,
  NodeId,
  ReadState,
  Role,
  Snapshot,
  Term,
} from '../types.js';
import { EMPTY_CONF } from '../types.js';
import { applyConfChange, confChangeError, decodeConfChange, encodeConfChange } from './confchange.js';
import type { CoreConfig } from './config.js';
import type { RaftLog } from './log.js';
import { Progress } from './progress.js';
import { committedBy, voteResult } from './quorum.js';
import { type PendingRead, ReadOnly } from './read-only.js';

/** Why a proposal was refused before it entered the log (so it surely never takes effect). */
export type RefusalReason = 'notLeader' | 'transferring' | 'overloaded' | 'confPending' | 'invalidConf';

export type ProposeResult =
  | { readonly ok: true; readonly index: Index; readonly term: Term }
  | { readonly ok: false; readonly reason: RefusalReason; readonly detail?: string };

/**
 * The Raft algorithm for one server: a deterministic state machine. Inputs
 * are `tick()`, `step(message)` and the local requests (propose, read,
 * transfer); outputs accumulate in `msgs`, `readStates` and the log, and
 * are collected by {@link RawNode.ready}. No clock, no I/O, no randomness
 * but the injected generator.
 */
export class Raft {
  readonly id: NodeId;
  term: Term = 0;
  vote: NodeId | null = null;
  lead: NodeId | null = null;
  role: Role = 'follower';
  conf: ConfState = EMPTY_CONF;
  readonly prs = new Map<NodeId, Progress>();
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  /** Total ticks seen: the core's notion of time (for the lease). */
  ticks = 0;

  private votes = new Map<NodeId, boolean>();
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private leadTransferee: NodeId | null = null;
  /** Index of the newest membership change in the log; another waits until it is applied. */
  private pendingConfIndex: Index = 0;
  private uncommittedBytes = 0;
  private readonly readOnly = new ReadOnly();
  /** Reads that arrived before this leader committed an entry of its own term. */
  private readsBeforeCommit: { ctx: string; from: NodeId; allowLease: boolean }[] = [];
  /**
   * True from boot until an election timeout passes: a restarted server may
   * have acknowledged a leader's lease before it crashed, so it must not help
   * elect another leader before that lease has surely run out.
   */
  private bootLease = true;
  /**
   * Tick of the last message from a leader. Unlike `lead` it survives a term
   * change, so a stray higher-term message cannot end the lease we promised.
   */
  private leaderContactTick: number | null = null;
  /** Set once this leader sent TimeoutNow: the target may win without waiting for leases to run out. */
  private leaseRevoked = false;
  private pendingBcast = false;

  constructor(
    readonly cfg: CoreConfig,
    readonly log: RaftLog,
  ) {
    this.id = cfg.id;
    this.resetRandomizedTimeout();
  }

  // ---- membership --------------------------------------------------------

  isVoter(id: NodeId = this.id): boolean {
    return this.conf.voters.includes(id);
  }

  /** Only voters campaign; a learner or a removed server never does. */
  promotable(): boolean {
    return this.isVoter();
  }

  /** Applies a committed membership change; called as its entry is handed out to apply. */
  applyConfEntry(entry: Entry): void {
    const change = decodeConfChange(entry.data);
    if (confChangeError(this.conf, change) !== null) return; // refused at propose time elsewhere; a no-op here
    this.conf = applyConfChange(this.conf, change);
    if (this.role === 'leader') {
      this.syncProgress();
      if (!this.isVoter()) {
        // We removed ourselves: hand over by stepping down; the others elect a leader.
        this.becomeFollower(this.term, null);
        return;
      }
      if (this.maybeCommit()) this.bcastAppend();
      if (this.leadTransferee && !this.isVoter(this.leadTransferee)) this.leadTransferee = null;
    }
  }

  /** Replaces the configuration wholesale (restart, snapshot install). */
  setConf(conf: ConfState): void {
    this.conf = conf;
    if (this.role === 'leader') this.syncProgress();
  }

  private syncProgress(): void {
    const members = new Set([...this.conf.voters, ...this.conf.learners]);
    for (const id of this.prs.keys()) if (!members.has(id)) this.prs.delete(id);
    for (const id of members) {
      const isLearner = this.conf.learners.includes(id);
      const pr = this.prs.get(id);
      if (pr && pr.isLearner === isLearner) continue;
      const fresh = this.newProgress(id, isLearner);
      if (pr) {
        fresh.match = pr.match;
        fresh.next = pr.next;
        fresh.recentActive = pr.recentActive;
      }
      this.prs.set(id, fresh);
    }
  }

  private newProgress(id: NodeId, isLearner: boolean): Progress {
    const pr = new Progress(
      this.log.lastIndex() + 1,
      isLearner,
      this.cfg.maxInflightMsgs,
      this.cfg.maxInflightBytes,
    );
    if (id === this.id) {
      pr.match = this.log.persisted;
      pr.recentActive = true;
    }
    return pr;
  }

  // ---- role changes ------------------------------------------------------

  becomeFollower(term: Term, lead: NodeId | null): void {
    this.reset(term);
    this.role = 'follower';
    this.lead = lead;
  }

  private becomePreCandidate(): void {
    // No term change: a pre-candidate disturbs nobody.
    this.votes = new Map();
    this.electionElapsed = 0;
    this.resetRandomizedTimeout();
    this.role = 'preCandidate';
    this.lead = null;
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    this.reset(this.term);
    this.role = 'leader';
    this.lead = this.id;
    this.syncProgress();
    // Nothing may change membership before everything already in the log is applied.
    this.pendingConfIndex = this.log.lastIndex();
    // The no-op of the new term: committing it commits all earlier entries.
    this.appendEntries([{ kind: 'noop', data: new Uint8Array(0) }]);
  }

  private reset(term: Term): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = null;
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedTimeout();
    this.votes = new Map();
    this.leadTransferee = null;
    this.leaseRevoked = false;
    this.prs.clear();
    this.readOnly.reset();
    this.readsBeforeCommit = [];
    this.uncommittedBytes = 0;
  }

  private resetRandomizedTimeout(): void {
    const base = this.cfg.electionTicks;
    this.randomizedElectionTimeout = base + Math.floor(this.cfg.random() * base);
  }

  // ---- time --------------------------------------------------------------

  tick(): void {
    this.ticks++;
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) this.bootLease = false;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign(this.cfg.preVote ? 'pre' : 'normal');
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, null);
        return;
      }
      // A transfer that did not finish within an election timeout is abandoned.
      this.leadTransferee = null;
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  /** Whether a quorum was heard from since the last check; resets the marks. */
  private quorumActive(): boolean {
    let active = 0;
    for (const id of this.conf.voters) {
      const pr = this.prs.get(id);
      if (id === this.id || pr?.recentActive) active++;
    }
    for (const [id, pr] of this.prs) if (id !== this.id) pr.recentActive = false;
    return active >= Math.floor(this.conf.voters.length / 2) + 1;
  }

  // ---- elections ---------------------------------------------------------

  campaign(kind: 'pre' | 'normal' | 'transfer'): void {
    if (!this.promotable()) return;
    let voteTerm: Term;
    if (kind === 'pre') {
      this.becomePreCandidate();
      voteTerm = this.term + 1;
    } else {
      this.becomeCandidate();
      voteTerm = this.term;
    }
    this.votes.set(this.id, true);
    if (voteResult(this.conf.voters, this.votes) === 'won') {
      if (kind === 'pre') this.campaign('normal');
      else this.becomeLeader();
      return;
    }
    for (const id of this.conf.voters) {
      if (id === this.id) continue;
      this.send({
        type: kind === 'pre' ? 'preVote' : 'vote',
        to: id,
        from: this.id,
        term: voteTerm,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        transfer: kind === 'transfer',
      });
    }
  }

  /** Whether we may still be inside a leader's lease, so must not help elect another. */
  private inLease(): boolean {
    if (!this.cfg.checkQuorum) return false;
    if (this.bootLease) return true;
    if (this.role === 'leader') return this.electionElapsed < this.cfg.electionTicks;
    return this.leaderContactTick !== null && this.ticks - this.leaderContactTick < this.cfg.electionTicks;
  }

  private handleVote(m: VoteMsg): void {
    if (!m.transfer && m.from !== this.lead && this.vote !== m.from && this.inLease()) {
      // A vote at our own term after a stray message bumped it: the lease still binds us.
      const respType = m.type === 'vote' ? 'voteResp' : 'preVoteResp';
      this.send({ type: respType, to: m.from, from: this.id, term: this.term, reject: true });
      return;
    }
    // We may vote for whom we already voted for, for anyone if we have neither voted
    // nor know a leader in this term, and pre-vote for anyone at a later term.
    const canVote =
      this.vote === m.from ||
      (this.vote === null && this.lead === null) ||
      (m.type === 'preVote' && m.term > this.term);
    const grant = canVote && this.log.isUpToDate(m.index, m.logTerm);
    const respType = m.type === 'vote' ? 'voteResp' : 'preVoteResp';
    if (grant) {
      // A granted pre-vote is answered at the term asked about; the real vote bumps ours.
      this.send({ type: respType, to: m.from, from: this.id, term: m.term, reject: false });
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, to: m.from, from: this.id, term: this.term, reject: true });
    }
  }

  // ---- the step function -------------------------------------------------

  step(m: Message): void {
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'preVote') {
        // While we hear from a leader we ignore elections, unless the leader asked for one.
        if (!m.transfer && this.inLease()) return;
      }
      if (m.type === 'preVote' || (m.type === 'preVoteResp' && !m.reject)) {
        // Pre-votes never change our term.
      } else if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, null);
      }
    } else if (m.term < this.term) {
      if (m.type === 'append' || m.type === 'heartbeat') {
        // A stale leader (or one cut off and back): tell it our term so it steps down.
        this.send({
          type: 'appendResp',
          to: m.from,
          from: this.id,
          term: this.term,
          index: 0,
          reject: true,
          rejectHint: 0,
          logTerm: 0,
        });
      } else if (m.type === 'preVote') {
        this.send({ type: 'preVoteResp', to: m.from, from: this.id, term: this.term, reject: true });
      }
      return;
    }

    if (m.type === 'vote' || m.type === 'preVote') {
      this.handleVote(m);
      return;
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m);
        break;
      case 'candidate':
      case 'preCandidate':
        this.stepCandidate(m);
        break;
      case 'follower':
        this.stepFollower(m);
        break;
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case 'voteResp':
      case 'preVoteResp': {
        if ((m.type === 'voteResp') !== (this.role === 'candidate')) return;
        this.votes.set(m.from, !m.reject);
        const result = voteResult(this.conf.voters, this.votes);
        if (result === 'won') {
          if (this.role === 'preCandidate') this.campaign('normal');
          else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (result === 'lost') {
          this.becomeFollower(this.term, null);
        }
        return;
      }
      default:
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'append':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.leaderContactTick = this.ticks;
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.leaderContactTick = this.ticks;
        // The leader sends commit <= our match, so this never passes our log.
        this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
        this.send({ type: 'heartbeatResp', to: m.from, from: this.id, term: this.term, seq: m.seq });
        return;
      case 'snapshot':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.leaderContactTick = this.ticks;
        this.handleSnapshot(m.snapshot);
        return;
      case 'timeoutNow':
        this.campaign('transfer');
        return;
      case 'readIndexResp':
        this.readStates.push({ index: m.index, ctx: m.ctx });
        return;
      default:
        return;
    }
  }

  private handleAppend(m: Extract<Message, { type: 'append' }>): void {
    const reply = (index: Index, reject: boolean, rejectHint = 0, logTerm = 0) =>
      this.send({
        type: 'appendResp',
        to: m.from,
        from: this.id,
        term: this.term,
        index,
        reject,
        rejectHint,
        logTerm,
      });
    if (m.index < this.log.committed) {
      reply(this.log.committed, false);
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew >= 0) {
      reply(lastNew, false);
      return;
    }
    // Tell the leader the largest index that may match, so it skips a whole term at a time.
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    reply(m.index, true, hint, this.log.term(hint) ?? 0);
  }

  private handleSnapshot(snap: Snapshot): void {
    const meta = snap.meta;
    if (meta.index <= this.log.committed) {
      // Nothing new in it: just say how far we are.
      this.replySnapshot(this.log.committed);
      return;
    }
    if (this.log.matchTerm(meta.index, meta.term)) {
      // We already have everything it covers: fast-forward commit instead of restoring.
      // Claim a match only up to the snapshot: entries after it may be a deposed leader's.
      this.log.commitTo(meta.index);
      this.replySnapshot(meta.index);
      return;
    }
    this.log.restoreSnapshot(snap);
    this.conf = meta.conf;
    this.replySnapshot(meta.index);
  }

  private replySnapshot(index: Index): void {
    if (!this.lead) return;
    this.send({
      type: 'appendResp',
      to: this.lead,
      from: this.id,
      term: this.term,
      index,
      reject: false,
      rejectHint: 0,
      logTerm: 0,
    });
  }

  private stepLeader(m: Message): void {
    const pr = this.prs.get(m.from);
    switch (m.type) {
      case 'appendResp':
        if (!pr) return;
        pr.recentActive = true;
        this.handleAppendResp(m, pr);
        return;
      case 'heartbeatResp':
        if (!pr) return;
        pr.recentActive = true;
        pr.probeSent = false;
        // With a full window, an append may have been lost: free a slot so replication cannot stall.
        if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
        if (pr.match < this.log.lastIndex()) this.maybeSendAppend(m.from, true);
        if (this.isVoter(m.from)) {
          this.readOnly.ack(m.from, m.seq);
          this.releaseReads();
        }
        return;
      case 'readIndex':
        this.handleReadIndex(m.ctx, m.from, m.lease);
        return;
      default:
        return;
    }
  }

  private handleAppendResp(m: Extract<Message, { type: 'appendResp' }>, pr: Progress): void {
    if (m.reject) {
      if (m.index === 0 && m.rejectHint === 0) return; // a term notice, handled by step()
      let nextProbe = m.rejectHint;
      if (m.logTerm > 0) nextProbe = this.log.findConflictByTerm(m.rejectHint, m.logTerm);
      if (pr.maybeDecrTo(m.index, nextProbe)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.maybeSendAppend(m.from, true);
      }
      return;
    }
    const oldPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) {
      if (oldPaused && pr.state === 'probe') this.maybeSendAppend(m.from, false);
      return;
    }
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') pr.inflights.freeLE(m.index);

    if (this.maybeCommit()) this.bcastAppend();
    // Keep the pipe full: send whatever the window now allows.
    while (this.maybeSendAppend(m.from, false)) {}
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  // ---- replication -------------------------------------------------------

  /** Commits what a quorum of voters has on disk, if it is of this term. */
  maybeCommit(): boolean {
    const idx = committedBy(this.conf.voters, (id) => this.prs.get(id)?.match ?? 0);
    if (!Number.isFinite(idx)) return false;
    const committed = this.log.maybeCommit(idx, this.term);
    if (committed && this.readsBeforeCommit.length > 0) {
      const reads = this.readsBeforeCommit;
      this.readsBeforeCommit = [];
      for (const r of reads) this.handleReadIndex(r.ctx, r.from, r.allowLease);
    }
    return committed;
  }

  /** Called when the driver has made our own log durable up to `index`. */
  selfPersisted(index: Index): void {
    if (this.role !== 'leader') return;
    const pr = this.prs.get(this.id);
    if (pr?.maybeUpdate(index) && this.maybeCommit()) this.bcastAppend();
  }

  private bcastAppend(): void {
    for (const id of this.prs.keys()) if (id !== this.id) this.maybeSendAppend(id, true);
  }

  private bcastHeartbeat(): void {
    const seq = this.readOnly.nextRound(this.ticks);
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      this.send({
        type: 'heartbeat',
        to: id,
        from: this.id,
        term: this.term,
        commit: Math.min(pr.match, this.log.committed),
        seq,
      });
    }
  }

  /**
   * Sends the follower the entries it needs next (or a snapshot when they
   * are compacted). Reports whether a message was sent.
   */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.prs.get(to);
    if (!pr || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined || pr.next <= this.log.offset) return this.sendSnapshot(to, pr);
    const entries =
      pr.next <= this.log.lastIndex()
        ? this.log.slice(pr.next, this.log.lastIndex() + 1, this.cfg.maxSizePerMsg)
        : [];
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({
      type: 'append',
      to,
      from: this.id,
      term: this.term,
      index: prevIndex,
      logTerm: prevTerm,
      entries,
      commit: this.log.committed,
    });
    const last = entries.length > 0 ? entries[entries.length - 1]!.index : prevIndex;
    pr.sentEntries(last, entries.length, entriesBytes(entries));
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    const snap = this.log.snapshot;
    if (!snap || !pr.recentActive) return false;
    pr.becomeSnapshot(snap.meta.index);
    this.send({ type: 'snapshot', to, from: this.id, term: this.term, snapshot: snap });
    return true;
  }

  /** The transport could not reach `id`: stop pipelining blindly to it. */
  reportUnreachable(id: NodeId): void {
    const pr = this.prs.get(id);
    if (this.role === 'leader' && pr?.state === 'replicate') pr.becomeProbe();
  }

  /** The transport finished (or failed) streaming a snapshot to `id`. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    const pr = this.prs.get(id);
    if (this.role !== 'leader' || !pr || pr.state !== 'snapshot') return;
    if (!ok) pr.pendingSnapshot = 0;
    // Wait for the follower's answer (or the next heartbeat) before sending more.
    pr.becomeProbe();
    pr.probeSent = true;
  }

  private appendEntries(ents: { kind: Entry['kind']; data: Uint8Array }[]): Index {
    let index = this.log.lastIndex();
    const full: Entry[] = ents.map((e) => ({ index: ++index, term: this.term, kind: e.kind, data: e.data }));
    this.log.append(full);
    this.uncommittedBytes += entriesBytes(full);
    return index;
  }

  /** Called as committed entries are handed out: they no longer count against the bound. */
  releaseUncommitted(bytes: number): void {
    this.uncommittedBytes = Math.max(0, this.uncommittedBytes - bytes);
  }

  // ---- local requests ----------------------------------------------------

  propose(data: Uint8Array): ProposeResult {
    const refused = this.checkPropose(data.byteLength);
    if (refused) return refused;
    const index = this.appendEntries([{ kind: 'normal', data }]);
    // Broadcast once per Ready, not once per proposal: one append per follower per batch.
    this.pendingBcast = true;
    return { ok: true, index, term: this.term };
  }

  /** Sends the appends owed to proposals made since the last Ready. */
  flushProposals(): void {
    if (!this.pendingBcast) return;
    this.pendingBcast = false;
    if (this.role === 'leader') this.bcastAppend();
  }

  get hasPendingBcast(): boolean {
    return this.pendingBcast;
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    const refused = this.checkPropose(0);
    if (refused) return refused;
    if (this.pendingConfIndex > this.log.applied || this.log.term(this.log.committed) !== this.term) {
      return { ok: false, reason: 'confPending' };
    }
    const err = confChangeError(this.conf, change);
    if (err) return { ok: false, reason: 'invalidConf', detail: err };
    if (change.type === 'promote') {
      const pr = this.prs.get(change.node);
      if (!pr || pr.match < this.log.committed) {
        return { ok: false, reason: 'invalidConf', detail: `${change.node} has not caught up yet` };
      }
    }
    const index = this.appendEntries([{ kind: 'conf', data: encodeConfChange(change) }]);
    this.pendingConfIndex = index;
    this.pendingBcast = true;
    return { ok: true, index, term: this.term };
  }

  private checkPropose(bytes: number): ProposeResult | null {
    if (this.role !== 'leader') return { ok: false, reason: 'notLeader' };
    if (this.leadTransferee !== null) return { ok: false, reason: 'transferring' };
    if (this.uncommittedBytes > 0 && this.uncommittedBytes + bytes > this.cfg.maxUncommittedBytes) {
      return { ok: false, reason: 'overloaded' };
    }
    return null;
  }

  /**
   * Asks for the index a read must wait for. The answer arrives later as a
   * ReadState with the same ctx (or never, if leadership is lost: the
   * driver times out and retries).
   */
  readIndex(ctx: string, allowLease: boolean): boolean {
    if (this.role === 'leader') {
      this.handleReadIndex(ctx, this.id, allowLease);
      return true;
    }
    if (this.lead === null) return false;
    this.send({ type: 'readIndex', to: this.lead, from: this.id, term: this.term, ctx, lease: allowLease });
    return true;
  }

  private handleReadIndex(ctx: string, from: NodeId, allowLease: boolean): void {
    if (this.log.term(this.log.committed) !== this.term) {
      // Until an entry of our term commits we do not know the true commit index.
      this.readsBeforeCommit.push({ ctx, from, allowLease });
      return;
    }
    const index = this.log.committed;
    if (this.conf.voters.length === 1 && this.isVoter()) {
      this.answerRead({ ctx, from, index, seq: 0 });
      return;
    }
    if (allowLease && this.leaseValid()) {
      this.answerRead({ ctx, from, index, seq: 0 });
      return;
    }
    // Confirm leadership with a fresh heartbeat round.
    this.readOnly.add({ ctx, from, index, seq: this.readOnly.seq + 1 });
    this.bcastHeartbeat();
  }

  /** Whether the lease holds: no other leader can have been elected yet. */
  leaseValid(): boolean {
    if (this.role !== 'leader' || !this.cfg.leaseReads || this.leaseRevoked) return false;
    const sentAt = this.readOnly.quorumSentAt(this.conf.voters, this.id);
    return sentAt !== undefined && this.ticks < sentAt + this.cfg.leaseTicks;
  }

  private releaseReads(): void {
    for (const r of this.readOnly.release(this.conf.voters, this.id)) this.answerRead(r);
  }

  private answerRead(r: PendingRead): void {
    if (r.from === this.id) this.readStates.push({ index: r.index, ctx: r.ctx });
    else
      this.send({
        type: 'readIndexResp',
        to: r.from,
        from: this.id,
        term: this.term,
        ctx: r.ctx,
        index: r.index,
      });
  }

  transferLeadership(to: NodeId): boolean {
    if (this.role !== 'leader' || to === this.id || !this.isVoter(to)) return false;
    const pr = this.prs.get(to);
    if (!pr) return false;
    this.leadTransferee = to;
    this.electionElapsed = 0;
    if (pr.match === this.log.lastIndex()) {
      this.sendTimeoutNow(to);
    } else {
      this.maybeSendAppend(to, true);
    }
    return true;
  }

  private sendTimeoutNow(to: NodeId): void {
    // The target's votes bypass leases, so ours can no longer be trusted.
    this.leaseRevoked = true;
    this.send({ type: 'timeoutNow', to, from: this.id, term: this.term });
  }

  get transferee(): NodeId | null {
    return this.leadTransferee;
  }

  private send(m: Message): void {
    this.msgs.push(m);
  }
}
