import type { BalancerState } from '../balance/index.js';
import type { Metrics } from '../metrics/index.js';
import type { CairnServer } from '../server/index.js';
import type { Command, NodeSpec } from '../state/index.js';
import type { Reads } from './blocking.js';
import { fromApplyFailure } from './errors.js';

/** What every route module gets. */
export interface HttpContext {
  readonly server: CairnServer;
  readonly reads: Reads;
  readonly balancer: BalancerState;
  readonly metrics: Metrics;
  readonly datacenter: string;
  /** This server's own node, which agent registrations are placed on. */
  readonly self: NodeSpec;
  /** Largest accepted request body (bytes). */
  readonly bodyLimit: number;
  /** Default protection threshold when a service's Meta does not set one (0 = off). */
  readonly protectionThreshold: number;
}

/** Applies a write through Raft; a refusal by the state machine becomes its 4xx. */
export async function write(ctx: HttpContext, cmd: Command): Promise<number> {
  const done = ctx.metrics.writeLatency.startTimer();
  const out = await ctx.server.apply(cmd);
  done();
  if (!out.result.ok) throw fromApplyFailure(out.result);
  return out.index;
}
