/**
 * The ACL rules engine: Consul's rules language (HCL and JSON) parsed into policies, and policies
 * compiled into an authorizer that answers `allowed(resource, segment, access)`. Pure except
 * parse.ts, which runs the HCL parser. Nothing enforces it yet (docs/acl.md).
 */
export { type Authorizer, compilePolicies } from './authorizer.js';
export { GLOBAL_MANAGEMENT, GLOBAL_MANAGEMENT_ID } from './builtin.js';
export { ACL_ERROR_CODES, AclError, type AclErrorCode } from './errors.js';
export {
  checkIdentityName,
  type NodeIdentity,
  nodeIdentityPolicy,
  type ServiceIdentity,
  serviceIdentityPolicy,
} from './identities.js';
export { isJsonRules, parseJsonRules } from './json-rules.js';
export { MAX_RULES, MAX_RULES_BYTES } from './limits.js';
export { parseRules } from './parse.js';
export { grants } from './precedence.js';
export {
  ACLS_DISABLED,
  ANONYMOUS_TOKEN_ID,
  type Resolution,
  type ResolvedToken,
  type TokenResolver,
} from './resolver.js';
export {
  type Access,
  type AccessLevel,
  type DefaultPolicy,
  type Policy,
  RESOURCES,
  type Resource,
  type Rule,
} from './types.js';
