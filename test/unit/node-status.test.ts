/** Node status (lib/node-status.ts): what the connection and outcomes show, and how often (StatusView). */
import { strict as assert } from 'assert';
import { combinedStatus, sessionStatus, StatusView, StatusTimers } from '../../lib/node-status';

describe('node status', () => {
  it('shows the connection, and the last outcome only while connected', () => {
    assert.deepEqual(sessionStatus({ state: 'connected', detail: '127.0.0.1:9090' }), { fill: 'green', shape: 'dot', text: 'connected 127.0.0.1:9090' });
    assert.equal(sessionStatus({ state: 'login-failed', detail: 'login failed: bad password' }).text, 'login failed: bad password');
    const last = { fill: 'green' as const, shape: 'dot' as const, text: 'added 1.1.1.1/32' };
    assert.equal(combinedStatus({ state: 'connected', detail: '' }, last).text, 'added 1.1.1.1/32');
    assert.match(combinedStatus({ state: 'disconnected', detail: 'connection refused' }, last).text!, /^disconnected: connection refused/);
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
