/**
 * A Map that can hand out a point-in-time view in O(1): after `freeze()`,
 * the next write copies the map first, so the frozen view never changes.
 * Values must be immutable (replaced, never edited) for this to hold.
 */
export class CowMap<K, V> {
  private map: Map<K, V>;
  private shared = false;

  constructor(entries?: Iterable<readonly [K, V]>) {
    this.map = new Map(entries);
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  set(key: K, value: V): void {
    this.own();
    this.map.set(key, value);
  }

  delete(key: K): boolean {
    if (!this.map.has(key)) return false;
    this.own();
    return this.map.delete(key);
  }

  /** The current contents, guaranteed never to change afterwards. */
  freeze(): ReadonlyMap<K, V> {
    this.shared = true;
    return this.map;
  }

  private own(): void {
    if (!this.shared) return;
    this.map = new Map(this.map);
    this.shared = false;
  }
}
