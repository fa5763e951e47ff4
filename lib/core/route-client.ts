/**
 * Route programming on a JET backend, whichever API it speaks (lib/core/backend.ts): adds, deletes
 * and reads with the nodes' semantics, and the routes' state (lib/core/route-state.ts) kept in step
 * with the router across sessions:
 *  - an add records its intent before the call; an add that gets no answer for its route (session
 *    down, deadline, queue full, a gRPC status of the whole call, a sub-code such as TRY_AGAIN
 *    that says nothing about the route) stays desired, because the router will not send the event
 *    again: it is made at the next login, or, while the session stays up, by a retry (capped
 *    backoff); a route the router refuses (a code that says the route itself is invalid) is not
 *    desired, unless the router had confirmed that route to this client before;
 *  - a delete stops the route being desired at once, whatever the answer; the route stays
 *    acknowledged until the router confirms it gone, and a delete left unanswered is retried;
 *  - an older call's answer never overrides a newer intent for the same route;
 *  - after every login the desired routes are asserted again and the router's routes of this client
 *    reconciled with the state (lib/core/replay.ts); a replay left unanswered while the session
 *    stays up is made again, whole, by the retry, and routes left unanswered by an add or delete
 *    alone (lib/core/replay.ts reconcile()).
 * Ownership (docs/protocol.md §6) is what this client added and the router acknowledged, never what
 * RouteGet shows (a lookup in the routing table: every protocol's routes, no owner named). An add
 * answered "exists" (gRPC ROUTE_EXISTS, Thrift err 2) for a route this client never had is:
 *  - this client's, while the router holds routes of this client id that the state cannot name
 *    (num_client_routes above what it knows, kept without a record): adopted, desired and acknowledged;
 *  - another's otherwise (another session, app, client or protocol): left as it is, not recorded as
 *    desired (unless it already was), never deleted by this node (a later delete of it is not sent:
 *    on Thrift a RouteDelete names the app id, and would take another session's route), reported.
 * A retry's "exists" for a route this client sent and got no answer for is this client's: the
 * unanswered call may have made it (routes another holds at a replay are left to their own timer).
 * Add with verify reports the route RouteGet returns whose next hops and preference are this
 * client's acknowledged ones, or says that none is.
 */
import { EventEmitter } from 'events';
import { routeKey } from './route-set';
import type { InstalledRoute, RouteBackend, RouteReply } from './backend';
import { API_LABEL, ReadyInfo } from './backend';
import { noChangeMessage, RouteStatus } from './route-status';
import { DEFAULT_METRIC, RouteSpec } from './route-spec';
import { readBack } from './read-back';
import { RouteState } from './route-state';
import { backoffDelay, BackoffOptions } from './reconnect';
import { reconcile, ReconcileResult, replay, ReplayHost, ReplayReport } from './replay';

export type { InstalledRoute };

export interface RouteOutcome {
  prefix: string;
  table: string;
  status: RouteStatus;
  /** The router's code (Thrift err_code, gRPC sub_code); null when no reply came. */
  errCode: number | null;
  message: string;
  /** Next hops the router reports as installed (add with verify). */
  installed?: string[];
  /** Set when the route's metric was not sent: the API has none (gRPC). */
  metricSent?: false;
  /** Something the user should know beyond the status (the node logs it as a warning). */
  warning?: string;
}

export type { ReplayReport };

/** Adding again a desired route another holds: first after this, then twice as long each time, up to the cap. */
export interface HeldRetryOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_HELD_RETRY: HeldRetryOptions = { initialMs: 15000, maxMs: 300000 };

/** How a retry of unanswered routes backs off while the session stays up: 1 s, doubling, capped at 60 s. */
export const RETRY_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 60000, factor: 2, jitter: 0.2 };

export interface JetRoutesOptions {
  /** How the routes the router left unanswered while the session is up are sent again (default {@link RETRY_BACKOFF}). */
  retry?: BackoffOptions;
  /** How desired routes another holds at a replay are added again (default {@link DEFAULT_HELD_RETRY}). */
  held?: HeldRetryOptions;
}

