/**
 * The reconnect loop both sessions share, the request-response one (lib/core/rpc-session.ts) and
 * the notification one (lib/mqtt/session.ts), with the state and peer they show:
 *  - a failed attempt, or a connection that drops, is retried after a capped exponential backoff
 *    with jitter ({@link backoffDelay}, a pure function so that the schedule is testable);
 *  - the attempt counter counts the attempts since the last session that stayed up: it starts again
 *    from 0 only when a session that came up ({@link ReconnectingSession.sessionUp}) lasted
 *    `stableMs` (a minute by default) before it dropped. A connection the peer accepts and drops
 *    at once, again and again, backs off like a refused one: two clients with one client id kick
 *    each other off an MQTT broker at every CONNECT, and each CONNACK used to start the count
 *    again (15 drops each in 30 s);
 *  - a refused login ({@link ReconnectingSession.loginRefused}) makes every retry wait the cap
 *    instead, until a later login succeeds: a wrong password is not hammered at the router;
 *  - at most one retry is scheduled at a time; none once the session is closed, and closing
 *    clears the one scheduled;
 *  - 'state' (SessionStatus) is emitted on every change of state or detail, 'reconnect-scheduled'
 *    (the delay in ms) whenever a retry is scheduled.
 * No protocol and no Node-RED here.
 */

import { EventEmitter } from 'events';

export type SessionState = 'idle' | 'connecting' | 'connected' | 'login-failed' | 'disconnected' | 'closed';

/** A session's state as the nodes show it. */
export interface SessionStatus {
  state: SessionState;
  /** Words for the node status: the peer (`host:port`, never the user name) when connected, the reason otherwise. */
  detail: string;
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** 0..1: the fraction by which a delay may vary either way. */
  jitter: number;
  /**
   * How long a session must stay up before the attempt counter starts again from 0 (default
   * {@link DEFAULT_STABLE_MS}); 0: as soon as a session comes up.
   */
  stableMs?: number;
}

/** A session that stays up this long was not dropped by a flap: the backoff starts again from its first step. */
export const DEFAULT_STABLE_MS = 60000;

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30000, factor: 2, jitter: 0.2, stableMs: DEFAULT_STABLE_MS };

/**
 * The delay before retry `attempt` (0 is the first retry): initial * factor^attempt, capped at max,
 * then scaled by a random factor in [1 - jitter, 1 + jitter] and capped at max again.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const n = Math.max(0, Math.floor(attempt));
  const base = Math.min(opts.maxMs, opts.initialMs * Math.pow(opts.factor, Math.min(n, 64)));
  const spread = 1 + opts.jitter * (2 * random() - 1);
  return Math.round(Math.min(opts.maxMs, Math.max(0, base * spread)));
}

/** Where a session connects to, and how it backs off. */
export interface ReconnectOptions {
  host: string;
  port: number;
  backoff?: BackoffOptions;
}

/**
 * A session to one peer that reconnects by itself. A subclass connects in {@link retry} (and in its
 * own start), and tells the loop what happened: {@link sessionUp}, {@link loginRefused}, then
 * {@link retryLater} when the connection or the attempt is gone; {@link cancelRetry} on close.
 */
export abstract class ReconnectingSession extends EventEmitter {
  private stateValue: SessionStatus = { state: 'idle', detail: '' };
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  /** When the current session came up (Date.now()); null while none is up. */
  private upSince: number | null = null;
  private loginFailureValue: string | null = null;
  protected readonly backoff: BackoffOptions;

  constructor(private readonly endpoint: ReconnectOptions) {
    super();
    this.backoff = endpoint.backoff ?? DEFAULT_BACKOFF;
  }

  get status(): SessionStatus {
    return this.stateValue;
  }

  /** `host:port`: never the user name, which would reach dashboards through the node status. */
  get peer(): string {
    return `${this.endpoint.host}:${this.endpoint.port}`;
  }

  /** Makes the next attempt (the retry scheduled by {@link retryLater} is due; the session is not closed). */
  protected abstract retry(): void;

  /** Why the peer refused the login, from then until a login succeeds; null otherwise. */
  protected get loginFailure(): string | null {
    return this.loginFailureValue;
  }

  /**
   * A session came up: a refused login is over, and the attempts count from 0 again once it has
   * stayed up for `stableMs` (decided when it drops: {@link retryLater}).
   */
  protected sessionUp(): void {
    this.upSince = Date.now();
    this.loginFailureValue = null;
  }

  /** The peer refused the login: every retry waits the backoff cap until a login succeeds. */
  protected loginRefused(reason: string): void {
    this.loginFailureValue = reason;
  }

  /**
   * Schedules the next attempt, unless one is scheduled already or the session is closed: after
   * `delayMs` when given (the attempt count stays), else the cap while the login is refused, else
   * the next delay of the backoff schedule.
   */
  protected retryLater(delayMs?: number): void {
    // A 'state' listener may have closed the session meanwhile: then nothing is scheduled.
    if (this.retryTimer || this.isClosed()) return;
    if (this.upSince !== null) {
      // The session that was up is gone: did it last long enough to count as a stable one?
      if (Date.now() - this.upSince >= (this.backoff.stableMs ?? DEFAULT_STABLE_MS)) this.attempt = 0;
      this.upSince = null;
    }
    const delay = delayMs ?? (this.loginFailureValue !== null ? this.backoff.maxMs : backoffDelay(this.attempt++, this.backoff));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.isClosed()) this.retry();
    }, delay);
    // After the timer is set: a listener that closes the session clears it.
    this.emit('reconnect-scheduled', delay);
  }

  /** No retry (close). */
  protected cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.upSince = null;
  }

  /** A method, not a narrowed field read: listeners called by setState may have closed the session. */
  protected isClosed(): boolean {
    return this.stateValue.state === 'closed';
  }

  /** Sets the state; emits 'state' when the state or its detail changed. */
  protected setState(state: SessionState, detail: string): void {
    const from = this.stateValue.state;
    if (from === state && this.stateValue.detail === detail) return;
    this.stateChanging(from, state);
    this.stateValue = { state, detail };
    this.emit('state', this.stateValue);
  }

  /** Called before a change of state is applied and emitted (for a subclass's bookkeeping). */
  protected stateChanging(_from: SessionState, _to: SessionState): void {
    // nothing by default
  }
}
