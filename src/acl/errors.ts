/**
 * Stable codes of the rules engine's failures (statuses in src/errors/catalog.ts).
 *
 * - ACL_RULES_SYNTAX       the rules text does not parse as HCL or JSON
 * - ACL_UNKNOWN_RESOURCE   a top-level word that is not a resource of the rules language
 * - ACL_INVALID_ACCESS     a `policy` or `intentions` value that is not an access level the rule takes
 * - ACL_INVALID_RULE       a rule of the wrong shape (no label, unknown attribute, an expression)
 * - ACL_RULES_TOO_LARGE    more text or more rules than a policy may hold
 * - ACL_INVALID_IDENTITY   a service or node identity whose name Consul would refuse
 */
export const ACL_ERROR_CODES = [
  'ACL_RULES_SYNTAX',
  'ACL_UNKNOWN_RESOURCE',
  'ACL_INVALID_ACCESS',
  'ACL_INVALID_RULE',
  'ACL_RULES_TOO_LARGE',
  'ACL_INVALID_IDENTITY',
] as const;
export type AclErrorCode = (typeof ACL_ERROR_CODES)[number];

/**
 * A policy that cannot be accepted. The message is for the person who wrote the rules: it starts
 * with the line (when known) and the rule, then says what is wrong.
 */
export class AclError extends Error {
  override readonly name = 'AclError';

  constructor(
    readonly code: AclErrorCode,
    message: string,
    /** 1-based line in the rules text, when the problem has a place. */
    readonly line?: number,
    /** The rule as written, e.g. `key_prefix "foo/"`, when the problem is in one. */
    readonly rule?: string,
    /**
     * The request field it is about when the code's own (`Rules`) does not fit, e.g. `ServiceName`;
     * the catalog's `errorText` puts it before the message, once.
     */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Builds the one message shape every rules error shares: `line N: RULE: problem`. */
export function ruleError(code: AclErrorCode, problem: string, line?: number, rule?: string): AclError {
  const where = [line === undefined ? '' : `line ${line}`, rule ?? ''].filter((s) => s !== '').join(': ');
  return new AclError(code, where === '' ? problem : `${where}: ${problem}`, line, rule);
}
