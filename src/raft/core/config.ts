import type { NodeId } from '../types.js';

/**
 * Settings of the pure core. Times are in ticks: the driver calls `tick()`
 * at a fixed interval (100 ms by default), so 10 ticks is one second.
 */
export interface CoreConfig {
  /** This server's id. Must be unique for the life of the cluster. */
  readonly id: NodeId;
  /**
   * Ticks without hearing from a leader before a follower campaigns. The
   * actual timeout is drawn from [electionTicks, 2 * electionTicks) each time,
   * so servers rarely campaign at once. Must exceed heartbeatTicks several times
   * over (etcd: 10x) so a heartbeat or two may be lost without an election.
   */
  readonly electionTicks: number;
  /** Ticks between leader heartbeats. */
  readonly heartbeatTicks: number;
  /**
   * Ask "would you vote for me?" before bumping the term, so a server that
   * was partitioned away cannot depose a healthy leader when it returns.
   */
  readonly preVote: boolean;
  /**
   * A leader that has not heard from a quorum within an election timeout
   * steps down, and followers that hear from a leader ignore vote requests.
   * Required for lease reads.
   */
  readonly checkQuorum: boolean;
  /**
   * Serve reads under a leader lease (no heartbeat round) while one is held;
   * otherwise every read runs a ReadIndex round. Requires checkQuorum.
   */
  readonly leaseReads: boolean;
  /**
   * Length of the lease in ticks, counted from the sending of the heartbeat
   * round a quorum acknowledged. Must be below electionTicks: the margin
   * covers tick quantization and clock-rate drift between servers.
   */
  readonly leaseTicks: number;
  /** Cap on the entry payload of one append message (at least one entry is always sent). */
  readonly maxSizePerMsg: number;
  /** Append messages in flight to one follower in replicate state. */
  readonly maxInflightMsgs: number;
  /** Bytes of entry payload in flight to one follower; 0 means no byte limit. */
  readonly maxInflightBytes: number;
  /** Payload bytes a leader accepts beyond its commit index before it drops proposals. */
  readonly maxUncommittedBytes: number;
  /** Cap on the payload of committed entries handed out to apply in one Ready. */
  readonly maxApplyBytes: number;
  /** Seeded source of randomness in [0, 1): the only one the core uses. */
  readonly random: () => number;
}

export const CORE_DEFAULTS = {
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  leaseReads: true,
  leaseTicks: 8,
  maxSizePerMsg: 1024 * 1024,
  maxInflightMsgs: 256,
  maxInflightBytes: 32 * 1024 * 1024,
  maxUncommittedBytes: 64 * 1024 * 1024,
  maxApplyBytes: 4 * 1024 * 1024,
} as const;

export type CoreOptions = Partial<Omit<CoreConfig, 'id' | 'random'>> & Pick<CoreConfig, 'id' | 'random'>;

/** Fills defaults and rejects combinations that would be unsafe, naming the field. */
export function validateCoreConfig(opts: CoreOptions): CoreConfig {
  const c: CoreConfig = { ...CORE_DEFAULTS, ...opts };
  if (!c.id) throw new Error('id: must be a non-empty string');
  for (const k of [
    'electionTicks',
    'heartbeatTicks',
    'leaseTicks',
    'maxSizePerMsg',
    'maxInflightMsgs',
    'maxUncommittedBytes',
    'maxApplyBytes',
  ] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) throw new Error(`${k}: must be a positive integer`);
  }
  if (c.heartbeatTicks >= c.electionTicks)
    throw new Error('electionTicks: must be greater than heartbeatTicks');
  if (c.leaseReads && !c.checkQuorum) throw new Error('leaseReads: requires checkQuorum');
  if (c.leaseReads && c.leaseTicks >= c.electionTicks) {
    throw new Error('leaseTicks: must be shorter than electionTicks');
  }
  return c;
}
