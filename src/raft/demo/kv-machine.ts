import { createHash } from 'node:crypto';
import type { StateMachine } from '../state-machine.js';
import type { Index } from '../types.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** A demo command: set `k` to `v`. Anything else is applied as an opaque blob and only counted. */
interface KvCommand {
  readonly k: string;
  readonly v: string;
}

/**
 * A tiny key/value state machine that lets the Raft module be run and tested
 * without the registry. It keeps the value of every key and a running hash
 * of everything applied, so servers can compare their states cheaply.
 */
export class KvMachine implements StateMachine<number> {
  private data = new Map<string, string>();
  private applied = 0;
  private digest = '';

  apply(command: Uint8Array, index: Index): number {
    this.applied = index;
    this.digest = createHash('sha256').update(this.digest).update(command).digest('hex').slice(0, 16);
    const cmd = parse(command);
    if (cmd) this.data.set(cmd.k, cmd.v);
    return this.data.size;
  }

  snapshot(): () => Uint8Array {
    // A copy is this demo's point-in-time capture; the registry's state uses persistent structures.
    const copy = [...this.data];
    const applied = this.applied;
    const digest = this.digest;
    return () => encoder.encode(JSON.stringify({ applied, digest, data: copy }));
  }

  restore(snapshot: Uint8Array): void {
    const s = JSON.parse(decoder.decode(snapshot)) as {
      applied: number;
      digest: string;
      data: [string, string][];
    };
    this.data = new Map(s.data);
    this.applied = s.applied;
    this.digest = s.digest;
  }

  get(key: string): string | undefined {
    return this.data.get(key);
  }

  summary(): { applied: Index; digest: string; keys: number } {
    return { applied: this.applied, digest: this.digest, keys: this.data.size };
  }
}

function parse(command: Uint8Array): KvCommand | null {
  if (command[0] !== 0x7b) return null; // '{'
  try {
    const v = JSON.parse(decoder.decode(command)) as unknown;
    if (typeof v === 'object' && v !== null && typeof (v as KvCommand).k === 'string') {
      return { k: (v as KvCommand).k, v: String((v as KvCommand).v) };
    }
  } catch {
    // Not JSON: an opaque command, counted in the digest only.
  }
  return null;
}
