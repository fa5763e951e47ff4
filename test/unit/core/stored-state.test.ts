/**
 * lib/core/stored-state.ts against a store the test answers by hand: the load before anything
 * runs (calls wait in order, bounded), a store that fails or never answers (asked again after a
 * capped backoff, one warning), coalesced saves (one write at a time, the latest value next),
 * failed writes tried again, flush, and close.
 */
import { strict as assert } from 'assert';
import { CallbackStore, StoredState, StoredStateOptions } from '../../../lib/core/stored-state';
import { eventually } from '../../support/fault';

interface Pending {
  kind: 'get' | 'set';
  value?: unknown;
  answer(err?: unknown, value?: unknown): void;
}

/** A store whose calls wait until the test answers them. */
class ManualStore implements CallbackStore {
  readonly calls: Pending[] = [];
  get(_key: string, callback: (err: unknown, value?: unknown) => void): void {
    this.calls.push({ kind: 'get', answer: (err, value) => callback(err, value) });
  }
  set(_key: string, value: unknown, callback: (err?: unknown) => void): void {
    this.calls.push({ kind: 'set', value, answer: (err) => callback(err) });
  }
  /** The oldest unanswered call of `kind`, removed. */
  take(kind: 'get' | 'set'): Pending {
    const i = this.calls.findIndex((c) => c.kind === kind);
    assert.ok(i >= 0, `a ${kind} call is waiting (calls: ${this.calls.map((c) => c.kind).join(', ') || 'none'})`);
    return this.calls.splice(i, 1)[0];
  }
  count(kind: 'get' | 'set'): number {
    return this.calls.filter((c) => c.kind === kind).length;
  }
}

const FAST = { initialMs: 5, maxMs: 20, factor: 2, jitter: 0 };