const keyOf = (r: { appId: string; table: string; prefix: string }): string => routeKey(r.appId, r.table, r.prefix);

/**
 * Events: 'desired' (the state changed: save it), 'replayed' (ReplayReport), 'replay-error'
 * (RouteSpec, message: a desired route the router refused at a replay; dropped), 'unaccounted'
 * (count: routes of this client id kept without a record of them), 'reconcile-failed' (count,
 * message: the router refused to remove the routes of this client id the node has no record of).
 */
export class JetRoutes extends EventEmitter {
  private readonly onReady = (info: ReadyInfo): void => {
    this.cancelHeld();
    // A login replays everything: a retry scheduled before it has nothing left to do.
    this.cancelRetry();
    this.retryStep = 0;
    this.holdsNone = info.clientRoutes === undefined || info.clientRoutes === 0;
    this.passDone(replay(this.replayHost, info), true);
  };
  /** Adds waiting for their answer, by route key: the replay leaves them to their own call. */
  private readonly adding = new Map<string, number>();
  /**
   * The latest add or delete of each route key with a call still running: an older call's answer
   * changes no intent. Only keys with a running call are kept, so memory follows what is in
   * flight, not every prefix ever programmed.
   */
  private readonly running = new Map<string, { serial: number; calls: number }>();
  /** The keys touched by an add or delete while each replay runs: its answers no longer speak for them. */
  private readonly replays = new Set<Set<string>>();
  private serial = 0;
  /** Routes the router holds for this client id that the state cannot name, on this session (lib/core/replay.ts). */
  private unknown = 0;
  /** The router held none of this client's routes at this session's login (lib/core/replay.ts). */
  private holdsNone = true;
  private readonly replayHost: ReplayHost;
  /** The next try to add the desired routes another held at the last replay (lib/core/replay.ts). */
  private heldTimer: NodeJS.Timeout | null = null;
  /** Counts holdBack() and cancelHeld(): an answer of an older try schedules nothing. */
  private heldRound = 0;
  /** The retry of unanswered routes while the session stays up: its timer, its backoff step, whether one runs. */
  private retryTimer: NodeJS.Timeout | null = null;
  private retryStep = 0;
  private retrying = false;
  private retryAgain = false;
  /** A replay after a login was left unanswered while the session stayed up: the retry makes it whole. */
  private replayOwed = false;
  private disposed = false;
  private readonly heldRetry: HeldRetryOptions;

  constructor(
    readonly backend: RouteBackend,
    readonly state: RouteState,
    readonly options: JetRoutesOptions = {},
  ) {
    super();
    this.heldRetry = options.held ?? DEFAULT_HELD_RETRY;
    const self = this;
    this.replayHost = {
      backend,
      state,
      adding: (key) => this.adding.has(key),
      track: () => {
        const touched = new Set<string>();
        this.replays.add(touched);
        return touched;
      },
      untrack: (touched) => {
        this.replays.delete(touched);
      },
      get unknown(): number {
        return self.unknown;
      },
      set unknown(n: number) {
        self.unknown = n;
      },
      markForeign: (key) => this.state.markForeign(key),
      holdBack: (specs) => this.holdBack(specs, this.heldRetry.initialMs),
      emit: (event, ...args) => this.emit(event, ...args),
    };
    backend.on('ready', this.onReady);
  }

  get desired(): RouteState['desired'] {
    return this.state.desired;
  }

  /** Stops listening to the backend (the backend itself is closed by its owner). */
  dispose(): void {
    this.disposed = true;
    this.cancelHeld();
    this.cancelRetry();
    this.backend.off('ready', this.onReady);
    this.removeAllListeners();
  }

