/**
 * The request-response session skeleton (lib/core/rpc-session.ts) on a scripted connector: login on
 * every connect before any call, the in-flight window, deadlines from the write, half-open only
 * when nothing comes back, the bounded queue, re-login on "not logged in", close. No sockets, no
 * Node-RED: fast.
 */
import * as assert from 'assert';
import { EventEmitter } from 'events';
import { RpcSession, RpcSessionOptions } from '../../../lib/core/rpc-session';
import { ConnectionLostError, Connector, LoginRejectedError, NotLoggedInError, ReadyInfo, SessionError, SessionStatus, Wire } from '../../../lib/core/backend';
import { waitFor } from '../../support/wait';

/** A connection whose answers the test gives by hand. */
class FakeWire extends EventEmitter implements Wire {
  received = 0;
  closed: string | null = null;
  readonly pending: Array<{ name: string; resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  private listener: ((reason: string) => void) | null = null;

  onClose(listener: (reason: string) => void): void {
    this.listener = listener;
  }

  close(reason: string): void {
    if (this.closed !== null) return;
    this.closed = reason;
    for (const p of this.pending.splice(0)) p.reject(new ConnectionLostError(reason));
    this.listener?.(reason);
  }

  run(name: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.push({ name, resolve, reject });
      this.emit('written', name);
    });
  }

  /** Answers the oldest pending call (or the one named). */
  answer(value: unknown = 'ok', name?: string): void {
    const i = name === undefined ? 0 : this.pending.findIndex((p) => p.name === name);
    const [p] = this.pending.splice(i, 1);
    this.received++;
    p.resolve(value);
  }

  fail(err: Error, name?: string): void {
    const i = name === undefined ? 0 : this.pending.findIndex((p) => p.name === name);
    const [p] = this.pending.splice(i, 1);
    this.received++;
    p.reject(err);
  }
}

class FakeConnector extends EventEmitter implements Connector<FakeWire> {
  readonly api = 'grpc' as const;
  opens = 0;
  wires: FakeWire[] = [];
  /** What the next open() does: undefined = succeed. */
  next: Array<Error | undefined> = [];
  info: ReadyInfo = {};

  open(): Promise<{ wire: FakeWire; info: ReadyInfo }> {
    this.opens++;
    const outcome = this.next.shift();
    if (outcome) {
      queueMicrotask(() => this.emit('refused'));
      return Promise.reject(outcome);
    }
    const wire = new FakeWire();
    this.wires.push(wire);
    queueMicrotask(() => this.emit('opened', wire));
    return Promise.resolve({ wire, info: this.info });
  }

  get wire(): FakeWire {
    return this.wires[this.wires.length - 1];
  }
}

const FAST = { initialMs: 5, maxMs: 40, factor: 2, jitter: 0 };

function options(over: Partial<RpcSessionOptions> = {}): RpcSessionOptions {
  return {
    host: 'r1',
    port: 32767,
    username: 'lab',
    password: 'pw',
    clientId: 'c1',
    requestTimeoutMs: 200,
    queueLimit: 100,
    maxInFlight: 2,
    backoff: FAST,
    ...over,
  };
}

function connected(s: RpcSession<FakeWire>): Promise<unknown> {
  if (s.status.state === 'connected') return Promise.resolve();
  return waitFor(s, 'state', (st: SessionStatus) => st.state === 'connected');
}

