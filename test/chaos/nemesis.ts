/**
 * The nemesis: a fault schedule drawn from the seed before the run starts
 * (so a report can print it), then carried out against the live cluster.
 * Targets named "leader" are resolved when the fault starts, so the
 * realized schedule (what was done to which server, when) is logged too.
 *
 * Faults come one at a time, each held for a few seconds, with quiet gaps
 * between, cycling through the enabled kinds in a seeded order:
 * - kill: SIGKILL a minority of servers (often the leader), restart them;
 * - pause: SIGSTOP a minority (often the leader), SIGCONT them; or, as a
 *   frozen VM would, pause them and cut their links while they are stopped,
 *   and heal the links only a while after SIGCONT;
 * - partition: isolate a server, split into minority and majority, cut one
 *   server's outgoing or incoming links only (one-way), cut a single link,
 *   or a bridge (two sides that both reach a middle server); stalling or
 *   resetting connections (proxy.ts);
 * - clock: step a server's wall clock (often the leader's) by 5 to 30 s,
 *   forward or back, then step it back.
 */
import { Rng } from '../raft/sim/rng.js';
import type { ChaosCluster } from './cluster.js';
import type { CutMode } from './proxy.js';

export const NEMESES = ['kill', 'partition', 'pause', 'clock'] as const;
export type NemesisKind = (typeof NEMESES)[number];

export interface PlannedFault {
  /** Milliseconds after the workloads start. */
  readonly at: number;
  readonly holdMs: number;
  readonly kind: NemesisKind;
  readonly variant: string;
  /** Whether to aim at the leader (else random servers). */
  readonly atLeader: boolean;
  /** How many servers (kill, pause), the cut mode (partition), the offset (clock). */
  readonly count: number;
  readonly mode: CutMode;
  readonly offsetMs: number;
  /** Draws for the targets, fixed by the seed. */
  readonly pickSeed: number;
}

export interface RealizedEvent {
  readonly t: number;
  readonly what: string;
}

const PARTITIONS = ['isolate', 'halves', 'one-way-out', 'one-way-in', 'link', 'bridge'] as const;

export function planFaults(
  seed: number,
  kinds: readonly NemesisKind[],
  seconds: number,
  servers: number,
): PlannedFault[] {
  const rng = new Rng(seed ^ 0x5eed);
  const out: PlannedFault[] = [];
  if (kinds.length === 0) return out;
  const minority = Math.floor((servers - 1) / 2);
  // Leave time at the end for the last fault to be undone inside the run.
  const end = seconds * 1000 - 1500;
  let t = 1500;
  let cycle: NemesisKind[] = [];
  for (;;) {
    const holdMs = rng.int(2000, 6000);
    if (t + holdMs > end) break;
    if (cycle.length === 0) {
      cycle = [...kinds];
      for (let i = cycle.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [cycle[i], cycle[j]] = [cycle[j] as NemesisKind, cycle[i] as NemesisKind];
      }
    }
    const kind = cycle.shift() as NemesisKind;
    const forward = rng.chance(0.7);
    out.push({
      at: t,
      holdMs,
      kind,
      variant: variantOf(kind, rng, forward),
      atLeader: rng.chance(0.6),
      count: rng.int(1, minority),
      mode: rng.chance(0.5) ? 'stall' : 'reset',
      offsetMs: (forward ? 1 : -1) * rng.int(5000, 30000),
      pickSeed: rng.nextU32(),
    });
    t += holdMs + rng.int(1000, 3000);
  }
  return out;
}

function variantOf(kind: NemesisKind, rng: Rng, forward: boolean): string {
  switch (kind) {
    case 'partition':
      return rng.pick(PARTITIONS);
    case 'clock':
      return forward ? 'forward' : 'back';
    case 'pause':
      return rng.pick(['plain', 'plain', 'isolated']);
    default:
      return '';
  }
}

export function describePlan(f: PlannedFault): string {
  const who = f.atLeader ? 'leader' : 'random';
  switch (f.kind) {
    case 'kill':
      return `kill ${f.count} (${who}) for ${f.holdMs} ms`;
    case 'pause':
      return `pause ${f.count} (${who}${f.variant === 'isolated' ? `, isolated, ${f.mode}` : ''}) for ${f.holdMs} ms`;
    case 'partition':
      return `partition ${f.variant} (${who}, ${f.mode}) for ${f.holdMs} ms`;
    case 'clock':
      return `clock ${f.offsetMs > 0 ? '+' : ''}${f.offsetMs} ms (${who}) for ${f.holdMs} ms`;
  }
}

