import type { Authorizer } from './authorizer.js';

/** Consul's fixed AccessorID of the anonymous token, used for requests that send no token. */
export const ANONYMOUS_TOKEN_ID = '00000000-0000-0000-0000-000000000002';

/** What a request's secret stands for: the token's accessor and its compiled rules. */
export interface ResolvedToken {
  /** The AccessorID (the anonymous token's for a request without a token); safe to log and record. */
  readonly accessorId: string;
  readonly authorizer: Authorizer;
}

/** A secret that names no live token (unknown, deleted or expired) is `not-found`: Consul's 403 "ACL not found". */
export type Resolution = { readonly found: true; readonly token: ResolvedToken } | { readonly found: false };

/**
 * The seam between the replicated ACL state (tokens, policies, roles) and whatever enforces it
 * (the HTTP route table, DNS, the watch stream, metrics). The enforcement side sees only this;
 * the state side implements it with a cache keyed by token and policy versions, so a request
 * costs one map lookup, not a compilation.
 */
export interface TokenResolver {
  /** false when ACLs are off: every request is allowed and nothing is filtered. */
  readonly enabled: boolean;
  /** The secret of a request ('' when none was sent: the anonymous token). Pure lookup, no I/O. */
  resolve(secret: string): Resolution;
  /** The secret DNS and other token-less interfaces answer with (`acl.tokens.default`; '' = anonymous). */
  readonly defaultToken: string;
  /**
   * Calls `listener` after any change to tokens, policies or roles has been applied on this
   * server (so a watch subscription can end when its token is deleted or expires). Returns the
   * function that removes the listener.
   */
  onChange(listener: () => void): () => void;
}

/** The resolver when ACLs are off: never consulted for decisions, since `enabled` is false. */
export const ACLS_DISABLED: TokenResolver = {
  enabled: false,
  resolve: () => ({ found: false }),
  defaultToken: '',
  onChange: () => () => {},
};
