import { type AclError, ruleError } from './errors.js';

/**
 * The HCL parser's diagnostics look like `parse config: [rules.hcl:3,9-10: Summary; Detail.]`;
 * the first becomes `line 3, column 9: Summary; Detail.`.
 */
export function hclSyntaxError(message: string): AclError {
  const m = /rules\.hcl:(\d+),(\d+)(?:-[\d,]+)?: ([^\]]*?)(?:, rules\.hcl:|\]|$)/.exec(message);
  if (m?.[1] === undefined || m[2] === undefined || m[3] === undefined)
    return ruleError('ACL_RULES_SYNTAX', `not valid HCL: ${message}`);
  const line = Number(m[1]);
  const err = ruleError('ACL_RULES_SYNTAX', `column ${m[2]}: ${m[3].trim()}`, line);
  return err;
}
