/**
 * BoundedStore's byte bound (its key bound and recency: test/unit/threshold/machine.test.ts).
 */
import { strict as assert } from 'assert';
import { BoundedStore, EvictionCause, jsonEntryBytes } from '../../../lib/threshold/store';

const jsonBytes = (s: BoundedStore<unknown>): number => Buffer.byteLength(JSON.stringify(s.toJSON()), 'utf8');

describe('bounded store: bytes', () => {
  it('counts each entry as its share of the JSON, and keeps the count through set, update, delete and clear', () => {
    const s = new BoundedStore<unknown>(100, { maxBytes: 1e6 });
    assert.equal(s.bytes, 0);
    s.set('a', { v: 1 });
    s.set('é', 'x'.repeat(10));
    s.set('541', [1, 2, 3]);
    // `{` + entries, each `"key":value,`, minus the last comma + `}`: one byte more than the count.
    assert.equal(s.bytes, jsonBytes(s) - 1);
    s.set('a', { v: 'longer now' });
    assert.equal(s.bytes, jsonBytes(s) - 1);
    s.delete('é');
    assert.equal(s.bytes, jsonBytes(s) - 1);
    s.clear();
    assert.equal(s.bytes, 0);
    assert.equal(jsonEntryBytes('k', 5), '"k":5,'.length);
    // Without maxBytes nothing is measured.
    const plain = new BoundedStore<string>(5);
    plain.set('a', 'x'.repeat(1000));
    assert.equal(plain.bytes, 0);
    assert.equal(plain.maxBytes, Infinity);
  });

  it('beyond maxBytes, evicts the least recently used entries (as many as needed, never the one set) and tells onEvict why', () => {
    const evicted: Array<[string, string, EvictionCause]> = [];
    const entry = jsonEntryBytes('k0', 'x'.repeat(100));
    const s = new BoundedStore<string>(1000, { maxBytes: entry * 5, onEvict: (k, v, cause) => evicted.push([k, v.slice(0, 3), cause]) });
    for (let i = 0; i < 5; i++) s.set(`k${i}`, 'x'.repeat(100));
    assert.equal(s.size, 5);
    assert.equal(evicted.length, 0);
    s.touch('k0');
    assert.deepEqual(s.set('k5', 'x'.repeat(100)), ['k1', 'x'.repeat(100)], 'the first evicted is returned');
    assert.deepEqual(evicted, [['k1', 'xxx', 'bytes']]);
    // An entry three times as large: three go (the returned one is the first).
    const big = 'y'.repeat(3 * entry - jsonEntryBytes('big', ''));
    assert.equal(jsonEntryBytes('big', big), 3 * entry);
    assert.deepEqual(s.set('big', big)?.[0], 'k2');
    assert.deepEqual(evicted.map(([k]) => k), ['k1', 'k2', 'k3', 'k4']);
    assert.ok(s.bytes <= s.maxBytes);
    // A value that grows evicts others, never itself.
    s.set('k0', 'z'.repeat(entry * 3));
    assert.ok(s.has('k0') && s.bytes <= s.maxBytes, `${s.bytes} <= ${s.maxBytes}`);
    assert.equal(s.bytes, jsonBytes(s as BoundedStore<unknown>) - 1);
  });

  it('the key bound still evicts one per new key, told as "keys"', () => {
    const causes: EvictionCause[] = [];
    const s = new BoundedStore<number>(2, { maxBytes: 1e6, onEvict: (_k, _v, c) => causes.push(c) });
    s.set('a', 1);
    s.set('b', 2);
    assert.deepEqual(s.set('c', 3), ['a', 1]);
    assert.deepEqual(causes, ['keys']);
  });

  it('refuses an entry larger than maxBytes on its own, changing nothing; refuses a bound that is no bound', () => {
    const s = new BoundedStore<string>(10, { maxBytes: 100 });
    s.set('a', 'small');
    const before = s.bytes;
    assert.throws(() => s.set('b', 'x'.repeat(200)), /^RangeError: an entry of \d+ bytes is larger than maxBytes \(100\)/);
    assert.throws(() => s.set('a', 'x'.repeat(200)), RangeError);
    assert.deepEqual([...s.entries()], [['a', 'small']]);
    assert.equal(s.bytes, before);
    for (const bad of [0, -1, NaN]) assert.throws(() => new BoundedStore(1, { maxBytes: bad }), /maxBytes/);
  });
});