  /**
   * Desired routes the router answered "exists" for at the replay while it held none of this
   * client's: another's (another session's, perhaps this node's own old one, not yet dropped).
   * Added again after `delayMs`, then twice as long each time up to the cap, while they are still
   * desired, not this client's and held; until the next login, which replays anew.
   */
  private holdBack(specs: RouteSpec[], delayMs: number): void {
    this.cancelHeld();
    const round = this.heldRound;
    this.heldTimer = setTimeout(() => {
      this.heldTimer = null;
      const { desired, acknowledged } = this.state;
      const still = specs.filter((s) => desired.has(s.appId, s.table, s.prefix) && !acknowledged.has(s.appId, s.table, s.prefix) && !this.adding.has(keyOf(s)));
      if (still.length === 0) return;
      void this.backend.add(still, { once: true }).then((replies) => {
        let changed = false;
        const held: RouteSpec[] = [];
        still.forEach((spec, i) => {
          const r = replies[i];
          if (r.answered && r.status === 'added') {
            if (acknowledged.set(spec)) changed = true;
            if (this.state.clearForeign(keyOf(spec))) changed = true;
          } else if (r.answered && r.status === 'unchanged') {
            held.push(spec);
          }
        });
        if (changed) this.emit('desired');
        if (held.length > 0 && round === this.heldRound) this.holdBack(held, Math.min(this.heldRetry.maxMs, delayMs * 2));
      });
    }, delayMs);
  }

  private cancelHeld(): void {
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = null;
    this.heldRound++;
  }

  /** Adds routes (batched by the backend); one outcome per spec, in order. Never rejects. */
  async add(specs: readonly RouteSpec[], verify = false): Promise<RouteOutcome[]> {
    const keys = specs.map(keyOf);
    try {
      return await this.addRoutes(specs, keys, verify);
    } finally {
      for (const key of keys) this.end(key);
    }
  }

  private async addRoutes(specs: readonly RouteSpec[], keys: readonly string[], verify: boolean): Promise<RouteOutcome[]> {
    const { desired, acknowledged } = this.state;
    let changed = false;
    const calls = specs.map((spec, i) => {
      const key = keys[i];
      const mine = this.begin(key);
      const known = desired.get(spec.appId, spec.table, spec.prefix);
      if (!known && desired.set(spec)) changed = true;
      this.adding.set(key, (this.adding.get(key) ?? 0) + 1);
      return { spec, key, mine, known };
    });
    if (changed) this.emit('desired');
    let replies: RouteReply[];
    try {
      replies = await this.backend.add(specs);
    } finally {
      for (const { key } of calls) {
        const n = (this.adding.get(key) ?? 1) - 1;
        if (n > 0) this.adding.set(key, n);
        else this.adding.delete(key);
      }
    }
    changed = false;
    const outcomes = calls.map(({ spec, key, mine, known }, i): RouteOutcome => {
      const reply = replies[i];
      const outcome = this.outcome(spec, reply);
      const current = this.isLatest(key, mine);
      if (!reply.answered) {
        outcome.message += this.unansweredNote();
      } else if (reply.status === 'added') {
        if (this.state.clearForeign(key)) changed = true;
        if (current && desired.set(spec)) changed = true;
        if (acknowledged.set(spec)) changed = true;
      } else if (reply.status === 'failed') {
        // Refused: not an intent, unless the router had confirmed this route to us before.
        if (current && !acknowledged.has(spec.appId, spec.table, spec.prefix) && desired.remove(spec.appId, spec.table, spec.prefix)) changed = true;
      } else if (!acknowledged.has(spec.appId, spec.table, spec.prefix)) {
        if (this.existing(spec, key, current, known, outcome)) changed = true;
      } else if (known && JSON.stringify(known.nexthops) !== JSON.stringify(spec.nexthops)) {
        outcome.message += `; it stays via ${known.nexthops.join(', ')}: delete it first to change its next hops`;
      }
      return outcome;
    });
    if (changed) this.emit('desired');
    this.retryUnanswered(replies);
    if (verify) await Promise.all(outcomes.map((outcome, i) => (outcome.status === 'failed' ? undefined : readBack(this.backend, this.state.acknowledged, specs[i], outcome))));
    return outcomes;
  }

