import type { KvEntry, TxnError } from './kv-types.js';

/**
 * Why a command could not be applied. `kind` is what the result carries (results of
 * forwarded writes travel between servers); `applyErrorCode` gives its stable code,
 * whose status is in src/errors/catalog.ts.
 */
export type ApplyErrorKind = 'notFound' | 'invalid' | 'quota';

const CODE_BY_KIND = {
  notFound: 'STATE_NOT_FOUND',
  invalid: 'STATE_INVALID',
  quota: 'STATE_QUOTA_EXCEEDED',
} as const satisfies Record<ApplyErrorKind, string>;

export type StateErrorCode = (typeof CODE_BY_KIND)[ApplyErrorKind];
export const STATE_ERROR_CODES: readonly StateErrorCode[] = Object.values(CODE_BY_KIND);

export function applyErrorCode(f: ApplyFailure): StateErrorCode {
  return CODE_BY_KIND[f.kind];
}

export interface ApplyFailure {
  readonly ok: false;
  readonly kind: ApplyErrorKind;
  readonly message: string;
}

export interface ApplySuccess {
  readonly ok: true;
  /** What the command answers beyond success: a KV write's true/false, a transaction's results. */
  readonly value?: boolean | TxnOutcome;
}

/** A transaction's answer: the entries its reads returned, or why it was rolled back. */
export type TxnOutcome =
  | { readonly committed: true; readonly results: readonly KvEntry[] }
  | { readonly committed: false; readonly errors: readonly TxnError[] };

/** What applying a command answers to whoever proposed it. */
export type ApplyResult = ApplySuccess | ApplyFailure;

export const OK: ApplySuccess = { ok: true };

export function failure(kind: ApplyErrorKind, message: string): ApplyFailure {
  return { ok: false, kind, message };
}
