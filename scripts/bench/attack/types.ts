/** Where the attacks aim: one server of the cluster, all its ports on 127.0.0.1. */
export interface Target {
  readonly url: string;
  readonly httpPort: number;
  readonly serverPort: number;
  readonly dnsPort: number;
}

export interface AttackContext {
  readonly target: Target;
  /** performance.now() at which the attack stops opening and sending. */
  readonly until: number;
  /** The attacker's source addresses, in 127.0.0.0/8 and never the cluster's own 127.0.0.1. */
  readonly sources: readonly string[];
  /** The run was interrupted: stop early. */
  readonly interrupted: () => boolean;
}

/** What the attacker saw: counts and figures named for what they count. */
export type AttackerFigures = Record<string, number | null>;

export interface Attack {
  readonly name: string;
  /** The metric families whose change shows the attack was counted. */
  readonly metrics: readonly string[];
  /** Only the series of `metrics` whose name holds this (e.g. a route), when the family counts more. */
  readonly seriesHolding?: string;
  readonly run: (ctx: AttackContext) => Promise<AttackerFigures>;
}
