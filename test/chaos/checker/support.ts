/** Hand-made histories for the checker's tests. */
import type { Op, Outcome } from '../history.js';

export interface Spec {
  readonly f: string;
  readonly input?: unknown;
  readonly output?: unknown;
  /** [invoke, complete]; complete null = unknown outcome. */
  readonly at: readonly [number, number | null];
  readonly outcome?: Outcome;
  readonly key?: string;
  readonly client?: string;
}

export function history(specs: readonly Spec[]): Op[] {
  return specs.map((s, id) => ({
    id,
    workload: 'test',
    client: s.client ?? `c${id}`,
    key: s.key ?? 'k',
    f: s.f,
    input: s.input ?? null,
    output: s.output,
    invoke: s.at[0],
    complete: s.at[1],
    outcome: s.outcome ?? (s.at[1] === null ? 'unknown' : 'ok'),
    server: 's1',
  }));
}

export const w = (value: string, at: readonly [number, number | null]): Spec => ({
  f: 'write',
  input: { value },
  output: at[1] === null ? undefined : true,
  at,
});
export const r = (value: string | null, index: number, at: readonly [number, number | null]): Spec => ({
  f: 'read',
  output: { value, index },
  at,
});
export const cas = (
  expect: number,
  value: string,
  ok: boolean | null,
  at: readonly [number, number | null],
): Spec => ({
  f: 'cas',
  input: { expect, value },
  output: ok ?? undefined,
  at,
});