/** Carries out a plan against a cluster. */
export class Nemesis {
  readonly events: RealizedEvent[] = [];
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly plan: readonly PlannedFault[],
    private readonly clock: () => number,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Stops at the next fault boundary (the running fault is undone at once). */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private note(what: string): void {
    const e = { t: Math.round(this.clock()), what };
    this.events.push(e);
    this.log(`[nemesis ${(e.t / 1000).toFixed(1)}s] ${what}`);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** Runs the plan; `startedAt` is the clock reading the plan's times count from. */
  async run(startedAt: number): Promise<void> {
    for (const f of this.plan) {
      await this.sleep(startedAt + f.at - this.clock());
      if (this.stopped) return;
      const undo = await this.inflict(f);
      await this.sleep(f.holdMs);
      await undo();
      if (this.stopped) return;
    }
  }

  private async targets(f: PlannedFault, rng: Rng, count: number): Promise<string[]> {
    const names = [...this.cluster.names];
    const chosen: string[] = [];
    if (f.atLeader) {
      const leader = await this.cluster.leader(1000);
      if (leader !== null) chosen.push(leader);
    }
    while (chosen.length < count) {
      const rest = names.filter((n) => !chosen.includes(n));
      chosen.push(rng.pick(rest));
    }
    return chosen;
  }

  /** Starts one fault; returns how to undo it. */
  private async inflict(f: PlannedFault): Promise<() => Promise<void>> {
    const rng = new Rng(f.pickSeed);
    const c = this.cluster;
    const names = c.names;
    switch (f.kind) {
      case 'kill': {
        const victims = await this.targets(f, rng, f.count);
        this.note(`kill -9 ${victims.join(',')}`);
        await Promise.all(victims.map((v) => c.kill(v)));
        return async () => {
          this.note(`restart ${victims.join(',')}`);
          for (const v of victims) c.restart(v);
        };
      }
      case 'pause': {
        const victims = await this.targets(f, rng, f.count);
        this.note(`SIGSTOP ${victims.join(',')}`);
        for (const v of victims) c.pause(v);
        const isolated = f.variant === 'isolated';
        if (isolated) {
          for (const v of victims)
            for (const o of names)
              if (!victims.includes(o)) {
                c.network.cut(v, o, f.mode);
                c.network.cut(o, v, f.mode);
              }
          this.note(`partition ${victims.join(',')} away from the others while stopped (${f.mode})`);
        }
        return async () => {
          this.note(`SIGCONT ${victims.join(',')}`);
          for (const v of victims) c.resume(v);
          if (isolated) {
            await this.sleep(1500);
            this.note('heal network');
            c.network.heal();
          }
        };
      }
      case 'clock': {
        const [victim] = await this.targets(f, rng, 1);
        const v = victim as string;
        this.note(`clock of ${v} ${f.offsetMs > 0 ? '+' : ''}${f.offsetMs} ms`);
        c.setClock(v, f.offsetMs);
        return async () => {
          this.note(`clock of ${v} reset`);
          c.setClock(v, 0);
        };
      }
      case 'partition': {
        const cuts: [string, string][] = [];
        const both = (a: string, b: string) => cuts.push([a, b], [b, a]);
        const [x] = await this.targets(f, rng, 1);
        const focus = x as string;
        const others = names.filter((n) => n !== focus);
        switch (f.variant) {
          case 'isolate':
            for (const o of others) both(focus, o);
            break;
          case 'halves': {
            const minority = await this.targets(f, rng, Math.floor((names.length - 1) / 2) || 1);
            for (const a of minority) for (const b of names.filter((n) => !minority.includes(n))) both(a, b);
            break;
          }
          case 'one-way-out':
            for (const o of others) cuts.push([focus, o]);
            break;
          case 'one-way-in':
            for (const o of others) cuts.push([o, focus]);
            break;
          case 'link':
            cuts.push([focus, rng.pick(others)]);
            break;
          default: {
            // bridge: `focus` reaches everyone; the others are split in two sides that do not reach each other.
            const shuffled = [...others].sort(() => rng.next() - 0.5);
            const half = Math.ceil(shuffled.length / 2);
            const left = shuffled.slice(0, half);
            const right = shuffled.slice(half);
            for (const a of left) for (const b of right) both(a, b);
          }
        }
        const desc = cuts.map(([a, b]) => `${a}>${b}`).join(' ');
        this.note(`partition ${f.variant} (${f.mode}) around ${focus}: ${desc || '(none)'}`);
        for (const [a, b] of cuts) c.network.cut(a, b, f.mode);
        return async () => {
          this.note('heal network');
          c.network.heal();
        };
      }
    }
  }
}