  /**
   * An add answered "exists" for a route this client has not acknowledged: its own only while the
   * router holds routes of this client id that the state cannot name (then adopted); another's
   * otherwise (reported; not recorded as desired unless it was; never deleted by this node).
   * True when the state changed.
   */
  private existing(spec: RouteSpec, key: string, current: boolean, known: RouteSpec | undefined, outcome: RouteOutcome): boolean {
    const { desired, acknowledged } = this.state;
    let changed = false;
    if (this.unknown > 0) {
      this.unknown--;
      if (this.state.unaccounted > 0) this.state.unaccounted--;
      if (acknowledged.set(known ?? spec)) changed = true;
      if (current && !known && desired.set(spec)) changed = true;
      outcome.message += "; taken as this client's: the router holds routes of this client id that this node had no record of";
      return true;
    }
    if (this.state.markForeign(key)) changed = true;
    if (current && !known && desired.remove(spec.appId, spec.table, spec.prefix)) changed = true;
    const whose = `app id ${spec.appId}${this.backend.api === 'grpc' ? ', this client id' : ''}`;
    const intent = known ? 'still desired: added again at the next login' : 'not recorded as desired';
    const warning = `${spec.table} ${spec.prefix} exists on the router but is not this node's route (${whose}): left as it is, ${intent}, never deleted by this node`;
    outcome.message += `; ${warning}`;
    outcome.warning = warning;
    return changed;
  }

  /**
   * Deletes routes; they stop being desired at once, whatever the answer. A route known to be
   * another's (this node's add of it was answered "exists") is not sent: `unchanged`, with a
   * warning. Never rejects.
   */
  async delete(specs: readonly RouteSpec[]): Promise<RouteOutcome[]> {
    const { desired, acknowledged } = this.state;
    let changed = false;
    const serials = specs.map((spec) => {
      const mine = this.begin(keyOf(spec));
      if (desired.remove(spec.appId, spec.table, spec.prefix)) changed = true;
      return mine;
    });
    if (changed) this.emit('desired');
    const others = specs.map((spec) => this.state.isForeign(keyOf(spec)) && !acknowledged.has(spec.appId, spec.table, spec.prefix));
    const sent = specs.filter((_, i) => !others[i]);
    let answers: RouteReply[];
    try {
      answers = sent.length > 0 ? await this.backend.delete(sent) : [];
    } catch (err) {
      for (const spec of specs) this.end(keyOf(spec));
      throw err;
    }
    let next = 0;
    const kept: RouteReply = { status: 'unchanged', code: null, codeName: '', message: noChangeMessage("another's route: not deleted by this node"), answered: true };
    const replies = specs.map((_, i) => (others[i] ? kept : answers[next++]));
    changed = false;
    const outcomes = specs.map((spec, i) => {
      const reply = replies[i];
      // Gone from the router (deleted, or not there): no longer ours to clean up at a later login.
      if (reply.answered && reply.status !== 'failed' && this.isLatest(keyOf(spec), serials[i])) {
        if (acknowledged.remove(spec.appId, spec.table, spec.prefix)) changed = true;
        else if (reply.status === 'deleted' && this.unknown > 0) {
          // One of the routes the router held for this client id without a record of it.
          this.unknown--;
          if (this.state.unaccounted > 0) this.state.unaccounted--;
          changed = true;
        }
      }
      const outcome = this.outcome(spec, reply);
      if (others[i]) {
        outcome.warning = `${spec.table} ${spec.prefix} is another's route on the router (this node's add of it was answered "exists"): not deleted by this node`;
        outcome.message += `; ${outcome.warning}`;
        return outcome;
      }
      const apps = desired.otherApps(spec.appId, spec.table, spec.prefix);
      if (apps.length > 0 && reply.status === 'unchanged') {
        // The router keys a route by (table, prefix); this delete named another app id than the add did.
        outcome.warning = `${spec.table} ${spec.prefix} is desired under app id ${apps.join(', ')}, not ${spec.appId}: this delete left that route in place (use the same app id as the add)`;
        outcome.message += `; ${outcome.warning}`;
      }
      return outcome;
    });
    for (const spec of specs) this.end(keyOf(spec));
    if (changed) this.emit('desired');
    this.retryUnanswered(replies);
    return outcomes;
  }

