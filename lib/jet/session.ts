/**
 * One JET request-response session: a Thrift connection to the router, logged in, shared by every
 * caller. Owns the connection's whole life:
 *  - connects (TCP or TLS), logs in with LoginCheck before any other call, on every (re)connect;
 *  - reconnects with capped exponential backoff and jitter; a rejected login waits the cap and the
 *    state stays `login-failed` until a later login succeeds;
 *  - calls made while no session is up wait in a bounded queue; every call has one deadline
 *    (requestTimeoutMs from when it was made) whether it is queued or in flight; past the queue
 *    bound a call fails at once; nothing waits forever;
 *  - a call whose deadline passes while in flight means the router stopped answering (a half-open
 *    connection): the connection is torn down and rebuilt;
 *  - calls in flight when a connection drops are sent again, in order, on the next session (route
 *    calls are idempotent: an add of an existing route answers 2, a delete of an absent one 3),
 *    except calls made with `once` (the desired-state replay: the next login replays anew), which
 *    fail with code 'disconnected' instead;
 *  - emits 'ready' after each login, before queued calls are sent, so that a listener's calls go
 *    first (the desired-state replay uses that).
 * No Node-RED here: the jet-router node is a thin adapter around it.
 */
import { EventEmitter } from 'events';
import * as net from 'net';
import * as tls from 'tls';
import type { Duplex } from 'stream';
import { backoffDelay, BackoffOptions, DEFAULT_BACKOFF } from '../backoff';
import { ChannelClosedError, describeSocketError, ResultReader, ThriftChannel, Writable } from '../thrift/channel';
import { AuthenticationLoginRequest } from '../gen/jet/AuthenticationLoginRequest';
import { LoginCheckArgs, LoginCheckResult } from '../gen/jet/AuthenticationService';

export type SessionState = 'idle' | 'connecting' | 'connected' | 'login-failed' | 'disconnected' | 'closed';

export interface SessionStatus {
  state: SessionState;
  /** Words for the node status: the peer when connected, the reason otherwise. */
  detail: string;
}

export interface SessionOptions {
  host: string;
  port: number;
  username: string;
  password: string;
  clientId: string;
  /** When set, the connection is TLS with these options (CA, client certificate, ...). */
  tls?: tls.ConnectionOptions;
  requestTimeoutMs: number;
  queueLimit: number;
  backoff?: BackoffOptions;
  /** Replaces the socket factory (tests). */
  connect?: () => Duplex;
  /** Service names, for routers that register them under other names. */
  authService?: string;
}

/** The JET request-response (Thrift) port of a router. */
export const DEFAULT_JET_PORT = 9090;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10000;
export const DEFAULT_QUEUE_LIMIT = 1000;

interface Call {
  service: string;
  method: string;
  args: Writable;
  result: ResultReader<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  attempt: number;
  settled: boolean;
  /** Sent on one connection at most: fails instead of being sent again after a connection loss. */
  once: boolean;
}

export interface CallOptions {
  /** Do not send the call again on a new session when its connection drops while it is in flight. */
  once?: boolean;
}

export class SessionError extends Error {
  constructor(message: string, readonly code: 'timeout' | 'queue-full' | 'login-failed' | 'closed' | 'disconnected') {
    super(message);
    this.name = 'SessionError';
  }
}

export class JetSession extends EventEmitter {
  private stateValue: SessionStatus = { state: 'idle', detail: '' };
  private socket: Duplex | null = null;
  private channel: ThriftChannel | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private connectTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private loginFailure: string | null = null;
  private queue: Call[] = [];
  private readonly inFlight = new Set<Call>();
  private readonly backoff: BackoffOptions;

  constructor(private readonly opts: SessionOptions) {
    super();
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
  }

  get status(): SessionStatus {
    return this.stateValue;
  }

  get peer(): string {
    return `${this.opts.username}@${this.opts.host}:${this.opts.port}`;
  }

  /** Calls waiting for a session, and calls sent and not yet answered. */
  get load(): { queued: number; inFlight: number } {
    return { queued: this.queue.length, inFlight: this.inFlight.size };
  }

  start(): void {
    if (this.stateValue.state !== 'idle') return;
    this.connect();
  }