describe('rpc session (lib, scripted connector)', () => {
  let session: RpcSession<FakeWire>;
  let connector: FakeConnector;

  beforeEach(() => {
    connector = new FakeConnector();
  });
  afterEach(async () => {
    await session?.close(100);
  });

  it('logs in before any call: calls made while connecting wait and go after the ready listeners', async () => {
    session = new RpcSession(connector, options({ maxInFlight: 10 }));
    const order: string[] = [];
    const early = session.call('early', (w) => w.run('early'));
    session.on('ready', () => {
      void session.call('replay', (w) => w.run('replay'));
    });
    connector.on('opened', (w: FakeWire) => w.on('written', (n: string) => order.push(n)));
    session.start();
    assert.equal(session.status.state, 'connecting');
    await connected(session);
    assert.deepEqual(order, ['replay', 'early']);
    assert.equal(session.peer, 'r1:32767', 'the peer names host and port, never the user');
    connector.wire.answer('r', 'early');
    assert.equal(await early, 'r');
  });

  it('keeps at most maxInFlight calls written; the others wait, and a call waiting longer than the deadline for room does not expire', async () => {
    session = new RpcSession(connector, options({ maxInFlight: 2, requestTimeoutMs: 300 }));
    session.start();
    await connected(session);
    const wire = connector.wire;
    const calls = [1, 2, 3, 4].map((n) => session.call(`c${n}`, (w) => w.run(`c${n}`)));
    assert.equal(wire.pending.length, 2);
    assert.deepEqual(session.load, { queued: 2, inFlight: 2 });
    // The router is slow but answers: one answer every 120 ms, each within its own deadline
    // counted from its write (240 ms), while c4 waits 480 ms in all.
    for (let k = 0; k < 4; k++) {
      await new Promise<void>((resolve) => setTimeout(resolve, 120));
      wire.answer(`a${k}`);
    }
    assert.deepEqual(await Promise.all(calls), ['a0', 'a1', 'a2', 'a3']);
    assert.equal(connector.opens, 1, 'one session throughout');
  });

  it('a call whose deadline passes while the connection answers others fails alone; a silent connection is rebuilt', async () => {
    session = new RpcSession(connector, options({ maxInFlight: 4, requestTimeoutMs: 100 }));
    session.start();
    await connected(session);
    const wire = connector.wire;
    const lost = session.call('lost', (w) => w.run('lost'));
    const other = session.call('other', (w) => w.run('other'));
    wire.answer('fine', 'other');
    assert.equal(await other, 'fine');
    await assert.rejects(lost, (err: SessionError) => err.code === 'timeout' && /no reply from the router within 0.1 s/.test(err.message));
    assert.equal(wire.closed, null, 'still answering: not half-open');
    // Now nothing at all comes back: the connection is declared half-open and rebuilt.
    const silent = session.call('silent', (w) => w.run('silent'));
    const down = waitFor(session, 'state', (st: SessionStatus) => st.state === 'disconnected');
    await assert.rejects(silent, /no reply/);
    const [st] = await down;
    assert.match((st as SessionStatus).detail, /connection not answering/);
    await connected(session);
    assert.equal(connector.opens, 2);
  });

  it('re-sends unanswered calls in order on the next session, except `once` calls', async () => {
    session = new RpcSession(connector, options({ maxInFlight: 10 }));
    session.start();
    await connected(session);
    const a = session.call('a', (w) => w.run('a'));
    const b = session.call('b', (w) => w.run('b'), { once: true });
    const c = session.call('c', (w) => w.run('c'));
    const reopened = waitFor<[FakeWire]>(connector, 'opened');
    connector.wire.close('connection reset by the router');
    await assert.rejects(b, (err: SessionError) => err.code === 'disconnected');
    const [w2] = await reopened;
    await connected(session);
    assert.deepEqual(
      w2.pending.map((p) => p.name),
      ['a', 'c'],
    );
    w2.answer(1);
    w2.answer(2);
    assert.deepEqual(await Promise.all([a, c]), [1, 2]);
  });

  it('"not logged in" logs in again and retries that call once; a second refusal is the answer', async () => {
    session = new RpcSession(connector, options());
    session.start();
    await connected(session);
    const call = session.call('add', (w) => w.run('add'));
    const reopened = waitFor<[FakeWire]>(connector, 'opened');
    connector.wire.fail(new NotLoggedInError('err_code 5'));
    const [w2] = await reopened;
    await connected(session);
    assert.equal(w2.pending[0]?.name, 'add', 'retried on the new login');
    const again = waitFor<[FakeWire]>(connector, 'opened', () => true, 300).then(
      () => 'relogged',
      () => 'no relogin',
    );
    w2.fail(new NotLoggedInError('err_code 5'));
    await assert.rejects(call, NotLoggedInError);
    assert.equal(await again, 'no relogin');
  });

  it('counts calls re-queued after a drop against queueLimit', async () => {
    session = new RpcSession(connector, options({ maxInFlight: 3, queueLimit: 3 }));
    session.start();
    await connected(session);
    const flying = [1, 2, 3].map((n) => session.call(`f${n}`, (w) => w.run(`f${n}`)));
    connector.next.push(new Error('connection refused'));
    connector.wire.close('connection reset by the router');
    assert.equal(session.load.queued, 3);
    await assert.rejects(
      session.call('over', (w) => w.run('over')),
      (err: SessionError) => err.code === 'queue-full',
    );
    await connected(session);
    for (const w of [connector.wire]) while (w.pending.length) w.answer();
    await Promise.all(flying);
  });

  it('expires 20,000 queued calls when no session comes, each from the front of the queue', async () => {
    connector.next.push(...Array.from({ length: 50 }, () => new Error('connection refused')));
    session = new RpcSession(connector, options({ queueLimit: 20000, requestTimeoutMs: 100, backoff: { ...FAST, maxMs: 1000 } }));
    session.start();
    const calls = Array.from({ length: 20000 }, (_, i) => session.call(`q${i}`, (w) => w.run(`q${i}`)));
    assert.equal(session.load.queued, 20000);
    const outcomes = await Promise.allSettled(calls);
    assert.ok(outcomes.every((o) => o.status === 'rejected' && (o.reason as SessionError).code === 'disconnected'));
    assert.match(((outcomes[0] as PromiseRejectedResult).reason as Error).message, /no session with the router within 0.1 s \(connection refused\)/);
    assert.equal(session.load.queued, 0);
  });

  it('a refused login waits the backoff cap and refuses calls at once; a transient refusal backs off normally', async () => {
    connector.next.push(new LoginRejectedError('login failed: invalid user name or password'));
    session = new RpcSession(connector, options());
    const delays: number[] = [];
    session.on('reconnect-scheduled', (d: number) => delays.push(d));
    session.start();
    await waitFor(session, 'state', (st: SessionStatus) => st.state === 'login-failed');
    assert.equal(session.status.detail, 'login failed: invalid user name or password', 'no user name in the status');
    await assert.rejects(session.call('x', (w) => w.run('x')), /login failed for user lab: invalid user name or password \(check the jet-router credentials\)/);
    assert.deepEqual(delays, [FAST.maxMs]);
    await connected(session);

    const c2 = new FakeConnector();
    c2.next.push(new LoginRejectedError('login failed: Client Id c1 already exists', true));
    const s2 = new RpcSession(c2, options());
    const d2: number[] = [];
    s2.on('reconnect-scheduled', (d: number) => d2.push(d));
    s2.start();
    await connected(s2);
    assert.deepEqual(d2, [FAST.initialMs], 'normal backoff, same connector (same client id)');
    await s2.close(100);
  });

  it('close() fails what waits, closes the connection, schedules nothing and resolves within the bound', async () => {
    session = new RpcSession(connector, options());
    session.start();
    await connected(session);
    const call = session.call('x', (w) => w.run('x'));
    const t0 = Date.now();
    await session.close(200);
    assert.ok(Date.now() - t0 < 1000);
    await assert.rejects(call, (err: SessionError) => err.code === 'closed');
    assert.equal(connector.wire.closed, 'closed');
    assert.equal(session.status.state, 'closed');
    await assert.rejects(session.call('y', (w) => w.run('y')), /closed/);
    assert.equal(connector.opens, 1);
  });
});
