/** The resources of Consul's rules language that cairn knows. */
export const RESOURCES = [
  'acl',
  'agent',
  'event',
  'key',
  'keyring',
  'mesh',
  'node',
  'operator',
  'query',
  'service',
  'session',
] as const;
export type Resource = (typeof RESOURCES)[number];

/** What a rule grants (its `policy = "..."`). */
export type AccessLevel = 'deny' | 'read' | 'list' | 'write';

/** What a request asks for. `list` exists for keys only. */
export type Access = 'read' | 'list' | 'write';

/** What applies when no rule matches. */
export type DefaultPolicy = 'allow' | 'deny';

/**
 * One rule of a policy. Single-level resources (`operator`, `acl`, `keyring`, `mesh`) have the
 * segment '' and `prefix` false. `intentions` is only on service rules.
 */
export interface Rule {
  readonly resource: Resource;
  readonly segment: string;
  readonly prefix: boolean;
  readonly policy: AccessLevel;
  readonly intentions?: AccessLevel;
}

/** A named set of rules, as a token or role refers to it. */
export interface Policy {
  readonly name: string;
  readonly rules: readonly Rule[];
}
