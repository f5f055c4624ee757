import type { BalancerState } from '../balance/index.js';
import type { Metrics } from '../metrics/index.js';
import type { CairnServer } from '../server/index.js';
import type { ApplySuccess, Command, NodeSpec } from '../state/index.js';
import type { Reads } from './blocking.js';
import { fromApplyFailure } from './errors.js';
import type { ClientLimits } from './limits/index.js';
import type { TrustedProxies } from './source-address.js';

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
  /** Versions of each KV key kept in its history. */
  readonly kvHistory: number;
  readonly kvMaxValueBytes: number;
  /** Most KV keys a write may leave stored (0: no limit); checked when the write is applied. */
  readonly kvMaxKeys: number;
  /** Most service instances a registration may leave in the catalog (0: no limit). */
  readonly catalogMaxInstances: number;
  /** Proxies whose X-Forwarded-For names the client of a registration without an Address. */
  readonly trustedProxies: TrustedProxies;
  /** What each client address may hold at once (blocking queries, watch sockets and subscriptions). */
  readonly limits: ClientLimits;
  /** The server's data directory (null when it has none on disk, as in tests). */
  readonly dataDir: string | null;
}

/** Applies a write through Raft; a refusal by the state machine becomes its 4xx. */
export async function write(ctx: HttpContext, cmd: Command): Promise<number> {
  return (await writeResult(ctx, cmd)).index;
}

/** Like `write`, also giving what the command answered (a CAS's true/false, a transaction's results). */
export async function writeResult(ctx: HttpContext, cmd: Command): Promise<ApplySuccess & { index: number }> {
  const done = ctx.metrics.startWrite(cmd.type);
  const out = await ctx.server.apply(cmd);
  done();
  if (!out.result.ok) {
    if (out.result.kind === 'quota') ctx.limits.refused(cmd.type === 'register' ? 'instances' : 'kv_keys');
    throw fromApplyFailure(out.result);
  }
  return { ...out.result, index: out.index };
}
