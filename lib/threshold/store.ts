/**
 * A bounded key-value store that forgets the least recently used key first, and whose JSON is a
 * live object kept alongside: jet-threshold saves its state to its context after every message,
 * so the save must not copy every key (BENCHMARKS.md, finding 3). Every operation is O(1) (plus
 * the size of the entry it writes, when bytes are bounded).
 *
 * Two bounds: at most `max` keys, and (optionally) at most `maxBytes` bytes, each entry counted as
 * its share of the JSON (`"key":value,` in UTF-8) unless `entryBytes` says otherwise. Whichever is
 * passed first evicts the least recently used entries until both hold again.
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
  /** What this entry counts towards the byte bound (0 when bytes are not bounded). */
  bytes: number;
  older: Entry<V> | null;
  newer: Entry<V> | null;
}

/** Which bound evicted an entry. */
export type EvictionCause = 'keys' | 'bytes';

export interface BoundedStoreOptions<V> {
  /** Most bytes the entries may take together, as `entryBytes` counts them (default: not bounded). */
  maxBytes?: number;
  /** Bytes of one entry (default {@link jsonEntryBytes}: its share of the store's JSON). */
  entryBytes?: (key: string, value: V) => number;
  /** Told about every entry evicted by a bound (not about delete() or clear()). */
  onEvict?: (key: string, value: V, cause: EvictionCause) => void;
}

/** UTF-8 bytes of `"key":value,`: what one entry adds to the store's JSON. */
export function jsonEntryBytes(key: string, value: unknown): number {
  return Buffer.byteLength(JSON.stringify(key), 'utf8') + Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8') + 2;
}

export class BoundedStore<V> {
  private readonly index = new Map<string, Entry<V>>();
  /** Least recently used end of the list, and most recently used end. */
  private oldest: Entry<V> | null = null;
  private newest: Entry<V> | null = null;
  /** The same entries as plain JSON, prototype-less. */
  private data: Record<string, V> = Object.create(null);
  private totalBytes = 0;
  /** Infinity when bytes are not bounded. */
  readonly maxBytes: number;
  private readonly entryBytes: ((key: string, value: V) => number) | null;
  private readonly onEvict: ((key: string, value: V, cause: EvictionCause) => void) | null;

  constructor(
    readonly max: number,
    options: BoundedStoreOptions<V> = {},
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max: expected a whole number of at least 1, got ${max}`);
    const maxBytes = options.maxBytes ?? Infinity;
    if (!(maxBytes > 0)) throw new RangeError(`maxBytes: expected a number above 0, got ${maxBytes}`);
    this.maxBytes = maxBytes;
    this.entryBytes = maxBytes === Infinity ? null : (options.entryBytes ?? jsonEntryBytes);
    this.onEvict = options.onEvict ?? null;
  }

  get size(): number {
    return this.index.size;
  }

  /** What the entries count towards `maxBytes` together (0 when bytes are not bounded). */
  get bytes(): number {
    return this.totalBytes;
  }

  get(key: string): V | undefined {
    return this.index.get(key)?.value;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  /**
   * Stores `value` under `key`; with `touch` (the default) the key becomes the most recently used.
   * A new key beyond `max` evicts the least recently used one, which is returned; beyond
   * `maxBytes` (a new key, or a value that grew) as many least recently used entries go as needed,
   * never this one: the first is returned, and every one is told to `onEvict`. Throws a RangeError
   * when this entry alone is larger than `maxBytes` (nothing is changed then).
   */
  set(key: string, value: V, touch = true): [string, V] | undefined {
    const bytes = this.entryBytes ? this.entryBytes(key, value) : 0;
    if (bytes > this.maxBytes) throw new RangeError(`an entry of ${bytes} bytes is larger than maxBytes (${this.maxBytes})`);
    let entry = this.index.get(key);
    if (entry) {
      this.totalBytes += bytes - entry.bytes;
      entry.value = value;
      entry.bytes = bytes;
      this.data[key] = value;
      if (touch) this.moveToNewest(entry);
    } else {
      entry = { key, value, bytes, older: this.newest, newer: null };
      if (this.newest) this.newest.newer = entry;
      else this.oldest = entry;
      this.newest = entry;
      this.index.set(key, entry);
      this.data[key] = value;
      this.totalBytes += bytes;
    }
    return this.evictBeyondBounds(entry);
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
    this.remove(entry);
    return entry.value;
  }

  clear(): void {
    this.index.clear();
    this.oldest = this.newest = null;
    this.data = Object.create(null);
    this.totalBytes = 0;
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

  /** Evicts the least recently used entries but `keep` until both bounds hold; returns the first evicted. */
  private evictBeyondBounds(keep: Entry<V>): [string, V] | undefined {
    let first: [string, V] | undefined;
    while (this.index.size > this.max || this.totalBytes > this.maxBytes) {
      const victim = this.oldest === keep ? keep.newer : this.oldest;
      if (!victim) break; // only `keep` is left, and it fits on its own (checked by set)
      const cause: EvictionCause = this.index.size > this.max ? 'keys' : 'bytes';
      this.remove(victim);
      first ??= [victim.key, victim.value];
      this.onEvict?.(victim.key, victim.value, cause);
    }
    return first;
  }

  private remove(e: Entry<V>): void {
    this.unlink(e);
    this.index.delete(e.key);
    delete this.data[e.key];
    this.totalBytes -= e.bytes;
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
