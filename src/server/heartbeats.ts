import type { LeaderHealth } from '../health/index.js';
import type { RaftNode } from '../raft/index.js';
import { Coalescer } from './coalescer.js';
import { ServerError } from './errors.js';
import { FORWARD_TIMEOUT_MS, type Forwarding } from './forwarding.js';
import type { Failure, Heartbeat, Response } from './rpc.js';

export interface HeartbeatsDeps {
  readonly raft: Pick<RaftNode<unknown>, 'isLeader'>;
  readonly health: Pick<LeaderHealth, 'heartbeats' | 'renewSession'>;
  readonly forwarding: Forwarding;
}

/**
 * TTL heartbeats and session renewals: kept by the leader in memory (they move deadlines, they
 * are not writes); a follower forwards them, its heartbeats of one turn of the event loop together.
 */
export class Heartbeats {
  private readonly batch: Coalescer<Heartbeat, Failure | null>;

  constructor(private readonly deps: HeartbeatsDeps) {
    this.batch = new Coalescer<Heartbeat, Failure | null>(async (beats) =>
      (await this.send(beats)).map((r) => (r && !r.ok ? r : null)),
    );
  }

  close(): void {
    this.batch.close();
  }

  /** A TTL heartbeat: handled by the leader; from a follower, coalesced with others into one request. */
  async heartbeat(beat: Heartbeat): Promise<void> {
    const [result] = this.deps.raft.isLeader()
      ? await this.deps.health.heartbeats([beat])
      : await this.batch.add(beat).then((r) => [r]);
    if (result) throw new ServerError(result.kind, result.message);
  }

  /** A session renewal, handled by the leader. */
  async renewSession(id: string): Promise<void> {
    await this.deps.forwarding.onLeader({
      deadlineMs: FORWARD_TIMEOUT_MS,
      here: async () => {
        if (!this.deps.health.renewSession(id))
          throw new ServerError('notFound', `Session id '${id}' not found`);
        return true;
      },
      request: { t: 'renew', id },
      idempotent: true,
      answer: (res) => (res.ok && res.t === 'renew' ? true : undefined),
    });
  }

  private send(beats: readonly Heartbeat[]): Promise<readonly (Response | null)[]> {
    return this.deps.forwarding.onLeader<readonly (Response | null)[]>({
      deadlineMs: FORWARD_TIMEOUT_MS,
      here: () => this.deps.health.heartbeats(beats),
      request: { t: 'heartbeats', beats },
      // Heartbeats only move deadlines (a repeated status change is a no-op).
      idempotent: true,
      answer: (res) => (res.ok && res.t === 'heartbeats' ? res.results : undefined),
    });
  }
}