  /**
   * Ends the session: fails every waiting call, drops the connection, stops reconnecting.
   * Resolves once the socket is gone, or after `timeoutMs` at the latest.
   */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.stateValue.state === 'closed') return;
    this.clearTimers();
    const socket = this.socket;
    this.setState('closed', 'closed');
    this.failAll(new SessionError('the connection to the router was closed (node stopped or redeployed)', 'closed'));
    this.dropConnection('closed');
    if (socket && !socket.destroyed) socket.destroy();
    if (socket && !(socket as net.Socket).closed) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        socket.once('close', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    this.removeAllListeners();
  }

  /** Sends `service:method` on the session, waiting for one if needed; resolves with the reply. */
  call<T>(service: string, method: string, args: Writable, result: ResultReader<T>, options: CallOptions = {}): Promise<T> {
    const state = this.stateValue.state;
    if (state === 'closed') {
      return Promise.reject(new SessionError('the connection to the router is closed', 'closed'));
    }
    if (this.loginFailure !== null) {
      return Promise.reject(new SessionError(this.loginFailure, 'login-failed'));
    }
    const ready = state === 'connected' && this.channel !== null;
    if (!ready && this.queue.length >= this.opts.queueLimit) {
      return Promise.reject(
        new SessionError(
          `${this.opts.queueLimit} calls already wait for a session with the router (${this.stateValue.detail || state}); call refused`,
          'queue-full',
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const call: Call = {
        service,
        method,
        args,
        result: result as ResultReader<unknown>,
        resolve: resolve as (value: unknown) => void,
        reject,
        attempt: 0,
        settled: false,
        once: options.once === true,
        timer: setTimeout(() => this.expire(call), this.opts.requestTimeoutMs),
      };
      if (ready) this.send(call);
      else this.queue.push(call);
    });
  }

  // ------------------------------------------------------------------ connection life

  private connect(): void {
    this.reconnectTimer = null;
    if (this.loginFailure === null) this.setState('connecting', `${this.opts.host}:${this.opts.port}`);
    let socket: Duplex;
    try {
      socket = this.opts.connect ? this.opts.connect() : this.openSocket();
    } catch (err) {
      this.connectionLost(describeSocketError(err as Error));
      return;
    }
    this.socket = socket;
    const connectEvent = this.opts.tls && !this.opts.connect ? 'secureConnect' : 'connect';
    const onConnect = (): void => {
      cleanup();
      this.onConnected(socket);
    };
    const onError = (err: Error): void => {
      cleanup();
      socket.on('error', noop);
      socket.destroy();
      this.connectionLost(describeSocketError(err));
    };
    const onClose = (): void => {
      cleanup();
      this.connectionLost('connection closed before it was established');
    };
    const cleanup = (): void => {
      socket.off(connectEvent, onConnect);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (this.connectTimer) clearTimeout(this.connectTimer);
      this.connectTimer = null;
    };
    socket.on(connectEvent, onConnect);
    socket.on('error', onError);
    socket.on('close', onClose);
    this.connectTimer = setTimeout(() => {
      cleanup();
      socket.on('error', noop);
      socket.destroy();
      this.connectionLost(`no connection within ${this.seconds()} s`);
    }, this.opts.requestTimeoutMs);
  }

  private openSocket(): Duplex {
    const { host, port } = this.opts;
    if (this.opts.tls) {
      // A server name from the TLS config wins; otherwise SNI only for host names, never for IPs.
      const servername = this.opts.tls.servername ?? (net.isIP(host) ? undefined : host);
      return tls.connect({ ...this.opts.tls, host, port, servername });
    }
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    return socket;
  }

  private onConnected(socket: Duplex): void {
    if (socket instanceof net.Socket) socket.setKeepAlive(true, 30000);
    const channel = new ThriftChannel(socket);
    this.channel = channel;
    channel.once('close', (reason: string) => {
      if (this.channel === channel) this.connectionLost(reason);
    });
    const login = new LoginCheckArgs({
      login_request: new AuthenticationLoginRequest({
        user_name: this.opts.username,
        password: this.opts.password,
        client_id: this.opts.clientId,
      }),
    });
    const timer = setTimeout(
      () => channel.close(`no answer to the login within ${this.seconds()} s`),
      this.opts.requestTimeoutMs,
    );
    channel
      .call(this.opts.authService ?? 'AuthenticationService', 'LoginCheck', login, LoginCheckResult)
      .then(
        (reply) => {
          clearTimeout(timer);
          if (this.channel !== channel) return;
          if (reply.result === true) this.onLoggedIn();
          else this.onLoginRejected(reply.message);
        },
        (err: Error) => {
          clearTimeout(timer);
          // A closed channel is handled by its 'close' event; anything else ends this connection.
          if (this.channel === channel && !(err instanceof ChannelClosedError)) {
            channel.close(`login failed: ${err.message}`);
          }
        },
      );
  }

  private onLoggedIn(): void {
    this.attempt = 0;
    this.loginFailure = null;
    this.setState('connected', this.peer);
    this.emit('ready');
    const queued = this.queue;
    this.queue = [];
    for (const call of queued) {
      if (this.stateValue.state !== 'connected') {
        this.queue.push(call);
      } else {
        this.send(call);
      }
    }
  }

  private onLoginRejected(message: string | undefined): void {
    const why = message ? `: ${message}` : '';
    this.loginFailure = `login failed for user ${this.opts.username}${why} (check the jet-router credentials)`;
    this.setState('login-failed', `login failed${why}`);
    this.failQueued(new SessionError(this.loginFailure, 'login-failed'));
    this.dropConnection('login failed');
    this.scheduleReconnect(this.backoff.maxMs);
  }

  /** The connection (or the attempt to make one) is gone: re-queue its calls, back off, retry. */
  private connectionLost(reason: string): void {
    if (this.stateValue.state === 'closed') return;
    this.dropConnection(reason);
    if (this.loginFailure === null) this.setState('disconnected', reason);
    if (!this.reconnectTimer) {
      const delay = this.loginFailure !== null ? this.backoff.maxMs : backoffDelay(this.attempt++, this.backoff);
      this.scheduleReconnect(delay);
    }
  }

  private dropConnection(reason: string): void {
    const channel = this.channel;
    this.channel = null;
    this.socket = null;
    // Calls in flight go back to the front of the queue, in the order they were sent.
    const retry = [...this.inFlight].filter((c) => !c.settled);
    this.inFlight.clear();
    for (const call of retry) call.attempt++;
    if (this.loginFailure !== null || this.stateValue.state === 'closed') {
      for (const call of retry) this.settle(call, new SessionError(this.loginFailure ?? 'closed', 'closed'));
    } else {
      for (const call of retry.filter((c) => c.once)) {
        this.settle(call, new SessionError(`${call.method}: the connection was lost before the router answered (${reason})`, 'disconnected'));
      }
      this.queue = [...retry.filter((c) => !c.once), ...this.queue];
    }
    if (channel) channel.close(reason);
  }

  private scheduleReconnect(delayMs: number): void {
    // A 'state' listener may have closed the session meanwhile: then nothing is scheduled.
    if (this.stateValue.state === 'closed') return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.emit('reconnect-scheduled', delayMs);
    this.reconnectTimer = setTimeout(() => this.connect(), delayMs);
  }

  // ------------------------------------------------------------------ calls

  private send(call: Call): void {
    const channel = this.channel;
    if (!channel) {
      this.queue.push(call);
      return;
    }
    const attempt = ++call.attempt;
    this.inFlight.add(call);
    channel.call(call.service, call.method, call.args, call.result).then(
      (value) => {
        if (call.attempt !== attempt) return;
        this.inFlight.delete(call);
        this.settle(call, null, value);
      },
      (err: Error) => {
        if (call.attempt !== attempt) return;
        this.inFlight.delete(call);
        this.settle(call, err);
      },
    );
  }

  private expire(call: Call): void {
    if (call.settled) return;
    const s = this.seconds();
    if (this.inFlight.has(call)) {
      this.inFlight.delete(call);
      this.settle(call, new SessionError(`${call.method}: no reply from the router within ${s} s`, 'timeout'));
      // The router stopped answering on this connection: rebuild it.
      if (this.channel) this.channel.close(`no reply from the router within ${s} s (connection not answering)`);
      return;
    }
    this.queue = this.queue.filter((c) => c !== call);
    const why = this.stateValue.detail || this.stateValue.state;
    this.settle(call, new SessionError(`${call.method}: no session with the router within ${s} s (${why})`, 'disconnected'));
  }

  private settle(call: Call, err: Error | null, value?: unknown): void {
    if (call.settled) return;
    call.settled = true;
    clearTimeout(call.timer);
    if (err) call.reject(err);
    else call.resolve(value);
  }

  private failQueued(err: Error): void {
    const queued = this.queue;
    this.queue = [];
    for (const call of queued) this.settle(call, err);
  }

  private failAll(err: Error): void {
    this.failQueued(err);
    const flying = [...this.inFlight];
    this.inFlight.clear();
    for (const call of flying) this.settle(call, err);
  }

  // ------------------------------------------------------------------ helpers

  private setState(state: SessionState, detail: string): void {
    if (this.stateValue.state === state && this.stateValue.detail === detail) return;
    this.stateValue = { state, detail };
    this.emit('state', this.stateValue);
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.reconnectTimer = null;
    this.connectTimer = null;
  }

  private seconds(): string {
    return String(Math.round(this.opts.requestTimeoutMs / 100) / 10);
  }
}

function noop(): void {
  /* a late socket error after we gave up on the socket */
}
