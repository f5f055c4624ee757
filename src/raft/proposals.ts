import type { Entry, Index, Term } from './types.js';

/** How a proposal ended, as far as this server can tell. */
export type ProposalOutcome<R> =
  | { readonly kind: 'applied'; readonly index: Index; readonly result: R }
  /** Surely never applied: its entry was replaced by another before it committed. */
  | { readonly kind: 'dropped' }
  /** May or may not have been applied (e.g. a snapshot covered its index, or we shut down). */
  | { readonly kind: 'unknown' };

interface Pending<R> {
  readonly term: Term;
  readonly done: (outcome: ProposalOutcome<R>) => void;
}

/** What the tracker needs to know of the local log. */
export interface LogProbe {
  readonly offset: Index;
  lastIndex(): Index;
  term(i: Index): Term | undefined;
}

/**
 * Proposals waiting for their entry to be applied. An entry is identified
 * by (index, term): if that index is applied with another term, or the log
 * no longer holds it, our entry never committed (committed entries are never
 * replaced), so the outcome is known. Pure bookkeeping, shared by the driver
 * and the simulation.
 */
export class ProposalTracker<R> {
  private readonly pending = new Map<Index, Pending<R>>();

  get size(): number {
    return this.pending.size;
  }

  add(index: Index, term: Term, done: (outcome: ProposalOutcome<R>) => void): void {
    const old = this.pending.get(index);
    // An older proposal at the same index was replaced by this one's log: it never committed.
    if (old) old.done({ kind: 'dropped' });
    this.pending.set(index, { term, done });
  }

  /** An entry was applied locally with `result`. */
  applied(entry: Entry, result: R): void {
    const p = this.pending.get(entry.index);
    if (!p) return;
    this.pending.delete(entry.index);
    p.done(entry.term === p.term ? { kind: 'applied', index: entry.index, result } : { kind: 'dropped' });
  }

  /** Re-examines pending proposals after the log was rewritten (truncated or replaced by a snapshot). */
  recheck(log: LogProbe): void {
    for (const [index, p] of this.pending) {
      if (index <= log.offset) {
        // A snapshot covers it; we cannot tell whose entry was at that index.
        this.pending.delete(index);
        p.done({ kind: 'unknown' });
        continue;
      }
      const t = log.term(index);
      if (t === undefined || t !== p.term) {
        this.pending.delete(index);
        p.done({ kind: 'dropped' });
      }
    }
  }

  /** Ends every pending proposal as unknown (shutdown, or giving up after a timeout). */
  abandonAll(): void {
    for (const p of this.pending.values()) p.done({ kind: 'unknown' });
    this.pending.clear();
  }

  /** Ends one proposal as unknown (its caller's timeout). */
  abandon(index: Index): void {
    const p = this.pending.get(index);
    if (!p) return;
    this.pending.delete(index);
    p.done({ kind: 'unknown' });
  }
}
