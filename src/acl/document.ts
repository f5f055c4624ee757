import { ruleError } from './errors.js';
import { MAX_RULES } from './limits.js';
import { locateRule, type RulesFormat } from './locate.js';
import { isLevel, SYNTAX, takesList } from './resources.js';
import type { AccessLevel, Resource, Rule } from './types.js';

/**
 * Turns a decoded rules document into rules. Consul's JSON form and the HCL parser's output differ
 * only in that a block body arrives as an object in one and as a list of objects in the other;
 * both are accepted, so HCL and JSON that say the same thing give the same rules.
 */
export function rulesFromDocument(doc: unknown, source: string, format: RulesFormat): Rule[] {
  const at = (word: string, label?: string, attribute?: string, occurrence?: number) =>
    locateRule(source, format, word, label, attribute, occurrence);
  if (!isObject(doc)) throw ruleError('ACL_INVALID_RULE', 'the rules must be an object of resources');
  const rules: Rule[] = [];
  for (const [word, value] of Object.entries(doc)) {
    const syntax = SYNTAX.get(word);
    if (syntax === undefined)
      throw ruleError(
        'ACL_UNKNOWN_RESOURCE',
        `unknown resource "${word}" (known: ${known()})`,
        at(word),
        word,
      );
    if (!syntax.segmented) {
      const policy = level(value, syntax.resource, word, 'policy', () => at(word));
      rules.push({ resource: syntax.resource, segment: '', prefix: false, policy });
      continue;
    }
    if (!isObject(value))
      throw ruleError(
        'ACL_INVALID_RULE',
        `needs a label, as in ${word} "name" { policy = "read" }`,
        at(word),
        word,
      );
    for (const [label, body] of Object.entries(value)) {
      const name = `${word} ${JSON.stringify(label)}`;
      const bodies: readonly unknown[] = Array.isArray(body) ? body : [body];
      bodies.forEach((b, n) => {
        rules.push(
          ruleOf(syntax.resource, syntax.prefix, label, b, name, (attr) => at(word, label, attr, n)),
        );
        if (rules.length > MAX_RULES)
          throw ruleError('ACL_RULES_TOO_LARGE', `more than ${MAX_RULES} rules in one policy`);
      });
    }
  }
  return rules;
}

function ruleOf(
  resource: Resource,
  prefix: boolean,
  segment: string,
  body: unknown,
  name: string,
  at: (attribute?: string) => number | undefined,
): Rule {
  if (!isObject(body))
    throw ruleError('ACL_INVALID_RULE', 'the rule must be a block, as in { policy = "read" }', at(), name);
  const allowed = resource === 'service' ? ['policy', 'intentions'] : ['policy'];
  for (const attr of Object.keys(body))
    if (!allowed.includes(attr))
      throw ruleError(
        'ACL_INVALID_RULE',
        isObject(body[attr]) || Array.isArray(body[attr])
          ? `unexpected "${attr}" inside the rule (one label per rule)`
          : `unknown attribute "${attr}" (this rule takes ${allowed.join(' and ')})`,
        at(attr),
        name,
      );
  if (body.policy === undefined)
    throw ruleError('ACL_INVALID_ACCESS', 'missing policy = "read", "write" or "deny"', at(), name);
  const policy = level(body.policy, resource, name, 'policy', () => at('policy'));
  if (body.intentions === undefined) return { resource, segment, prefix, policy };
  // Intentions are read, written or denied; there is nothing to list.
  const intentions = level(body.intentions, 'service', name, 'intentions', () => at('intentions'));
  return { resource, segment, prefix, policy, intentions };
}

function level(
  value: unknown,
  resource: Resource,
  name: string,
  attribute: string,
  at: () => number | undefined,
): AccessLevel {
  const want =
    takesList(resource) && attribute === 'policy' ? 'read, write, list or deny' : 'read, write or deny';
  if (typeof value !== 'string')
    throw ruleError('ACL_INVALID_ACCESS', `${attribute} must be a quoted string: ${want}`, at(), name);
  // The HCL parser hands an unquoted word back as an interpolation.
  if (value.includes('${'))
    throw ruleError(
      'ACL_INVALID_ACCESS',
      `${attribute} must be a quoted string, not an expression: ${want}`,
      at(),
      name,
    );
  if (!isLevel(value) || (value === 'list' && (!takesList(resource) || attribute !== 'policy')))
    throw ruleError(
      'ACL_INVALID_ACCESS',
      `${attribute} "${value}" is not an access level here (want ${want})`,
      at(),
      name,
    );
  return value;
}

function known(): string {
  return [...SYNTAX.keys()].sort().join(', ');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
