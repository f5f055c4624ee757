import { grants, stronger } from './precedence.js';
import { PrefixTree } from './prefix-tree.js';
import { isSingleLevel } from './resources.js';
import {
  type Access,
  type DefaultPolicy,
  type Policy,
  RESOURCES,
  type Resource,
  type Rule,
} from './types.js';

/**
 * The decisions of one token: its policies compiled once, then asked per request. Build it with
 * `compilePolicies`; it is immutable.
 */
export interface Authorizer {
  readonly defaultPolicy: DefaultPolicy;
  /** Whether `resource:access` on `segment` is allowed. Single-level resources ignore the segment. */
  allowed(resource: Resource, segment: string, access: Access): boolean;
  /** Whether intentions of `service` may be read or written (`intentions` on service rules). */
  intentionAllowed(service: string, access: 'read' | 'write'): boolean;
  /**
   * Whether every key under `prefix` may be written (a recursive delete): the rule governing the
   * prefix grants write, and no rule at or under it grants less.
   */
  keyWritePrefix(prefix: string): boolean;
  /** The merged rules, sorted: what the policies amount to, whichever syntax they came in. */
  rules(): Rule[];
}

type Trees = Readonly<Record<Resource, PrefixTree>>;

class CompiledAuthorizer implements Authorizer {
  constructor(
    readonly defaultPolicy: DefaultPolicy,
    private readonly trees: Trees,
    private readonly intentions: PrefixTree,
    private readonly merged: readonly Rule[],
  ) {}

  allowed(resource: Resource, segment: string, access: Access): boolean {
    if (access === 'list' && resource !== 'key')
      throw new RangeError(`list is an access of keys only, not of ${resource}`);
    let level = this.trees[resource].lookup(isSingleLevel(resource) ? '' : segment);
    // Consul: without a mesh rule, mesh access is operator access.
    if (level === undefined && resource === 'mesh') level = this.trees.operator.lookup('');
    return level === undefined ? this.byDefault(resource) : grants(level, access);
  }

  intentionAllowed(service: string, access: 'read' | 'write'): boolean {
    const level = this.intentions.lookup(service);
    return level === undefined ? this.defaultPolicy === 'allow' : grants(level, access);
  }

  keyWritePrefix(prefix: string): boolean {
    const tree = this.trees.key;
    if (tree.within(prefix).some((r) => r.level !== 'write')) return false;
    const governing = tree.lookup(prefix);
    return governing === undefined ? this.byDefault('key') : grants(governing, 'write');
  }

  rules(): Rule[] {
    return [...this.merged];
  }

  /** Consul's allow-all default still keeps ACL management to tokens whose rules grant it. */
  private byDefault(resource: Resource): boolean {
    return this.defaultPolicy === 'allow' && resource !== 'acl';
  }
}

/**
 * Compiles the policies of one token. Rules of the same resource, segment and kind are merged
 * first, deny over write over list over read (an unset `intentions` loses to a set one); then a
 * service rule without `intentions` gets Consul's: read when its policy is read or write, else deny.
 */
export function compilePolicies(policies: readonly Policy[], defaultPolicy: DefaultPolicy): Authorizer {
  const merged = new Map<string, { policy: Rule['policy']; intentions?: Rule['policy']; rule: Rule }>();
  for (const policy of policies)
    for (const rule of policy.rules) {
      const key = `${rule.resource}\u0000${rule.prefix ? 'p' : 'e'}\u0000${rule.segment}`;
      const m = merged.get(key);
      if (m === undefined) {
        merged.set(key, { policy: rule.policy, intentions: rule.intentions, rule });
        continue;
      }
      m.policy = stronger(m.policy, rule.policy);
      if (rule.intentions !== undefined) m.intentions = stronger(m.intentions, rule.intentions);
    }
  const trees = Object.fromEntries(RESOURCES.map((r) => [r, new PrefixTree()])) as Record<
    Resource,
    PrefixTree
  >;
  const intentions = new PrefixTree();
  const rules: Rule[] = [];
  for (const { policy, intentions: intent, rule } of merged.values()) {
    const segment = isSingleLevel(rule.resource) ? '' : rule.segment;
    const prefix = isSingleLevel(rule.resource) ? false : rule.prefix;
    trees[rule.resource].insert(segment, prefix, policy);
    const out: Rule = { resource: rule.resource, segment, prefix, policy };
    if (rule.resource === 'service') {
      intentions.insert(
        segment,
        prefix,
        intent ?? (policy === 'read' || policy === 'write' ? 'read' : 'deny'),
      );
      rules.push(intent === undefined ? out : { ...out, intentions: intent });
    } else rules.push(out);
  }
  rules.sort(compareRules);
  return new CompiledAuthorizer(defaultPolicy, trees, intentions, rules);
}

function compareRules(a: Rule, b: Rule): number {
  if (a.resource !== b.resource) return a.resource < b.resource ? -1 : 1;
  if (a.segment !== b.segment) return a.segment < b.segment ? -1 : 1;
  return Number(a.prefix) - Number(b.prefix);
}