  /** Words for an add's outcome when the router did not answer for its route. */
  private unansweredNote(): string {
    return this.backend.status.state === 'connected' ? ' (still desired: it is sent again shortly)' : ' (still desired: it is added when the session is back)';
  }

  /**
   * Some routes got no answer: while the session is up, the routes desired and not acknowledged
   * are asserted again, and those acknowledged and no longer desired deleted, after a capped
   * backoff (the next login's replay does it otherwise).
   */
  private retryUnanswered(replies: readonly RouteReply[]): void {
    if (replies.some((r) => !r.answered)) this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.disposed || this.backend.status.state !== 'connected') return;
    if (this.retrying) {
      this.retryAgain = true;
      return;
    }
    if (this.retryTimer) return;
    const delay = backoffDelay(this.retryStep++, this.options.retry ?? RETRY_BACKOFF);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.retry();
    }, delay);
  }

  private retry(): void {
    if (this.disposed || this.backend.status.state !== 'connected') return;
    this.retrying = true;
    this.retryAgain = false;
    const whole = this.replayOwed;
    this.passDone(reconcile(this.replayHost, { whole, holdsNone: this.holdsNone }), whole, () => {
      this.retrying = false;
      if (this.retryAgain) this.scheduleRetry();
    });
  }

  private cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /**
   * A replay's or a retry's pass (lib/core/replay.ts) is over: what it left unanswered is retried
   * while the session stays up (whole when it was a replay), or made by the next login. `done`
   * runs when the answers are in.
   */
  private passDone(pass: Promise<ReconcileResult>, whole: boolean, done?: () => void): void {
    pass.then(
      ({ interrupted, idle }) => {
        if (interrupted) {
          if (whole) this.replayOwed = true;
          done?.();
          this.scheduleRetry();
          return;
        }
        if (!idle) this.retryStep = 0;
        if (whole) this.replayOwed = false;
        done?.();
      },
      (err: Error) => {
        this.emit('reconcile-failed', 0, err.message);
        done?.();
      },
    );
  }

  /** A call for `key` starts: it is now the latest for that route. */
  private begin(key: string): number {
    const mine = ++this.serial;
    const entry = this.running.get(key);
    if (entry) {
      entry.serial = mine;
      entry.calls++;
    } else {
      this.running.set(key, { serial: mine, calls: 1 });
    }
    for (const touched of this.replays) touched.add(key);
    return mine;
  }

  private end(key: string): void {
    const entry = this.running.get(key);
    if (entry && --entry.calls === 0) this.running.delete(key);
  }

  private isLatest(key: string, mine: number): boolean {
    return this.running.get(key)?.serial === mine;
  }

  /** Route keys with an add or delete still running (for the leak checks of the bench and tests). */
  get runningKeys(): number {
    return this.running.size;
  }

  /** The routes at `table`/`prefix` as the router's lookup returns them: every protocol's, no owner named. */
  get(appId: string, table: string, prefix: string): Promise<InstalledRoute[]> {
    return this.backend.get(appId, table, prefix);
  }

  private outcome(spec: RouteSpec, reply: RouteReply): RouteOutcome {
    const outcome: RouteOutcome = { prefix: spec.prefix, table: spec.table, status: reply.status, errCode: reply.code, message: reply.message };
    if (!this.backend.carriesMetric && spec.metric !== DEFAULT_METRIC) {
      outcome.metricSent = false;
      outcome.message += `; metric ${spec.metric} not sent: ${API_LABEL[this.backend.api]} JET has no route metric`;
    }
    return outcome;
  }
}
