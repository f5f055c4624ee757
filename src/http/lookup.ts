import { type Candidate, isStrategyName, orderCandidates, type StrategyName } from '../balance/index.js';
import {
  aggregateStatus,
  type CatalogView,
  type Check,
  candidateId,
  type HealthStatus,
  type Instance,
  instanceCandidate,
  protectionThreshold,
  selectHealthy,
} from '../state/index.js';
import type { HttpContext } from './context.js';
import { badRequest } from './errors.js';
import type { Filter } from './filter/index.js';
import { nodeMetaMatches } from './params.js';
import { checkJson, nodeJson, nodeServiceJson } from './shapes.js';

export interface LookupOptions {
  /** Identifies the options that shape the list (everything but strategy, key and limit), for the memo. */
  readonly memoKey: string;
  readonly passingOnly: boolean;
  readonly tags: readonly string[];
  readonly nodeMeta: readonly [string, string][];
  readonly filter: Filter | null;
  readonly strategy: StrategyName | null;
  readonly key: string | undefined;
  readonly limit: number;
}

export interface Lookup {
  readonly entries: unknown[];
  /** Fewer than the protection threshold were healthy, so every instance is returned. */
  readonly protection: boolean;
}

interface Entry {
  readonly instance: Instance;
  readonly checks: Check[];
  readonly status: HealthStatus;
}

export function strategyParam(raw: string | undefined): StrategyName | null {
  if (raw === undefined || raw === '') return null;
  if (!isStrategyName(raw)) {
    throw badRequest('lb', `"${raw}" is not one of round_robin, weighted, least_load, hash, priority`);
  }
  return raw;
}

/**
 * Healthy instances of a service, as /v1/health/service answers them:
 * filtered by tags, node meta, health and `?filter`, then ordered by the
 * chosen balancing strategy, with the protection threshold applied.
 */
export function lookup(ctx: HttpContext, name: string, opts: LookupOptions): Lookup {
  const base = memo.get(ctx, `${name}\u0000${opts.memoKey}`, () => healthyList(ctx, name, opts));
  let json = base.json;
  if (opts.strategy) {
    const ordered = orderCandidates(
      ctx.balancer,
      opts.strategy,
      `${name}|${opts.tags.join(',')}`,
      base.candidates,
      {
        ...(opts.key !== undefined ? { key: opts.key } : {}),
        random: Math.random,
      },
    );
    json = ordered.map((c) => base.byId.get(c.id) as unknown);
  }
  if (opts.limit > 0) json = json.slice(0, opts.limit);
  return { entries: json, protection: base.protection };
}

interface HealthyList {
  readonly json: unknown[];
  readonly candidates: Candidate[];
  readonly byId: Map<string, unknown>;
  readonly protection: boolean;
}

/**
 * The filtered, health-checked list of one service at the current applied
 * index, shared by every lookup until the state changes; only the ordering
 * (which differs per call for rotating strategies) is done per request.
 */
class LookupMemo {
  private at = -1;
  private lists = new Map<string, HealthyList>();

  get(ctx: HttpContext, key: string, build: () => HealthyList): HealthyList {
    const applied = ctx.server.view.applied;
    if (applied !== this.at) {
      this.lists = new Map();
      this.at = applied;
    }
    let l = this.lists.get(key);
    if (!l) {
      l = build();
      if (this.lists.size < 10_000) this.lists.set(key, l);
    }
    return l;
  }
}

const memo = new LookupMemo();

function healthyList(ctx: HttpContext, name: string, opts: LookupOptions): HealthyList {
  const catalog = ctx.server.view.catalog;
  const all: Entry[] = [];
  for (const i of catalog.instancesOf(name)) {
    if (!opts.tags.every((t) => i.tags.includes(t))) continue;
    if (opts.nodeMeta.length > 0 && !nodeMetaMatches(opts.nodeMeta, catalog.node(i.node)?.meta)) continue;
    const checks = catalog.checksOfInstance(i);
    all.push({ instance: i, checks, status: aggregateStatus(checks) });
  }
  let chosen = all;
  let protection = false;
  if (opts.passingOnly) {
    // Health and the protection threshold: src/state/health.ts (shared with DNS).
    const threshold = protectionThreshold(
      all.map((e) => e.instance),
      ctx.protectionThreshold,
    );
    ({ chosen, protection } = selectHealthy(all, false, threshold));
  }
  let json = chosen.map((e) => ({ entry: e, json: entryJson(catalog, e, ctx.datacenter) }));
  if (opts.filter) {
    const f = opts.filter;
    json = json.filter((x) => f(x.json));
  }
  return {
    json: json.map((x) => x.json),
    candidates: json.map((x) => instanceCandidate(x.entry.instance, x.entry.status)),
    byId: new Map(json.map((x) => [candidateId(x.entry.instance), x.json])),
    protection,
  };
}

function entryJson(catalog: CatalogView, e: Entry, datacenter: string) {
  const node = catalog.node(e.instance.node);
  return {
    Node: node
      ? nodeJson(node)
      : {
          ID: '',
          Node: e.instance.node,
          Address: '',
          Datacenter: datacenter,
          TaggedAddresses: null,
          Meta: {},
        },
    Service: nodeServiceJson(e.instance),
    Checks: e.checks.map(checkJson),
  };
}
