import type { Index } from '../raft/index.js';
import { CowMap } from './cow-map.js';
import type { Session } from './kv-types.js';
import { Topic, type Touched } from './topics.js';

export interface SessionsImage {
  readonly sessions: readonly Session[];
  readonly index: Index;
}

/** Sessions (Consul's): the owners of KV locks, ended by destroy, TTL or a linked check. */
export class SessionStore {
  private table = new CowMap<string, Session>();
  private tableIndex: Index = 0;

  get(id: string): Session | undefined {
    return this.table.get(id);
  }

  all(): Session[] {
    return [...this.table.values()].sort((a, b) => a.createIndex - b.createIndex);
  }

  get index(): Index {
    return this.tableIndex;
  }

  get size(): number {
    return this.table.size;
  }

  put(s: Session, index: Index, touched: Touched): void {
    this.table.set(s.id, s);
    this.tableIndex = index;
    touched.add(Topic.sessions);
  }

  remove(id: string, index: Index, touched: Touched): Session | undefined {
    const s = this.table.get(id);
    if (!s) return undefined;
    this.table.delete(id);
    this.tableIndex = index;
    touched.add(Topic.sessions);
    return s;
  }

  image(): () => SessionsImage {
    const t = this.table.freeze();
    const index = this.tableIndex;
    return () => ({ sessions: [...t.values()], index });
  }

  restore(img: SessionsImage): void {
    this.table = new CowMap(img.sessions.map((s) => [s.id, s] as const));
    this.tableIndex = img.index;
  }
}
