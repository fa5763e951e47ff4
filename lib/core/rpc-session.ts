/**
 * The one request-response session skeleton both JET APIs share (lib/core/backend.ts has the
 * contract; lib/thrift/backend.ts and lib/grpc/backend.ts give it a Connector and route calls):
 *  - connects and logs in through the API's {@link Connector} on every (re)connect, before any
 *    call is written; emits 'ready' after each login, before queued calls go, so that a listener's
 *    calls (the desired-state replay) go first;
 *  - reconnects through the shared loop of lib/core/reconnect.ts (capped exponential backoff and
 *    jitter); a refused login waits the cap and the state stays `login-failed` until a later login
 *    succeeds (a transient refusal, such as a gRPC client id the router still holds, backs off
 *    normally and keeps the id);
 *  - flow control: at most `maxInFlight` calls are written and unanswered at a time; the others
 *    wait in one FIFO queue. While no session is up, at most `queueLimit` calls wait (calls
 *    re-queued after a drop count too) and a further call is refused at once; with a session up,
 *    `queueLimit` and a maximum age bound the operations that wait (lib/core/call-queue.ts): one
 *    let in goes whole, at the router's pace (a message of 20,000 prefixes is not refused);
 *  - a call's deadline (requestTimeoutMs, plus `msPerRoute` for each route it carries beyond the
 *    first) counts from when the router can be working on it: from its write, or, when calls
 *    written before it are still unanswered, from when the last of those was answered (8 gRPC
 *    requests of 1,000 routes at 2 ms a route take 16 s). One timer, on the oldest call in flight.
 *    A call whose deadline passes fails; with `silenceMeansDead` (Thrift) the connection is
 *    declared half-open when nothing at all arrived on it since that call was written;
 *  - a queued call fails when no session comes within `requestTimeoutMs` (one timer for the
 *    queue, calls leave from its front: O(1) each);
 *  - calls in flight when a connection drops are sent again, in order, on the next session,
 *    except calls made with `once`, which fail unanswered instead;
 *  - a call the router answers with "not logged in" logs in again and is retried once; a login
 *    that did not cure it (no call answered since) waits the backoff before the next one;
 *  - close() ends it all within a bound.
 * No Node-RED, no protocol here.
 */
import { backoffDelay, ReconnectingSession } from './reconnect';
import { Call, callGroup, CallGroup, CallShape, OperationAges } from './call-queue';
import {
  BackendOptions,
  ConnectionLostError,
  Connector,
  LoginRejectedError,
  NotLoggedInError,
  OpOptions,
  ReadyInfo,
  SessionError,
  SessionState,
  Wire,
  WireCall,
} from './backend';

export interface RpcSessionOptions extends BackendOptions {
  /** Calls written and unanswered at a time (the API's choice: many one-route Thrift calls, few 1,000-route gRPC calls). */
  maxInFlight: number;
  /** A call's deadline grows by this much per route it carries beyond requestTimeoutMs (default 0). */
  msPerRoute?: number;
  /** Most routes one call carries (default 1): bounds the protocol's own deadline. */
  maxRoutesPerCall?: number;
  /**
   * Whether a deadline that passes with nothing at all received since the call was written means
   * the connection is half-open (default true: Thrift has no keepalive of its own). gRPC says no:
   * HTTP/2 keepalive finds a dead connection, and a router may be silent while it works.
   */
  silenceMeansDead?: boolean;
}

export class RpcSession<W extends Wire> extends ReconnectingSession {
  private wire: W | null = null;
  private opening = 0;
  private queueTimer: NodeJS.Timeout | null = null;
  /** The deadline of the oldest call in flight, and that call. */
  private headTimer: NodeJS.Timeout | null = null;
  private head: Call | null = null;
  private queue = new Set<Call>();
  private readonly inFlight = new Set<Call>();
  private closing: Promise<void> | null = null;
  private wireClosed: Promise<void> = Promise.resolve();
  /** The maximum age of operations waiting while a session is up. */
  private readonly ages: OperationAges;
  /** Re-logins for "not logged in" since a call last got an answer: the second and later ones back off. */
  private relogins = 0;

  constructor(
    private readonly connector: Connector<W>,
    protected readonly opts: RpcSessionOptions,
  ) {
    super(opts);
    this.ages = new OperationAges(opts.requestTimeoutMs, (groups) => this.expireOld(groups));
  }

