import type { AccessLevel, Resource } from './types.js';

/** How a resource is written in the rules language. */
export interface ResourceSyntax {
  readonly resource: Resource;
  /** Whether the rule takes a label (`key "a/b" { ... }`) rather than a value (`operator = "read"`). */
  readonly segmented: boolean;
  readonly prefix: boolean;
}

const SEGMENTED: readonly Resource[] = ['agent', 'event', 'key', 'node', 'query', 'service', 'session'];
const SINGLE: readonly Resource[] = ['acl', 'keyring', 'mesh', 'operator'];

/** Every word allowed at the top level of a policy, and what it means. */
export const SYNTAX: ReadonlyMap<string, ResourceSyntax> = new Map<string, ResourceSyntax>([
  ...SEGMENTED.flatMap((r): [string, ResourceSyntax][] => [
    [r, { resource: r, segmented: true, prefix: false }],
    [`${r}_prefix`, { resource: r, segmented: true, prefix: true }],
  ]),
  ...SINGLE.map((r): [string, ResourceSyntax] => [r, { resource: r, segmented: false, prefix: false }]),
]);

/** Whether `list` is a valid level for the resource: Consul allows it on key rules only. */
export function takesList(resource: Resource): boolean {
  return resource === 'key';
}

const SINGLE_LEVEL: Readonly<Record<string, boolean>> = Object.fromEntries(SINGLE.map((r) => [r, true]));

/** Whether the resource is single-level (no segment). Asked on every decision, so a table lookup. */
export function isSingleLevel(resource: Resource): boolean {
  return SINGLE_LEVEL[resource] === true;
}

export const LEVELS: readonly AccessLevel[] = ['read', 'write', 'list', 'deny'];

export function isLevel(value: string): value is AccessLevel {
  return (LEVELS as readonly string[]).includes(value);
}
