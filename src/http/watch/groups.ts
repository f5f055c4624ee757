/**
 * Watch groups: every subscription to the same thing (same kind, key and
 * options) shares one group, which computes each change once, serializes it
 * once, and hands the same text to every subscriber. CPU grows with changes,
 * not with changes x watchers.
 */
import { type KvChange, type RegistryView, Topic } from '../../state/index.js';
import { kvJson } from '../kv-shapes.js';
import type { WatchKind } from './protocol.js';

/** One subscriber of a group: where to send, and which events it has already seen. */
export interface Member {
  readonly id: string;
  /** Events at or below this index were delivered (or are covered by its snapshot). */
  after: number;
  deliver(text: string): void;
}

/** Event text after the subscription id: `"event":...}`; each subscriber prefixes its own id. */
type Tail = string;

export function frame(id: string, tail: Tail): string {
  return `{"id":${JSON.stringify(id)},${tail}`;
}

interface Stamped {
  readonly index: number;
  readonly tail: Tail;
}

const RING = 1000;
/** Members handed an event per turn of the event loop. */
const FANOUT_CHUNK = 500;

export abstract class Group {
  readonly members = new Set<Member>();
  /** The applied index this group's view is at. */
  protected position = 0;
  /** The index of this group's last change event: the `prevIndex` of the next one. */
  protected lastEvent = 0;
  private cancel: (() => void) | null = null;
  /** Recent change events, for subscribers that resume from an index. */
  protected ring: Stamped[] = [];
  /** The position before the first event in `ring`: the ring covers resumes from here on. */
  protected ringFloor = 0;

  constructor(
    readonly key: string,
    readonly kind: WatchKind,
    protected readonly state: RegistryView,
    private readonly topics: readonly string[],
    private readonly onEvents: (n: number, fanoutMs: number) => void,
  ) {}

  start(): void {
    this.position = this.state.applied;
    this.ringFloor = this.position;
    this.init();
    this.arm();
  }

  dispose(): void {
    this.cancel?.();
    this.cancel = null;
  }

  /** Adds a member: a snapshot, or the events after its index when the group still has them. */
  join(m: Member, index: number | null): void {
    this.catchUp();
    this.members.add(m);
    if (index === null) {
      m.after = this.position;
      m.deliver(frame(m.id, this.snapshotTail(false)));
      return;
    }
    if (index >= this.position) {
      m.after = index;
      return;
    }
    const replay = this.replay(index);
    if (replay === null) {
      m.after = this.position;
      m.deliver(frame(m.id, this.snapshotTail(true)));
      return;
    }
    m.after = index;
    for (const e of replay) this.send(m, e);
  }

  /** A fresh snapshot for one member (after it fell behind and was reset). */
  resync(m: Member): void {
    this.catchUp();
    m.after = this.position;
    m.deliver(frame(m.id, this.snapshotTail(true)));
  }

  private arm(): void {
    this.cancel = this.state.hub.wait(this.topics, () => {
      this.cancel = null;
      this.catchUp();
      this.arm();
    });
  }

  /** Brings the view to the current state and broadcasts what changed. */
  protected catchUp(): void {
    if (this.state.applied === this.position) return;
    const started = performance.now();
    const events = this.advance();
    this.position = this.state.applied;
    if (events.length === 0) return;
    this.lastEvent = (events[events.length - 1] as Stamped).index;
    for (const e of events) this.ring.push(e);
    this.broadcast(events);
    if (this.ring.length > RING) {
      const dropped = this.ring.splice(0, this.ring.length - RING);
      this.ringFloor = (dropped[dropped.length - 1] as Stamped).index;
    }
    this.onEvents(events.length * this.members.size, performance.now() - started);
  }

  /**
   * Hands events to every member, FANOUT_CHUNK members per turn of the
   * event loop, so ten thousand sockets never hold the loop (and Raft's
   * ticks) for long. Broadcasts run one after another, so each member still
   * gets events in order; a member that joins meanwhile already has them in
   * its snapshot and skips them (`after`).
   */
  private broadcast(events: readonly Stamped[]): void {
    const members = [...this.members];
    this.pendingBroadcasts.push(() => {
      let i = 0;
      const step = () => {
        const end = Math.min(members.length, i + FANOUT_CHUNK);
        for (; i < end; i++) {
          const m = members[i] as Member;
          if (!this.members.has(m)) continue;
          for (const e of events) this.send(m, e);
        }
        if (i < members.length) setImmediate(step);
        else this.nextBroadcast();
      };
      step();
    });
    if (this.pendingBroadcasts.length === 1) (this.pendingBroadcasts[0] as () => void)();
  }

