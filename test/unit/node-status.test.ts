/**
 * Node status: the codes lib/node-status.ts returns, their words through Node-RED's message
 * catalogs (nodes/shared/status.ts, with the real catalogs and Node-RED's own i18n), and how often
 * a node shows its status (StatusView).
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { combinedStatus, NO_ROUTER, ROUTER_STATUS_CODES, sessionStatus, StatusCode, StatusView, StatusTimers } from '../../lib/node-status';
import { clip, MAX_TEXT, STATUS_CODES, statusKey, StatusWords, Translate, untranslated } from '../../nodes/shared/status';
import { catalogsLoaded, NODE_SETS, translatorFor } from '../support/catalog';
import { ROOT } from '../support/paths';

/** The status section of a node set's catalog, as the repository has it. */
function catalogStatus(set: string): Record<string, string> {
  const catalog = JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes', 'locales', 'en-US', `${set}.json`), 'utf8')) as Record<string, Record<string, unknown>>;
  return (catalog[set].status ?? {}) as Record<string, string>;
}

describe('node status', () => {
  let words: StatusWords;
  before(async () => {
    await catalogsLoaded();
    words = new StatusWords(translatorFor('jet-route-add'), 'jet-route-add');
  });
  const shown = (s: StatusCode) => words.status(s);

  it('shows the connection, and the last outcome only while connected', () => {
    assert.deepEqual(shown(sessionStatus({ state: 'connected', detail: '127.0.0.1:9090' })), { fill: 'green', shape: 'dot', text: 'connected 127.0.0.1:9090' });
    assert.equal(shown(sessionStatus({ state: 'login-failed', detail: 'login failed: bad password' })).text, 'login failed: bad password');
    const last: StatusCode = { fill: 'green', shape: 'dot', code: 'changed', params: { prefix: '1.1.1.1/32' } };
    assert.equal(shown(combinedStatus({ state: 'connected', detail: '' }, last)).text, 'added 1.1.1.1/32');
    assert.match(shown(combinedStatus({ state: 'disconnected', detail: 'connection refused' }, last)).text!, /^disconnected: connection refused/);
  });

  /** A clock the test moves by hand: the timers StatusView arms, and when they fire. */
  function manualClock(): StatusTimers & { advance(ms: number): void; pending(): number } {
    let now = 0;
    let nextId = 0;
    const due = new Map<number, { at: number; fn: () => void }>();
    return {
      setTimeout: (fn, ms) => {
        due.set(++nextId, { at: now + ms, fn });
        return nextId;
      },
      clearTimeout: (h) => void due.delete(h as number),
      advance(ms) {
        const end = now + ms;
        for (;;) {
          const next = [...due.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
          if (!next) break;
          due.delete(next[0]);
          now = next[1].at;
          next[1].fn();
        }
        now = end;
      },
      pending: () => due.size,
    };
  }

  it('shows a burst of message-driven changes at most once per interval, the latest last, and nothing after close', () => {
    const clock = manualClock();
    let state = 0;
    let renders = 0;
    const shown: string[] = [];
    const view = new StatusView(
      () => {
        renders++;
        return { text: `n ${state}` };
      },
      (s) => shown.push(s.text!),
      100,
      clock,
    );
    state = 1;
    view.update(); // quiet before: shown at once
    assert.deepEqual(shown, ['n 1']);
    for (state = 2; state <= 50; state++) view.update(); // a burst inside the interval
    state = 50;
    assert.deepEqual(shown, ['n 1'], 'nothing more inside the interval');
    assert.equal(renders, 1, 'no text is built for a status that is not shown');
    clock.advance(100);
    assert.deepEqual(shown, ['n 1', 'n 50'], 'the latest state at the end of the interval');
    clock.advance(100);
    assert.deepEqual(shown, ['n 1', 'n 50'], 'nothing changed: nothing shown');
    assert.equal(clock.pending(), 0, 'no timer once quiet');
    state = 51;
    view.update();
    assert.deepEqual(shown, ['n 1', 'n 50', 'n 51'], 'quiet again: at once');
    state = 52;
    view.now(); // a connection change: at once, even inside the interval
    assert.deepEqual(shown, ['n 1', 'n 50', 'n 51', 'n 52']);
    state = 53;
    view.update();
    view.close();
    assert.equal(clock.pending(), 0, 'close leaves no timer');
    clock.advance(1000);
    view.update();
    view.now();
    assert.deepEqual(shown, ['n 1', 'n 50', 'n 51', 'n 52'], 'nothing after close');
  });
});

describe('status words (nodes/shared/status.ts) with the real catalogs', () => {
  before(() => catalogsLoaded());
  const wordsOf = (set: string): StatusWords => new StatusWords(translatorFor(set), set);

  it('every node set has words for exactly its codes, and for every parameter they name', () => {
    assert.deepEqual(Object.keys(STATUS_CODES).sort(), [...NODE_SETS].sort());
    assert.deepEqual(STATUS_CODES['jet-router'], [...ROUTER_STATUS_CODES]);
    for (const set of NODE_SETS) {
      const messages = catalogStatus(set);
      assert.deepEqual(Object.keys(messages).sort(), [...STATUS_CODES[set]].sort(), `${set}.json: status`);
      const w = wordsOf(set);
      for (const [code, message] of Object.entries(messages)) {
        // Each __name__ given as NAME: the text is the message with its parameters in place.
        const names = [...message.matchAll(/__(\w+)__/g)].map((m) => m[1]);
        const params = Object.fromEntries(names.map((n) => [n, n.toUpperCase()]));
        assert.equal(w.text(code, params), message.replace(/__(\w+)__/g, (_m, n: string) => n.toUpperCase()), `${set}: ${code}`);
      }
    }
  });

  it('the connection in the words every node showed before codes existed', () => {
    const w = wordsOf('jet-rmon-event');
    const text = (state: string, detail: string) => w.status(sessionStatus({ state, detail } as never));
    assert.deepEqual(text('connecting', 'r1:1883'), { fill: 'yellow', shape: 'ring', text: 'connecting r1:1883' });
    assert.deepEqual(text('disconnected', 'connection refused'), { fill: 'red', shape: 'ring', text: 'disconnected: connection refused' });
    assert.deepEqual(text('login-failed', ''), { fill: 'red', shape: 'ring', text: 'login failed' });
    assert.deepEqual(text('idle', ''), {});
    assert.deepEqual(text('closed', 'closed'), {});
    assert.deepEqual(w.status(NO_ROUTER), { fill: 'red', shape: 'ring', text: 'no jet-router configured' });
    const long = 'x'.repeat(100);
    const clipped = text('disconnected', long).text!;
    assert.equal(clipped.length, MAX_TEXT);
    assert.equal(clipped, clip(`disconnected: ${long}`));
    assert.ok(clipped.endsWith('…'));
  });

  it("a node's own codes in its own words: the same code says added or deleted", () => {
    const changed: StatusCode = { fill: 'green', shape: 'dot', code: 'changedRoutesUnchanged', params: { n: 3, unchanged: 1 } };
    assert.equal(wordsOf('jet-route-add').status(changed).text, 'added 3 routes (1 unchanged)');
    assert.equal(wordsOf('jet-route-delete').status(changed).text, 'deleted 3 routes (1 unchanged)');
    assert.equal(wordsOf('jet-route-delete').text('metricNotSent', { metric: 3, api: 'gRPC' }), '[metricNotSent] 3 gRPC', 'not a delete code');
  });

  it('passes parameters through as they are (no escaping, no nesting, no interpolation of their text)', () => {
    const odd = 'a <b>&amp; $t(jet-router.status.noRouter) __peer__ {{peer}} "q"';
    assert.equal(wordsOf('jet-router').text('disconnected', { reason: odd }), `disconnected: ${odd}`);
  });

  it('looks a message up once per code and parameter names, and shows what a lookup shows every time', () => {
    const real = translatorFor('jet-threshold');
    const keys: string[] = [];
    const counting: Translate = (key, params) => {
      keys.push(key);
      return real(key, params);
    };
    const w = new StatusWords(counting, 'jet-threshold');
    for (let i = 0; i < 200; i++) {
      assert.equal(w.text('counts', { high: i, low: 200 - i }), real(statusKey('jet-threshold', 'counts'), { high: i, low: 200 - i }));
      assert.equal(w.text('last', { key: `ge-0/0/${i}.0 <${i}> & __high__`, direction: i % 2 ? 'rising' : 'falling' }), `ge-0/0/${i}.0 <${i}> & __high__ ${i % 2 ? 'rising' : 'falling'}`);
      assert.equal(w.text('connected', { peer: `r${i}:32767` }), `connected r${i}:32767`);
    }
    // Each of the three: once with marks, once to check the template against a real lookup.
    assert.equal(keys.length, 6, keys.join(', '));
    // A value that is missing at run time (a caller's bug): what the lookup gives, not "undefined".
    assert.equal(w.text('counts', { high: undefined as unknown as number, low: 1 }), real(statusKey('jet-threshold', 'counts'), { high: undefined, low: 1 }));
  });

  it('a message whose text depends on its values (plurals, formats) is looked up every time', () => {
    let lookups = 0;
    const plural: Translate = (_key, params) => {
      lookups++;
      const n = params?.n;
      return n === 1 ? 'one route held' : `${String(n)} routes held`;
    };
    const w = new StatusWords(plural, 'jet-threshold');
    assert.deepEqual([1, 3, 1, 0].map((n) => w.text('held', { n })), ['one route held', '3 routes held', 'one route held', '0 routes held']);
    assert.equal(lookups, 2 + 3, 'the first use compiles and checks; the template is not kept');
    // i18next picks a plural form by `count`: never compiled.
    lookups = 0;
    const counted: Translate = (_key, params) => {
      lookups++;
      return params?.count === 1 ? 'one' : 'many';
    };
    const c = new StatusWords(counted, 'jet-threshold');
    assert.deepEqual([2, 1].map((count) => c.text('held', { count })), ['many', 'one']);
    assert.equal(lookups, 2);
  });

  it('an unknown code, a lookup that fails or a runtime without the catalog: a visible fallback, never an exception', () => {
    const w = wordsOf('jet-route-add');
    assert.equal(w.text('no-such-code', { a: 'x', b: 2 }), '[no-such-code] x 2');
    assert.deepEqual(w.status({ fill: 'red', shape: 'ring', code: 'no-such-code' }), { fill: 'red', shape: 'ring', text: '[no-such-code]' });
    const throwing: Translate = () => {
      throw new Error('no i18n');
    };
    assert.equal(new StatusWords(throwing, 'jet-route-add').text('connected', { peer: 'r1:1' }), '[connected] r1:1');
    // node-red-node-test-helper's RED._ gives back the key it is given.
    const identity: Translate = (key) => key;
    assert.equal(new StatusWords(identity, 'jet-route-add').text('changed', { prefix: '1.1.1.1/32' }), '[changed] 1.1.1.1/32');
    const notAString = (() => undefined) as unknown as Translate;
    assert.equal(new StatusWords(notAString, 'jet-route-add').text('changed'), untranslated('changed'));
    assert.equal(statusKey('jet-router', 'connected'), '@jetflows/node-red-junos-jet/jet-router:jet-router.status.connected');
  });
});