describe('StoredState (lib/core/stored-state.ts)', function () {
  let store: ManualStore;
  let warnings: string[];
  let logs: string[];
  let state: StoredState | null;
  const make = (extra: Partial<StoredStateOptions> = {}): StoredState =>
    (state = new StoredState({
      store,
      key: 'k',
      what: 'route state',
      warn: (t) => warnings.push(t),
      log: (t) => logs.push(t),
      backoff: FAST,
      ...extra,
    }));

  beforeEach(() => {
    store = new ManualStore();
    warnings = [];
    logs = [];
    state = null;
  });
  afterEach(() => state?.close());

  it('runs calls made before the load after it, in order, the load callback first; later calls at once', () => {
    const s = make();
    const order: string[] = [];
    s.whenLoaded(() => order.push('a'), () => order.push('refused a'));
    s.load((v) => order.push(`loaded ${JSON.stringify(v)}`));
    s.whenLoaded(() => order.push('b'), () => order.push('refused b'));
    assert.equal(order.length, 0);
    assert.equal(s.waitingCount, 2);
    store.take('get').answer(null, { x: 1 });
    assert.deepEqual(order.slice(), ['loaded {"x":1}', 'a', 'b']);
    s.whenLoaded(() => order.push('c'), () => order.push('refused c'));
    assert.deepEqual(order.slice(3), ['c'], 'at once');
    assert.equal(s.isLoaded, true);
  });

  it('bounds the calls that wait: beyond maxWaiting they are refused, and close refuses the rest', () => {
    const s = make({ maxWaiting: 2 });
    s.load(() => undefined);
    const refused: string[] = [];
    for (const name of ['a', 'b', 'c']) s.whenLoaded(() => assert.fail(`${name} ran`), (why) => refused.push(`${name}: ${why}`));
    assert.deepEqual(refused, ['c: 2 call(s) already wait for the route state to be read from the context store']);
    s.close();
    assert.deepEqual(refused.slice(1), [
      'a: stopped before the route state was read from the context store',
      'b: stopped before the route state was read from the context store',
    ]);
    s.whenLoaded(() => assert.fail('ran after close'), (why) => refused.push(`d: ${why}`));
    assert.equal(refused.length, 4);
  });

  it('a read that fails, or is not answered in time, is asked again after the backoff; one warning; a late answer is ignored', async () => {
    const failures: string[] = [];
    const s = make({ loadTimeoutMs: 30, loadFailed: (r) => failures.push(r) });
    let loaded: unknown = 'not yet';
    s.load((v) => (loaded = v));
    const first = store.take('get');
    first.answer(new Error('connection refused'));
    await eventually(() => store.count('get') === 1, 5000, 'asked again');
    // The second read gets no answer: it times out and is asked a third time.
    const second = store.take('get');
    await eventually(() => store.count('get') === 1, 5000, 'asked again after the timeout');
    second.answer(null, 'too late');
    assert.equal(loaded, 'not yet');
    store.take('get').answer(null, 'stored');
    assert.equal(loaded, 'stored');
    assert.deepEqual(failures, ['connection refused', 'no answer within 0.03 s']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^could not read the route state from the context store \(connection refused\): asking again every 0\.02 s at most/);
    assert.deepEqual(logs, ['read the route state from the context store after 2 failed attempt(s)']);
  });

  it('a get that throws (a store refusing the call) counts as a failed read', async () => {
    let n = 0;
    const throwing: CallbackStore = {
      get: (_k, cb) => {
        if (n++ === 0) throw new Error('only asynchronous access');
        cb(null, 7);
      },
      set: (_k, _v, cb) => cb(),
    };
    let loaded: unknown;
    make({ store: throwing }).load((v) => (loaded = v));
    await eventually(() => loaded === 7, 5000, 'loaded on the second read');
    assert.match(warnings[0], /only asynchronous access/);
  });

  it('writes nothing before the load, and what was saved meanwhile once it is loaded', () => {
    const s = make();
    s.load(() => undefined);
    s.save(1);
    assert.equal(store.count('set'), 0, 'the stored state is not read yet');
    store.take('get').answer(null, undefined);
    assert.deepEqual(store.take('set').value, 1);
  });

  it('coalesces: a burst of saves while a write is out is one more write, of the last value', () => {
    const s = make();
    s.load(() => undefined);
    store.take('get').answer(null, undefined);
    s.save('a');
    const first = store.take('set');
    for (const v of ['b', 'c', 'd']) s.save(v);
    assert.equal(store.count('set'), 0);
    first.answer();
    const second = store.take('set');
    assert.equal(second.value, 'd');
    second.answer();
    assert.equal(store.count('set'), 0);
    assert.deepEqual(warnings, []);
  });

  it('a failed write is warned about once, and tried again (unless a newer value replaced it) until it succeeds', async () => {
    const s = make();
    s.load(() => undefined);
    store.take('get').answer(null, undefined);
    s.save('v1');
    store.take('set').answer(new Error('disk full'));
    await eventually(() => store.count('set') === 1, 5000, 'tried again');
    const again = store.take('set');
    assert.equal(again.value, 'v1');
    s.save('v2');
    again.answer(new Error('disk full'));
    await eventually(() => store.count('set') === 1, 5000, 'tried again with the newer value');
    const third = store.take('set');
    assert.equal(third.value, 'v2');
    third.answer();
    assert.deepEqual(warnings, ['could not save the route state to the context store (disk full): kept in memory, saved again later']);
    assert.deepEqual(logs, ['saved the route state to the context store again']);
  });

  it('a write the store never answers fails after saveTimeoutMs; flush waits for the writes, bounded', async () => {
    const s = make({ saveTimeoutMs: 30 });
    s.load(() => undefined);
    store.take('get').answer(null, undefined);
    await s.flush(1000);
    s.save('x');
    const flushed = s.flush(5000);
    const hung = store.take('set');
    await eventually(() => store.count('set') === 1, 5000, 'tried again after the timeout');
    assert.match(warnings[0], /no answer within 0\.03 s/);
    store.take('set').answer();
    hung.answer();
    await flushed;
    // A write that hangs: flush gives up at its bound (else this test would time out).
    s.save('y');
    await s.flush(50);
  });

  it('close leaves no timer: neither the read\'s deadline nor a retry', () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const s = make({ loadTimeoutMs: 10000 });
    s.load(() => assert.fail('loaded after close'));
    assert.equal(timers(), before + 1, 'the read\'s deadline');
    store.take('get').answer(new Error('down'));
    assert.equal(timers(), before + 1, 'the retry');
    s.close();
    assert.equal(timers(), before);
    const w = make({ saveTimeoutMs: 10000 });
    w.load(() => undefined);
    store.take('get').answer(null, undefined);
    w.save(1);
    assert.equal(timers(), before + 1, 'the write\'s deadline');
    w.close();
    assert.equal(timers(), before);
  });
});