  private readonly pendingBroadcasts: (() => void)[] = [];

  private nextBroadcast(): void {
    this.pendingBroadcasts.shift();
    const next = this.pendingBroadcasts[0];
    if (next) next();
  }

  private send(m: Member, e: Stamped): void {
    if (e.index <= m.after) return;
    m.after = e.index;
    m.deliver(frame(m.id, e.tail));
  }

  protected abstract init(): void;
  /** The events from `position` to the current state. */
  protected abstract advance(): Stamped[];
  protected abstract snapshotTail(reset: boolean): Tail;

  /** Events after `index`, or null when they are no longer known. */
  protected replay(index: number): Stamped[] | null {
    if (index < this.ringFloor) return null;
    return this.ring.filter((e) => e.index > index);
  }
}

/** A key or prefix: every change, from the KV journal, one event per Raft index. */
export class KvGroup extends Group {
  constructor(
    key: string,
    private readonly recurse: boolean,
    state: RegistryView,
    onEvents: (n: number, fanoutMs: number) => void,
  ) {
    super(key, 'kv', state, [recurse ? Topic.kvPrefix(key) : Topic.kvKey(key)], onEvents);
  }

  protected init(): void {}

  protected advance(): Stamped[] {
    const changes = this.state.kv.changesSince(this.position, this.key, this.recurse);
    if (changes === null) return [{ index: this.state.applied, tail: this.snapshotTail(true) }];
    return this.events(changes, this.lastEvent);
  }

  protected override replay(index: number): Stamped[] | null {
    const changes = this.state.kv.changesSince(index, this.key, this.recurse);
    if (changes === null) return null;
    return this.events(
      changes.filter((c) => c.index <= this.position),
      index,
    );
  }

  private events(changes: readonly KvChange[], from: number): Stamped[] {
    const out: Stamped[] = [];
    let prev = from;
    let i = 0;
    while (i < changes.length) {
      const index = (changes[i] as KvChange).index;
      const put: unknown[] = [];
      const del: string[] = [];
      for (; i < changes.length && (changes[i] as KvChange).index === index; i++) {
        const c = changes[i] as KvChange;
        if (c.entry) put.push(kvJson(c.entry));
        else del.push(c.key);
      }
      out.push({
        index,
        tail: `"event":"change","index":${index},"prevIndex":${prev},"kv":${JSON.stringify({ put, delete: del })}}`,
      });
      prev = index;
    }
    return out;
  }

  protected snapshotTail(reset: boolean): Tail {
    const entries = this.recurse
      ? this.state.kv.list(this.key)
      : [this.state.kv.get(this.key)].filter((e) => e !== undefined);
    return `"event":"snapshot","index":${this.position},"reset":${reset},"kv":${JSON.stringify(entries.map(kvJson))}}`;
  }
}

/** Items of a computed view (instances, services, checks, nodes) diffed by id once per change. */
export class DiffGroup extends Group {
  private items = new Map<string, string>();

  constructor(
    key: string,
    kind: WatchKind,
    state: RegistryView,
    topics: readonly string[],
    private readonly compute: () => Map<string, unknown>,
    private readonly field: string,
    onEvents: (n: number, fanoutMs: number) => void,
  ) {
    super(key, kind, state, topics, onEvents);
  }

  protected init(): void {
    this.items = this.serialize(this.compute());
  }

  protected advance(): Stamped[] {
    const next = this.serialize(this.compute());
    const added: string[] = [];
    const changed: string[] = [];
    const removed: string[] = [];
    for (const [id, json] of next) {
      const old = this.items.get(id);
      if (old === undefined) added.push(json);
      else if (old !== json) changed.push(json);
    }
    for (const id of this.items.keys()) if (!next.has(id)) removed.push(id);
    this.items = next;
    if (added.length + changed.length + removed.length === 0) return [];
    const index = this.state.applied;
    const tail = `"event":"change","index":${index},"prevIndex":${this.lastEvent},"${this.field}":{"added":[${added.join(',')}],"changed":[${changed.join(',')}],"removed":${JSON.stringify(removed)}}}`;
    return [{ index, tail }];
  }

  protected snapshotTail(reset: boolean): Tail {
    return `"event":"snapshot","index":${this.position},"reset":${reset},"${this.field}":[${[...this.items.values()].join(',')}]}`;
  }

  private serialize(m: Map<string, unknown>): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, v] of m) out.set(k, JSON.stringify(v));
    return out;
  }
}
