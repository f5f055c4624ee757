import type { KvEntry, TxnError } from './kv-types.js';

/** Why a command could not be applied; the HTTP layer maps each kind to a status code. */
export type ApplyErrorKind = 'notFound' | 'invalid';

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
