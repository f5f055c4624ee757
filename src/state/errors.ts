/** Why a command could not be applied; the HTTP layer maps each kind to a status code. */
export type ApplyErrorKind = 'notFound' | 'invalid';

export interface ApplyFailure {
  readonly ok: false;
  readonly kind: ApplyErrorKind;
  readonly message: string;
}

export interface ApplySuccess {
  readonly ok: true;
}

/** What applying a command answers to whoever proposed it. */
export type ApplyResult = ApplySuccess | ApplyFailure;

export const OK: ApplySuccess = { ok: true };

export function failure(kind: ApplyErrorKind, message: string): ApplyFailure {
  return { ok: false, kind, message };
}
