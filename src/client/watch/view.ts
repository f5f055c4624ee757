/** One item of a watched set: its id, its value, and a signature that changes whenever it does. */
export interface Item<T> {
  readonly id: string;
  readonly value: T;
  readonly sig: string;
}

export interface Delta {
  readonly upserted: readonly string[];
  readonly removed: readonly string[];
}

/** A watched set of items (KV entries under a prefix, instances of a service), changed by events or lists. */
export class KeyedView<T> {
  readonly #items = new Map<string, Item<T>>();
  readonly #values = new Map<string, T>();

  get values(): ReadonlyMap<string, T> {
    return this.#values;
  }

  /** Replaces everything with `items` (a snapshot or a long-poll answer); what differs. */
  replace(items: readonly Item<T>[]): Delta {
    const next = new Set<string>();
    const upserted: string[] = [];
    for (const it of items) {
      next.add(it.id);
      if (this.#items.get(it.id)?.sig !== it.sig) upserted.push(it.id);
      this.#set(it);
    }
    const removed = [...this.#items.keys()].filter((id) => !next.has(id));
    for (const id of removed) this.#delete(id);
    return { upserted, removed };
  }

  /** Applies one change event; what differs. */
  apply(upsert: readonly Item<T>[], remove: readonly string[]): Delta {
    const upserted: string[] = [];
    const removed: string[] = [];
    for (const it of upsert) {
      if (this.#items.get(it.id)?.sig !== it.sig) upserted.push(it.id);
      this.#set(it);
    }
    for (const id of remove) if (this.#delete(id)) removed.push(id);
    return { upserted, removed };
  }

  #set(it: Item<T>): void {
    this.#items.set(it.id, it);
    this.#values.set(it.id, it.value);
  }

  #delete(id: string): boolean {
    this.#values.delete(id);
    return this.#items.delete(id);
  }
}
