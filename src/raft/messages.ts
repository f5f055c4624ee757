import type { Entry, Index, NodeId, Snapshot, Term } from './types.js';

/**
 * Messages between Raft servers. Every message carries the sender's view of
 * the term; the glossary:
 *
 * - `append`        leader → follower: entries after (index, logTerm), and the leader's commit
 * - `appendResp`    follower → leader: accepted up to `index`, or rejected with a back-off hint
 * - `preVote`       would-be candidate → voter: "would you vote for me at `term`?" (no term bump)
 * - `vote`          candidate → voter, at the candidate's new term
 * - `*Resp`         the answers; `reject` false means granted
 * - `heartbeat`     leader → follower: keeps followers quiet, carries commit and a read round `seq`
 * - `heartbeatResp` follower → leader: echoes `seq` (confirms leadership for ReadIndex and lease)
 * - `snapshot`      leader → follower behind the compacted prefix (the transport streams it in chunks)
 * - `timeoutNow`    leader → transfer target: campaign now, bypassing leases
 * - `readIndex`     follower → leader: "what index must I apply before serving read `ctx`?"
 * - `readIndexResp` leader → follower: the index, once leadership was confirmed
 */
export type Message =
  | AppendMsg
  | AppendRespMsg
  | VoteMsg
  | VoteRespMsg
  | HeartbeatMsg
  | HeartbeatRespMsg
  | SnapshotMsg
  | TimeoutNowMsg
  | ReadIndexMsg
  | ReadIndexRespMsg;

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
}

export interface AppendMsg extends Envelope {
  readonly type: 'append';
  /** Index of the entry just before `entries`. */
  readonly index: Index;
  /** Term of the entry at `index`. */
  readonly logTerm: Term;
  readonly entries: readonly Entry[];
  readonly commit: Index;
}

export interface AppendRespMsg extends Envelope {
  readonly type: 'appendResp';
  /** On success: the follower's last index matching the leader. On rejection: the rejected `index`. */
  readonly index: Index;
  readonly reject: boolean;
  /** On rejection: the largest index that may still match, with its term, for fast back-off. */
  readonly rejectHint: Index;
  readonly logTerm: Term;
}

export interface VoteMsg extends Envelope {
  readonly type: 'vote' | 'preVote';
  readonly index: Index;
  readonly logTerm: Term;
  /** Set during leadership transfer: voters grant even while they hear from a leader. */
  readonly transfer: boolean;
}

export interface VoteRespMsg extends Envelope {
  readonly type: 'voteResp' | 'preVoteResp';
  readonly reject: boolean;
}

export interface HeartbeatMsg extends Envelope {
  readonly type: 'heartbeat';
  readonly commit: Index;
  readonly seq: number;
}

export interface HeartbeatRespMsg extends Envelope {
  readonly type: 'heartbeatResp';
  readonly seq: number;
}

export interface SnapshotMsg extends Envelope {
  readonly type: 'snapshot';
  readonly snapshot: Snapshot;
}

export interface TimeoutNowMsg extends Envelope {
  readonly type: 'timeoutNow';
}

export interface ReadIndexMsg extends Envelope {
  readonly type: 'readIndex';
  readonly ctx: string;
  /** Whether the leader may answer from its lease; false forces a quorum round (`?consistent`). */
  readonly lease: boolean;
}

export interface ReadIndexRespMsg extends Envelope {
  readonly type: 'readIndexResp';
  readonly ctx: string;
  readonly index: Index;
}

export type MessageType = Message['type'];

/** Bytes of entry payload: what message size caps and backpressure count. */
export function entriesBytes(entries: readonly Entry[]): number {
  let n = 0;
  for (const e of entries) n += e.data.byteLength;
  return n;
}
