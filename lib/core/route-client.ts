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
 *  - after every login the desired routes are asserted again (gRPC RouteUpdate, Thrift RouteAdd)
 *    and, where the router kept this client's routes (gRPC, num_client_routes > 0), the routes it
 *    acknowledged and that are no longer desired are deleted.
 */
import { EventEmitter } from 'events';
import { routeKey } from './route-set';
import type { InstalledRoute, OpOptions, RouteBackend, RouteReply } from './backend';
import { API_LABEL, ReadyInfo } from './backend';
import type { RouteStatus } from './route-status';
import { DEFAULT_METRIC, RouteSpec } from './route-spec';
import { RouteState } from './route-state';
import { backoffDelay, BackoffOptions } from './reconnect';

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

export interface ReplayReport {
  /** Routes asserted again. */
  routes: number;
  /** Of those, refused by the router (dropped from the desired set). */
  failed: number;
  /** Routes acknowledged earlier and no longer desired, deleted on the router. */
  removed: number;
}

/** How a retry of unanswered routes backs off while the session stays up: 1 s, doubling, capped at 60 s. */
export const RETRY_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 60000, factor: 2, jitter: 0.2 };

export interface JetRoutesOptions {
  /** How the routes the router left unanswered while the session is up are sent again (default {@link RETRY_BACKOFF}). */
  retry?: BackoffOptions;
}

const keyOf = (r: { appId: string; table: string; prefix: string }): string => routeKey(r.appId, r.table, r.prefix);

/**
 * Events: 'desired' (the state changed: save it), 'replayed' (ReplayReport), 'replay-error'
 * (RouteSpec, message: a desired route the router refused at a replay; dropped).
 */
export class JetRoutes extends EventEmitter {
  private readonly onReady = (info: ReadyInfo): void => this.replay(info);
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
  /** The retry of unanswered routes while the session stays up: its timer, its backoff step, whether one runs. */
  private retryTimer: NodeJS.Timeout | null = null;
  private retryStep = 0;
  private retrying = false;
  private retryAgain = false;
  /** A replay after a login was left unanswered while the session stayed up: the retry makes it whole. */
  private replayOwed = false;
  private disposed = false;

  constructor(
    readonly backend: RouteBackend,
    readonly state: RouteState,
    readonly options: JetRoutesOptions = {},
  ) {
    super();
    backend.on('ready', this.onReady);
  }

  get desired(): RouteState['desired'] {
    return this.state.desired;
  }