  get load(): { queued: number; inFlight: number } {
    return { queued: this.queue.size, inFlight: this.inFlight.size };
  }

  start(): void {
    if (this.status.state !== 'idle') return;
    this.connect();
  }

  /** Ends the session: fails every waiting call, drops the connection, stops reconnecting. */
  close(timeoutMs = 2000): Promise<void> {
    if (this.closing) return this.closing;
    this.cancelRetry();
    this.clearQueueTimer();
    this.ages.stop();
    this.setState('closed', 'closed');
    this.failAll(new SessionError('the connection to the router was closed (node stopped or redeployed)', 'closed'));
    const wire = this.wire;
    this.wire = null;
    wire?.close('closed');
    const closed = this.wireClosed;
    this.closing = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      closed.then(() => {
        clearTimeout(t);
        resolve();
      });
    }).then(() => {
      this.removeAllListeners();
    });
    return this.closing;
  }

  /**
   * Runs `fn` on a logged-in connection, in order with the other calls, within the window and the
   * deadline; resolves with its answer. Rejects with a SessionError when no answer came (the code
   * says why), or with the error `fn` rejected with.
   */
  call<T>(name: string, fn: WireCall<W, T>, options: OpOptions = {}, shape: CallShape = {}): Promise<T> {
    const state = this.status.state;
    if (state === 'closed') return Promise.reject(new SessionError('the connection to the router is closed', 'closed'));
    if (this.loginFailure !== null) return Promise.reject(new SessionError(this.loginFailure, 'login-failed'));
    const up = this.wire !== null && state === 'connected';
    const room = up && this.inFlight.size < this.opts.maxInFlight && this.queue.size === 0;
    const group = shape.group ?? callGroup();
    if (!up && this.queue.size >= this.opts.queueLimit) {
      return Promise.reject(
        new SessionError(`${this.opts.queueLimit} calls already wait for a session with the router (${this.status.detail || state}); call refused`, 'queue-full'),
      );
    }
    if (up && group.refusal === undefined) {
      // With a session up the bound applies to operations: one admitted goes whole (a message of 20,000 routes).
      group.refusal =
        this.queue.size >= this.opts.queueLimit
          ? new SessionError(`${this.opts.queueLimit} calls already wait for the router, which answers slower than they come; call refused`, 'queue-full')
          : null;
    }
    if (up && group.refusal) return Promise.reject(group.refusal);
    const routes = Math.max(1, shape.routes ?? 1);
    return new Promise<T>((resolve, reject) => {
      const call: Call = {
        name,
        fn: fn as unknown as WireCall<Wire, unknown>,
        resolve: resolve as (value: unknown) => void,
        reject,
        queuedAt: Date.now(),
        writtenAt: 0,
        receivedAtWrite: 0,
        attempt: 0,
        settled: false,
        once: options.once === true,
        relogged: false,
        budgetMs: this.opts.requestTimeoutMs + (routes - 1) * (this.opts.msPerRoute ?? 0),
        group,
      };
      if (room) {
        this.write(call);
      } else {
        this.queue.add(call);
        this.ages.waiting(group);
        this.armQueueTimer();
      }
    });
  }

  // ------------------------------------------------------------------ connection life

  protected retry(): void {
    this.connect();
  }

  private connect(): void {
    if (this.loginFailure === null) this.setState('connecting', this.peer);
    const mine = ++this.opening;
    const limit = this.opts.requestTimeoutMs;
    let settled = false;
    // The connector settles within the limit; this guard makes sure the session never hangs on it.
    const guard = setTimeout(() => {
      if (settled) return;
      settled = true;
      this.connectionLost(`no connection within ${this.seconds()} s`);
    }, limit + 1000);
    this.connector.open(limit).then(
      ({ wire, info }) => {
        clearTimeout(guard);
        if (settled || mine !== this.opening || this.isClosed()) {
          wire.close('not needed any more');
          return;
        }
        settled = true;
        this.onOpen(wire, info);
      },
      (err: Error) => {
        clearTimeout(guard);
        if (settled || mine !== this.opening) return;
        settled = true;
        if (err instanceof LoginRejectedError) this.onLoginRejected(err);
        else this.connectionLost(err.message);
      },
    );
  }

  private onOpen(wire: W, info: ReadyInfo): void {
    this.wire = wire;
    let closedResolve!: () => void;
    this.wireClosed = new Promise<void>((resolve) => (closedResolve = resolve));
    wire.onClose((reason) => {
      closedResolve();
      if (this.wire === wire) this.connectionLost(reason);
    });
    this.sessionUp();
    this.clearQueueTimer();
    this.setState('connected', this.peer);
    // The calls of 'ready' listeners (the desired-state replay) go before the calls that waited.
    const waiting = this.queue;
    this.queue = new Set();
    this.emit('ready', info);
    if (waiting.size > 0) this.queue = this.queue.size === 0 ? waiting : new Set([...this.queue, ...waiting]);
    this.pump();
    this.ages.sessionUp();
  }

  private onLoginRejected(err: LoginRejectedError): void {
    if (err.transient) {
      this.connectionLost(err.message);
      return;
    }
    // The status (seen on dashboards) does not name the user; the refused calls' errors do.
    const failure = `${err.message.replace(/^login failed/, `login failed for user ${this.opts.username}`)} (check the jet-router credentials)`;
    this.loginRefused(failure);
    this.setState('login-failed', err.message);
    this.failQueued(new SessionError(failure, 'login-failed'));
    this.retryLater();
  }

  /** The connection, or the attempt to make one, is gone: re-queue its calls, back off, retry. */
  private connectionLost(reason: string, delayMs?: number): void {
    if (this.isClosed()) return;
    this.ages.stop();
    this.dropConnection(reason);
    if (this.loginFailure === null) this.setState('disconnected', reason);
    this.retryLater(delayMs);
    this.armQueueTimer();
  }

  private dropConnection(reason: string): void {
    const wire = this.wire;
    this.wire = null;
    // Calls in flight go back to the front of the queue, in the order they were written.
    const retry: Call[] = [];
    this.clearHead();
    for (const call of this.inFlight) {
      if (call.settled) continue;
      if (call.once) {
        this.settle(call, new SessionError(`${call.name}: the connection was lost before the router answered (${reason})`, 'disconnected'));
      } else {
        call.writtenAt = 0;
        retry.push(call);
      }
    }
    this.inFlight.clear();
    if (retry.length > 0) this.queue = new Set([...retry, ...this.queue]);
    wire?.close(reason);
  }

  // ------------------------------------------------------------------ calls

  /** Writes queued calls while there is a session and room in the window. */
  private pump(): void {
    for (const call of this.queue) {
      if (this.wire === null || this.status.state !== 'connected' || this.inFlight.size >= this.opts.maxInFlight) return;
      this.queue.delete(call);
      this.write(call);
    }
  }

  private write(call: Call): void {
    const wire = this.wire!;
    const attempt = ++call.attempt;
    call.writtenAt = Date.now();
    this.ages.started(call.group);
    call.receivedAtWrite = wire.received;
    this.inFlight.add(call);
    if (this.head === null) this.armHead();
    let pending: Promise<unknown>;
    try {
      // The session's own timer decides (it starts when the call reaches the head); the protocol's
      // deadline is only the outer bound: every call ahead of it may take the whole timeout.
      const longest = this.opts.requestTimeoutMs + ((this.opts.maxRoutesPerCall ?? 1) - 1) * (this.opts.msPerRoute ?? 0);
      pending = call.fn(wire, call.writtenAt + longest * (this.opts.maxInFlight + 1));
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (value) => this.answered(call, attempt, wire, null, value),
      (err: Error) => this.answered(call, attempt, wire, err),
    );
  }

  private answered(call: Call, attempt: number, wire: W, err: Error | null, value?: unknown): void {
    if (call.attempt !== attempt || call.settled || !this.inFlight.has(call)) return;
    this.inFlight.delete(call);
    if (this.head === call) this.armHead();
    if (err instanceof ConnectionLostError) {
      // The connection broke under this call; its 'close' decides what happens to all of them.
      if (this.wire === wire) {
        this.inFlight.add(call);
        this.connectionLost(err.message);
      } else if (call.once) {
        this.settle(call, new SessionError(`${call.name}: the connection was lost before the router answered (${err.message})`, 'disconnected'));
      } else {
        call.writtenAt = 0;
        this.queue = new Set([call, ...this.queue]);
      }
      return;
    }
    if (err instanceof NotLoggedInError) {
      if (!call.relogged && this.wire === wire) {
        // The router lost our login (e.g. restarted its JET daemon): log in again, send this call once more.
        // A login that did not cure it (no answer since) waits the backoff: never a login storm.
        call.relogged = true;
        this.inFlight.add(call);
        const delay = this.relogins++ === 0 ? 0 : backoffDelay(this.relogins - 2, this.backoff);
        this.connectionLost(`the router says this session is not logged in (${err.message}): logging in again`, delay);
        return;
      }
    } else {
      this.relogins = 0;
    }
    this.settle(call, err, value);
    this.pump();
  }

  /** Starts the deadline of the oldest call in flight (now: it just became the oldest). */
  private armHead(): void {
    this.clearHead();
    const oldest = this.inFlight.values().next().value as Call | undefined;
    const wire = this.wire;
    if (!oldest || !wire) return;
    this.head = oldest;
    this.headTimer = setTimeout(() => this.expire(oldest, wire), oldest.budgetMs);
  }

  private clearHead(): void {
    if (this.headTimer) clearTimeout(this.headTimer);
    this.headTimer = null;
    this.head = null;
  }

  private expire(call: Call, wire: W): void {
    this.headTimer = null;
    this.head = null;
    if (call.settled || !this.inFlight.has(call)) {
      this.armHead();
      return;
    }
    this.inFlight.delete(call);
    const s = this.seconds(call.budgetMs);
    this.settle(call, new SessionError(`${call.name}: no reply from the router within ${s} s`, 'timeout'));
    if (this.opts.silenceMeansDead !== false && this.wire === wire && wire.received === call.receivedAtWrite) {
      // Nothing at all came back since this call was written: the connection is half-open.
      this.connectionLost(`no reply from the router within ${s} s (connection not answering)`);
      return;
    }
    this.armHead();
    this.pump();
  }

  /** While there is no session, queued calls leave from the front once they waited requestTimeoutMs. */
  private armQueueTimer(): void {
    if (this.queueTimer || this.queue.size === 0 || this.status.state === 'connected' || this.isClosed()) return;
    const first = this.queue.values().next().value as Call;
    const now = Date.now();
    const due = Math.max(first.queuedAt, this.disconnectedSince) + this.opts.requestTimeoutMs;
    this.queueTimer = setTimeout(() => {
      this.queueTimer = null;
      this.expireQueued();
    }, Math.max(0, due - now));
  }

  private disconnectedSince = 0;

  /** Operations that waited the maximum age while a session was up, none of their calls written: they fail, not sent. */
  private expireOld(groups: ReadonlySet<CallGroup>): void {
    const s = this.seconds();
    for (const call of this.queue) {
      if (!groups.has(call.group)) continue;
      this.queue.delete(call);
      this.settle(call, new SessionError(`${call.name}: waited ${s} s for the router, busy with the calls before it; not sent`, 'queue-full'));
    }
  }

  private expireQueued(): void {
    if (this.status.state === 'connected' || this.isClosed()) return;
    const cutoff = Date.now() - this.opts.requestTimeoutMs;
    if (this.disconnectedSince > cutoff) {
      this.armQueueTimer();
      return;
    }
    const why = this.status.detail || this.status.state;
    for (const call of this.queue) {
      if (call.queuedAt > cutoff) break;
      this.queue.delete(call);
      this.settle(call, new SessionError(`${call.name}: no session with the router within ${this.seconds()} s (${why})`, 'disconnected'));
    }
    this.armQueueTimer();
  }

  private settle(call: Call, err: Error | null, value?: unknown): void {
    if (call.settled) return;
    call.settled = true;
    if (err) call.reject(err);
    else call.resolve(value);
  }

  private failQueued(err: Error): void {
    const queued = this.queue;
    this.queue = new Set();
    this.ages.clear();
    for (const call of queued) this.settle(call, err);
  }

  private failAll(err: Error): void {
    this.failQueued(err);
    const flying = [...this.inFlight];
    this.inFlight.clear();
    this.clearHead();
    for (const call of flying) this.settle(call, err);
  }

  // ------------------------------------------------------------------ helpers

  /** When the session stops being up (or never was), queued calls start waiting for the next one. */
  protected stateChanging(from: SessionState, to: SessionState): void {
    if (to !== 'connected' && (from === 'connected' || from === 'idle')) this.disconnectedSince = Date.now();
  }

  private clearQueueTimer(): void {
    if (this.queueTimer) clearTimeout(this.queueTimer);
    this.queueTimer = null;
  }

  protected seconds(ms = this.opts.requestTimeoutMs): string {
    return String(Math.round(ms / 100) / 10);
  }
}
