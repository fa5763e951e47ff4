/**
 * A bounded key-value store that forgets the least recently used key first, and whose JSON is a
 * live object kept alongside: jet-threshold saves its state to its context after every message,
 * so the save must not copy every key (BENCHMARKS.md, finding 3). Every operation is O(1).
 *
 * Recency is a doubly linked list with a Map from key to list node (a Map's own insertion order
 * would do, but finding its oldest entry skips every entry deleted since its last rehash: 50 µs per
 * eviction at 100,000 keys); the JSON object
 * keeps no order of its own (JavaScript puts integer-like keys such as "541" first), so a user
 * that must restore recency from the JSON keeps its own counter in the values (ThresholdMachine:
 * KeyState.seen) and inserts the entries in that order.
 */

interface Entry<V> {
  key: string;
  value: V;
  older: Entry<V> | null;
  newer: Entry<V> | null;
}

export class BoundedStore<V> {
  private readonly index = new Map<string, Entry<V>>();
  /** Least recently used end of the list, and most recently used end. */
  private oldest: Entry<V> | null = null;
  private newest: Entry<V> | null = null;
  /** The same entries as plain JSON, prototype-less. */
  private data: Record<string, V> = Object.create(null);

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max: expected a whole number of at least 1, got ${max}`);
  }

  get size(): number {
    return this.index.size;
  }

  get(key: string): V | undefined {
    return this.index.get(key)?.value;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  /**
   * Stores `value` under `key`; with `touch` (the default) the key becomes the most recently used.
   * A new key beyond `max` evicts the least recently used one, which is returned.
   */
  set(key: string, value: V, touch = true): [string, V] | undefined {
    const entry = this.index.get(key);
    if (entry) {
      entry.value = value;
      this.data[key] = value;
      if (touch) this.moveToNewest(entry);
      return undefined;
    }
    const evicted = this.index.size >= this.max ? this.evictOldest() : undefined;
    const added: Entry<V> = { key, value, older: this.newest, newer: null };
    if (this.newest) this.newest.newer = added;
    else this.oldest = added;
    this.newest = added;
    this.index.set(key, added);
    this.data[key] = value;
    return evicted;
  }

  /** Makes `key` the most recently used; false when it is not stored. */
  touch(key: string): boolean {
    const entry = this.index.get(key);
    if (!entry) return false;
    this.moveToNewest(entry);
    return true;
  }

  delete(key: string): V | undefined {
    const entry = this.index.get(key);
    if (!entry) return undefined;
    this.unlink(entry);
    this.index.delete(key);
    delete this.data[key];
    return entry.value;
  }

  clear(): void {
    this.index.clear();
    this.oldest = this.newest = null;
    this.data = Object.create(null);
  }

  /** Least recently used first. */
  *entries(): IterableIterator<[string, V]> {
    for (let e = this.oldest; e; e = e.newer) yield [e.key, e.value];
  }

  *keys(): IterableIterator<string> {
    for (let e = this.oldest; e; e = e.newer) yield e.key;
  }

  /** The live JSON object (a new one after clear()): to be treated as read-only. */
  toJSON(): Record<string, V> {
    return this.data;
  }

  private evictOldest(): [string, V] | undefined {
    const entry = this.oldest;
    if (!entry) return undefined;
    this.unlink(entry);
    this.index.delete(entry.key);
    delete this.data[entry.key];
    return [entry.key, entry.value];
  }

  private unlink(e: Entry<V>): void {
    if (e.older) e.older.newer = e.newer;
    else this.oldest = e.newer;
    if (e.newer) e.newer.older = e.older;
    else this.newest = e.older;
    e.older = e.newer = null;
  }

  private moveToNewest(e: Entry<V>): void {
    if (this.newest === e) return;
    this.unlink(e);
    e.older = this.newest;
    if (this.newest) this.newest.newer = e;
    else this.oldest = e;
    this.newest = e;
  }
}
