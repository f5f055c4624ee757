import type { Command } from './commands.js';
import type { ApplyResult } from './errors.js';

/**
 * Keys in their lock-delay: when a session that held a key's lock ends (destroyed, expired or
 * invalidated by a failed check), nobody may acquire that key for the session's LockDelay, so a
 * holder that lost its session because it was cut off has time to notice before another takes
 * over. As in Consul the delay is kept by each server on its own clock, outside the replicated
 * state, and only the leader's matters. Pure: the time comes in as arguments.
 */
export class LockDelays {
  /** key → the time (ms) until which it may not be acquired. */
  private readonly until = new Map<string, number>();

  /** The lock on `key` was released at `now` by a session with this lock-delay (0: none). */
  start(key: string, now: number, delayMs: number): void {
    if (delayMs > 0) this.until.set(key, now + delayMs);
  }

  /** Whether an acquire of `key` at `now` must be refused; a delay found over is forgotten. */
  delayed(key: string, now: number): boolean {
    const until = this.until.get(key);
    if (until === undefined) return false;
    if (until <= now) {
      this.until.delete(key);
      return false;
    }
    return true;
  }

  clear(): void {
    this.until.clear();
  }
}

/**
 * What the leader answers, instead of proposing it, for a command that would acquire a key in its
 * lock-delay (Consul enforces lock-delay on the leader, by the leader's clock): an acquire is not
 * taken (false), a transaction with such a lock op is not committed and names the op. Null when
 * the command may be proposed.
 */
export function lockDelayRefusal(cmd: Command, delayed: (key: string) => boolean): ApplyResult | null {
  if (cmd.type === 'kvSet')
    return cmd.acquire !== null && delayed(cmd.key) ? { ok: true, value: false } : null;
  if (cmd.type !== 'txn') return null;
  const opIndex = cmd.ops.findIndex((op) => op.verb === 'lock' && delayed(op.key));
  if (opIndex < 0) return null;
  return { ok: true, value: { committed: false, errors: [{ opIndex, what: 'lock is in its lock-delay' }] } };
}
