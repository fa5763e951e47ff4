/**
 * The reconnect loop both sessions share (lib/core/reconnect.ts): the backoff schedule, the attempt
 * counter and when it starts again, the login-failed cap, one retry at a time, nothing after close.
 * A scripted session: no sockets.
 */
import { strict as assert } from 'assert';
import { backoffDelay, DEFAULT_BACKOFF, ReconnectingSession, BackoffOptions } from '../../../lib/core/reconnect';
import type { SessionState, SessionStatus } from '../../../lib/core/backend';
import { waitFor } from '../../support/wait';

describe('backoff schedule', () => {
  it('doubles from 1 s and caps at 30 s without jitter', () => {
    const noJitter = { ...DEFAULT_BACKOFF, jitter: 0 };
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 50].map((a) => backoffDelay(a, noJitter)),
      [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
    );
  });
  it('jitters within ±20 % and never exceeds the cap', () => {
    assert.equal(backoffDelay(0, DEFAULT_BACKOFF, () => 0), 800);
    assert.equal(backoffDelay(0, DEFAULT_BACKOFF, () => 1), 1200);
    assert.equal(backoffDelay(10, DEFAULT_BACKOFF, () => 1), 30000);
    assert.equal(backoffDelay(10, DEFAULT_BACKOFF, () => 0), 24000);
  });
});

/** A session whose attempts the test scripts: each retry emits 'attempt'; the test says what came of it. */
class ScriptedSession extends ReconnectingSession {
  attempts = 0;
  constructor(backoff: BackoffOptions) {
    super({ host: 'r1', port: 1883, backoff });
  }
  protected retry(): void {
    this.attempts++;
    if (this.loginFailure === null) this.setState('connecting', this.peer);
    this.emit('attempt', this.attempts);
  }
  up(): void {
    this.sessionUp();
    this.setState('connected', this.peer);
  }
  lost(reason: string, delayMs?: number): void {
    if (!this.isClosed() && this.loginFailure === null) this.setState('disconnected', reason);
    this.retryLater(delayMs);
  }
  refused(reason: string): void {
    this.loginRefused(reason);
    this.setState('login-failed', reason);
    this.retryLater();
  }
  failure(): string | null {
    return this.loginFailure;
  }
  close(): void {
    this.cancelRetry();
    this.setState('closed', 'closed');
  }
  set(state: SessionState, detail: string): void {
    this.setState(state, detail);
  }
}

const FAST: BackoffOptions = { initialMs: 2, maxMs: 16, factor: 2, jitter: 0 };

describe('reconnect loop (lib/core/reconnect.ts)', () => {
  function scheduled(s: ScriptedSession): number[] {
    const delays: number[] = [];
    s.on('reconnect-scheduled', (d: number) => delays.push(d));
    return delays;
  }
  const nextAttempt = (s: ScriptedSession): Promise<unknown> => waitFor(s, 'attempt', () => true, 10000, 'the next attempt');

  it('shows the peer, never a user; emits state only on a change', () => {
    const s = new ScriptedSession(FAST);
    assert.equal(s.peer, 'r1:1883');
    assert.deepEqual(s.status, { state: 'idle', detail: '' });
    const seen: SessionStatus[] = [];
    s.on('state', (st: SessionStatus) => seen.push({ ...st }));
    s.set('connecting', 'r1:1883');
    s.set('connecting', 'r1:1883');
    s.set('connecting', 'elsewhere');
    assert.deepEqual(seen.map((st) => st.detail), ['r1:1883', 'elsewhere']);
  });

  it('backs off along the schedule while attempts fail, and starts again from the first delay once a session stayed up', async () => {
    // stableMs 0: every session that came up counts as one that stayed up.
    const s = new ScriptedSession({ ...FAST, stableMs: 0 } as BackoffOptions);
    const delays = scheduled(s);
    for (let i = 0; i < 5; i++) {
      const next = nextAttempt(s);
      s.lost('connection refused');
      await next;
    }
    assert.deepEqual(delays, [2, 4, 8, 16, 16], 'doubling, capped');
    s.up();
    const next = nextAttempt(s);
    s.lost('connection reset');
    await next;
    assert.deepEqual(delays.slice(5), [2], 'the count starts again after a session came up');
    s.close();
  });

  it('a session that drops before it stayed up for stableMs does not start the count again (two clients with one id kick each other)', async () => {
    const s = new ScriptedSession({ ...FAST, stableMs: 60000 } as BackoffOptions);
    const delays = scheduled(s);
    for (let i = 0; i < 5; i++) {
      const next = nextAttempt(s);
      s.up();
      s.lost('connection closed by the broker');
      await next;
    }
    assert.deepEqual(delays, [2, 4, 8, 16, 16], 'each short-lived session backs off further, capped');
    s.close();
  });

  it('the default waits a minute of connection before the count starts again', () => {
    assert.equal((DEFAULT_BACKOFF as BackoffOptions & { stableMs?: number }).stableMs, 60000);
  });

  it('a refused login waits the cap on every retry, whatever else fails meanwhile, until a login succeeds', async () => {
    const s = new ScriptedSession(FAST);
    const delays = scheduled(s);
    let next = nextAttempt(s);
    s.refused('login failed: bad password');
    await next;
    assert.equal(s.failure(), 'login failed: bad password');
    next = nextAttempt(s);
    s.lost('connection refused');
    await next;
    assert.equal(s.status.state, 'login-failed', 'the state stays login-failed through other failures');
    assert.deepEqual(delays, [FAST.maxMs, FAST.maxMs]);
    s.up();
    assert.equal(s.failure(), null);
    next = nextAttempt(s);
    s.lost('connection reset');
    await next;
    assert.deepEqual(delays.slice(2), [FAST.initialMs]);
    s.close();
  });

  it('schedules one retry at a time; a given delay leaves the count alone', async () => {
    const s = new ScriptedSession(FAST);
    const delays = scheduled(s);
    const next = nextAttempt(s);
    s.lost('a');
    s.lost('b');
    s.lost('c');
    await next;
    assert.deepEqual(delays, [2]);
    assert.equal(s.attempts, 1);
    const again = nextAttempt(s);
    s.lost('not logged in', 0);
    await again;
    const third = nextAttempt(s);
    s.lost('d');
    await third;
    assert.deepEqual(delays, [2, 0, 4], 'the immediate retry did not count as a backoff step');
    s.close();
  });

  it('schedules nothing once closed, and close clears the retry scheduled', async () => {
    const s = new ScriptedSession({ ...FAST, initialMs: 5 });
    const delays = scheduled(s);
    s.lost('a');
    s.close();
    s.lost('b');
    // A listener that closes the session on 'reconnect-scheduled' leaves no retry either.
    const t = new ScriptedSession({ ...FAST, initialMs: 5 });
    t.once('reconnect-scheduled', () => t.close());
    t.lost('a');
    // Nothing to wait for but time: a retry left behind would have run by then.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(delays, [5]);
    assert.equal(s.attempts, 0);
    assert.equal(t.attempts, 0);
    assert.deepEqual([s.status.state, t.status.state], ['closed', 'closed']);
  });
});