  /** Stops listening to the backend (the backend itself is closed by its owner). */
  dispose(): void {
    this.disposed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.backend.off('ready', this.onReady);
    this.removeAllListeners();
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
        if (current && desired.set(spec)) changed = true;
        if (acknowledged.set(spec)) changed = true;
      } else if (reply.status === 'failed') {
        // Refused: not an intent, unless the router had confirmed this route to us before.
        if (current && !acknowledged.has(spec.appId, spec.table, spec.prefix) && desired.remove(spec.appId, spec.table, spec.prefix)) changed = true;
      } else if (known && JSON.stringify(known.nexthops) !== JSON.stringify(spec.nexthops)) {
        outcome.message += `; it stays via ${known.nexthops.join(', ')}: delete it first to change its next hops`;
      }
      return outcome;
    });
    if (changed) this.emit('desired');
    this.retryUnanswered(replies);
    await this.confirmExisting(calls, replies, outcomes);
    if (verify) {
      await Promise.all(
        outcomes.map(async (outcome, i) => {
          if (outcome.status === 'failed') return;
          const spec = specs[i];
          try {
            const [installed] = await this.backend.get(spec.appId, spec.table, spec.prefix);
            outcome.installed = installed ? installed.nexthops : [];
          } catch (err) {
            outcome.message += ` (read back failed: ${(err as Error).message})`;
          }
        }),
      );
    }
    return outcomes;
  }

  /**
   * An add answered "exists" for a route the router never confirmed to us: the route may be
   * another application's (Thrift: another app id; gRPC: another client). Only a route the
   * router reports as ours (RouteGet with our app id / client id) becomes an intent; another's
   * is left alone, and neither replayed nor later deleted by us.
   */
  private async confirmExisting(
    calls: ReadonlyArray<{ spec: RouteSpec; key: string; mine: number; known: RouteSpec | undefined }>,
    replies: readonly RouteReply[],
    outcomes: RouteOutcome[],
  ): Promise<void> {
    const { desired, acknowledged } = this.state;
    // Indexed only for the few unsure ones: this runs after every add.
    const unsure: Array<(typeof calls)[number] & { i: number }> = [];
    calls.forEach((c, i) => {
      if (replies[i].answered && replies[i].status === 'unchanged' && !acknowledged.has(c.spec.appId, c.spec.table, c.spec.prefix)) unsure.push({ ...c, i });
    });
    if (unsure.length === 0) return;
    let changed = false;
    await Promise.all(
      unsure.map(async ({ spec, key, mine, known, i }) => {
        let ours: boolean;
        try {
          ours = (await this.backend.get(spec.appId, spec.table, spec.prefix)).length > 0;
        } catch (err) {
          outcomes[i].message += ` (could not check whose route it is: ${(err as Error).message}; kept as desired)`;
          return;
        }
        if (ours) {
          if (acknowledged.set(known ?? spec)) changed = true;
          return;
        }
        const current = this.isLatest(key, mine);
        if (current && !known && desired.remove(spec.appId, spec.table, spec.prefix)) changed = true;
        const warning = `${spec.table} ${spec.prefix} exists on the router but is not this node's route (app id ${spec.appId}${this.backend.api === 'grpc' ? ', this client id' : ''}): left as it is, not recorded as desired`;
        outcomes[i].message += `; ${warning}`;
        outcomes[i].warning = warning;
      }),
    );
    if (changed) this.emit('desired');
  }

  /** Deletes routes; they stop being desired at once, whatever the answer. Never rejects. */
  async delete(specs: readonly RouteSpec[]): Promise<RouteOutcome[]> {
    const { desired, acknowledged } = this.state;
    let changed = false;
    const serials = specs.map((spec) => {
      const mine = this.begin(keyOf(spec));
      if (desired.remove(spec.appId, spec.table, spec.prefix)) changed = true;
      return mine;
    });
    if (changed) this.emit('desired');
    let replies: RouteReply[];
    try {
      replies = await this.backend.delete(specs);
    } catch (err) {
      for (const spec of specs) this.end(keyOf(spec));
      throw err;
    }
    changed = false;
    const outcomes = specs.map((spec, i) => {
      const reply = replies[i];
      // Gone from the router (deleted, or not there): no longer ours to clean up at a later login.
      if (reply.answered && reply.status !== 'failed' && this.isLatest(keyOf(spec), serials[i])) {
        if (acknowledged.remove(spec.appId, spec.table, spec.prefix)) changed = true;
      }
      const outcome = this.outcome(spec, reply);
      const others = desired.otherApps(spec.appId, spec.table, spec.prefix);
      if (others.length > 0 && reply.status === 'unchanged') {
        // The router keys a route by (table, prefix); this delete named another app id than the add did.
        outcome.warning = `${spec.table} ${spec.prefix} is desired under app id ${others.join(', ')}, not ${spec.appId}: this delete left that route in place (use the same app id as the add)`;
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
    this.reconcile(this.replayOwed, () => {
      this.retrying = false;
      if (this.retryAgain) this.scheduleRetry();
    });
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

  /** The installed route of `appId` at `table`/`prefix`, as the router reports it. */
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

  /**
   * After a login: deletes what the router kept for us and we no longer want, then asserts every
   * desired route. Its calls are never sent again on a later session (`once`): that session's
   * login replays the state as it is then. A desired route the router refuses is dropped (and
   * reported once), not sent again at every login.
   */
  private replay(info: ReadyInfo): void {
    const { acknowledged } = this.state;
    // A login replays everything: a retry scheduled before it has nothing left to do.
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryStep = 0;
    if (info.clientRoutes === undefined || info.clientRoutes === 0) {
      // The router kept nothing of ours (Thrift drops an app's routes with its session).
      let changed = false;
      for (const spec of acknowledged.list()) if (acknowledged.remove(spec.appId, spec.table, spec.prefix)) changed = true;
      if (changed) this.emit('desired');
    }
    this.reconcile(true);
  }

  /**
   * Deletes what the router holds for us and we no longer want, then asserts the desired routes:
   * all of them (`whole`: a replay, reported with 'replayed' once every route got an answer), or
   * those the router has not acknowledged (a retry). Routes left unanswered while the session
   * stays up are retried; `done` runs when the answers are in.
   */
  private reconcile(whole: boolean, done?: () => void): void {
    const { desired, acknowledged } = this.state;
    const once: OpOptions = { once: true };
    const stale = acknowledged.list().filter((r) => !desired.has(r.appId, r.table, r.prefix) && !this.adding.has(keyOf(r)));
    // A route whose own add waits in the queue is made by that call, which reports the outcome.
    const specs = desired.list().filter((r) => !this.adding.has(keyOf(r)) && (whole || !acknowledged.has(r.appId, r.table, r.prefix)));
    if (stale.length === 0 && specs.length === 0) {
      if (whole) this.replayOwed = false;
      done?.();
      return;
    }
    const touched = new Set<string>();
    this.replays.add(touched);
    const untouched = (spec: RouteSpec): boolean => !touched.has(keyOf(spec));
    const removing = stale.length > 0 ? this.backend.delete(stale, once) : Promise.resolve([] as RouteReply[]);
    const asserting = specs.length > 0 ? this.backend.assert(specs, once) : Promise.resolve([] as RouteReply[]);
    Promise.all([removing, asserting]).then(([removed, asserted]) => {
      this.replays.delete(touched);
      let dirty = false;
      let interrupted = false;
      let removedCount = 0;
      stale.forEach((spec, i) => {
        const r = removed[i];
        if (!r.answered) interrupted = true;
        else if (r.status !== 'failed' && untouched(spec)) {
          if (r.status === 'deleted') removedCount++;
          if (acknowledged.remove(spec.appId, spec.table, spec.prefix)) dirty = true;
        }
      });
      let failed = 0;
      specs.forEach((spec, i) => {
        const r = asserted[i];
        if (!r.answered) {
          interrupted = true;
          return;
        }
        if (!untouched(spec)) return;
        if (r.status === 'failed') {
          // The router says the route itself is invalid: no longer an intent.
          failed++;
          if (desired.remove(spec.appId, spec.table, spec.prefix)) dirty = true;
          acknowledged.remove(spec.appId, spec.table, spec.prefix);
          this.emit('replay-error', spec, r.message);
        } else if (acknowledged.set(spec)) {
          dirty = true;
        }
      });
      if (dirty) this.emit('desired');
      if (interrupted) {
        // Made again by the next login or, while this session stays up, by a retry (whole when it was a replay).
        if (whole) this.replayOwed = true;
        done?.();
        this.scheduleRetry();
        return;
      }
      this.retryStep = 0;
      if (whole) {
        this.replayOwed = false;
        this.emit('replayed', { routes: specs.length, failed, removed: removedCount } satisfies ReplayReport);
      }
      done?.();
    });
  }
}
