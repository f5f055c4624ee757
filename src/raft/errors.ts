import type { NodeId } from './types.js';

/**
 * Stable codes of the failures a caller of the Raft module must tell apart.
 * Retired codes are never reused.
 *
 * - RAFT_NOT_LEADER       this server does not lead; `leaderId`/`leaderAddress` hint where to go.
 *                         The command surely did not enter the log.
 * - RAFT_DROPPED          refused or replaced before it could commit (backpressure, leadership
 *                         transfer, or its entry was overwritten): it surely never takes effect.
 * - RAFT_UNKNOWN_OUTCOME  it may or may not take effect (timeout, shutdown, covered by a snapshot).
 * - RAFT_READ_TIMEOUT     a read barrier was not confirmed in time (no quorum reachable).
 * - RAFT_BAD_MEMBERSHIP   a membership change that is not allowed now; the message says why.
 * - RAFT_STOPPED          the node is stopped.
 */
export const RAFT_ERROR_CODES = [
  'RAFT_NOT_LEADER',
  'RAFT_DROPPED',
  'RAFT_UNKNOWN_OUTCOME',
  'RAFT_READ_TIMEOUT',
  'RAFT_BAD_MEMBERSHIP',
  'RAFT_STOPPED',
] as const;
export type RaftErrorCode = (typeof RAFT_ERROR_CODES)[number];

export class RaftError extends Error {
  constructor(
    readonly code: RaftErrorCode,
    message: string,
    readonly leaderId: NodeId | null = null,
    readonly leaderAddress: string | null = null,
  ) {
    super(message);
    this.name = 'RaftError';
  }

  /** Whether the command may have been applied despite the error. */
  get outcomeKnown(): boolean {
    return this.code !== 'RAFT_UNKNOWN_OUTCOME';
  }
}
