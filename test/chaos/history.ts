/**
 * Histories of client operations, as the linearizability checker wants them:
 * every operation has an invocation and (unless its outcome is unknown) a
 * completion, both stamped with one monotonic clock (`process.hrtime`), in
 * milliseconds since the recorder started.
 *
 * Outcomes:
 * - `ok`: the server answered and the answer is the operation's output;
 * - `fail`: the operation surely did not take effect (a 4xx, a refused
 *   connection, "No cluster leader"); the checker ignores it;
 * - `unknown`: a timeout, a reset connection, a 503: it may or may not have
 *   taken effect, at any moment after its invocation (its completion is +∞).
 */

export type Outcome = 'ok' | 'fail' | 'unknown';

export type ReadMode = 'default' | 'consistent' | 'stale';

export interface Op {
  /** Position in the history (dense, from 0). */
  readonly id: number;
  /** Which workload recorded it (register, counter, set, lock, health). */
  readonly workload: string;
  /** The client (a logical process: one outstanding operation at a time). */
  readonly client: string;
  /** The object operated on: a KV key (the checker partitions by it). */
  readonly key: string;
  /** The operation: read, write, cas, acquire, release, add, read-set, ... */
  readonly f: string;
  readonly input: unknown;
  output: unknown;
  /** Milliseconds since the recorder started, monotonic. */
  readonly invoke: number;
  /** Null while running and for unknown outcomes. */
  complete: number | null;
  outcome: Outcome | 'pending';
  /** The server that was asked. */
  readonly server: string;
  readonly mode?: ReadMode;
  /** Why the outcome is fail or unknown. */
  error?: string;
}

/** A history under construction: one clock for every client. */
export class Recorder {
  readonly ops: Op[] = [];
  private readonly origin = process.hrtime.bigint();
  private readonly busy = new Set<string>();

  now(): number {
    return Number(process.hrtime.bigint() - this.origin) / 1e6;
  }

  /** Records an invocation; the client must not have another operation outstanding. */
  invoke(
    workload: string,
    client: string,
    key: string,
    f: string,
    input: unknown,
    server: string,
    mode?: ReadMode,
  ): Op {
    if (this.busy.has(client)) throw new Error(`client ${client} already has an operation outstanding`);
    this.busy.add(client);
    const op: Op = {
      id: this.ops.length,
      workload,
      client,
      key,
      f,
      input,
      output: undefined,
      invoke: this.now(),
      complete: null,
      outcome: 'pending',
      server,
      ...(mode !== undefined ? { mode } : {}),
    };
    this.ops.push(op);
    return op;
  }

  /** Records a completion. */
  complete(op: Op, outcome: Outcome, output?: unknown, error?: string): void {
    if (op.outcome !== 'pending') throw new Error(`operation ${op.id} completed twice`);
    op.outcome = outcome;
    op.output = output;
    op.complete = outcome === 'unknown' ? null : this.now();
    if (error !== undefined) op.error = error;
    this.busy.delete(op.client);
  }

  /** Marks whatever is still outstanding as unknown (the run is over). */
  closeAll(): void {
    for (const op of this.ops)
      if (op.outcome === 'pending') this.complete(op, 'unknown', undefined, 'run ended');
  }
}

/** One line per operation, for reports. */
export function describeOp(op: Op): string {
  const end = op.complete === null ? '∞' : op.complete.toFixed(1);
  const out =
    op.outcome === 'ok'
      ? ` -> ${JSON.stringify(op.output)}`
      : ` (${op.outcome}${op.error ? `: ${op.error}` : ''})`;
  const mode = op.mode && op.mode !== 'default' ? `?${op.mode} ` : '';
  return `#${op.id} [${op.invoke.toFixed(1)}, ${end}] ${op.client}@${op.server} ${mode}${op.f} ${op.key} ${JSON.stringify(op.input)}${out}`;
}
