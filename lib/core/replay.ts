/**
 * The desired-state replay after each login, run by the route client (lib/core/route-client.ts) on
 * its backend's 'ready'. What the router holds of this client's then (ReadyInfo.clientRoutes:
 * gRPC num_client_routes; Thrift none, the router drops an application's routes with its session)
 * against what the route state knows of it (acknowledged and desired routes, and the routes it kept
 * without a record of them: `unaccounted`) decides what happens (docs/protocol.md §6):
 *  - the router holds nothing of ours: nothing is acknowledged any more; every desired route is
 *    asserted, and a route the router then says "exists" for is another's (another session's on
 *    Thrift, such as a node sharing the app id, or this node's own session that the router has not
 *    yet seen end): kept as desired, not acknowledged, not deleted by us, and added again, with a
 *    capped backoff, once the other's route is gone;
 *  - no more than the state knows: the acknowledged routes no longer desired are deleted, the
 *    desired ones asserted (gRPC RouteUpdate, Thrift RouteAdd);
 *  - more than the state knows, and the state is the node's record for this router (loaded, or
 *    started afresh on purpose after a re-point): the extra routes are nobody's intent (left under
 *    an earlier name of this router, or by a lost delete). RouteCleanup removes every route of this
 *    client id, and the desired routes are asserted in the very next request: a desired route is
 *    withdrawn for that one request at most;
 *  - more than the state knows and no record at all (a restart with the memory context store): the
 *    router's routes are kept (they are this client id's, and wanted when they were added), counted
 *    as `unaccounted`; an add answered "exists" then takes one of them as the node's.
 * Every call is sent once (`once`): a replay left unanswered (a drop, a deadline, a whole-call gRPC
 * status) is made again, whole, by a retry while the session stays up (lib/core/route-client.ts,
 * capped backoff) or by the next login.
 */
import type { OpOptions, ReadyInfo, RouteBackend, RouteReply } from './backend';
import { routeKey } from './route-set';
import type { RouteSpec } from './route-spec';
import { routerKeys, RouteState } from './route-state';

export interface ReplayReport {
  /** Routes asserted again. */
  routes: number;
  /** Of those, refused by the router (dropped from the desired set). */
  failed: number;
  /** Routes acknowledged earlier and no longer desired, deleted on the router. */
  removed: number;
  /** Routes of this client id the node had no record of, removed by RouteCleanup (absent when none). */
  cleaned?: number;
  /** Desired routes the router answered "exists" for and holds for another (absent when none). */
  held?: number;
}

/** What the replay needs of the route client. */
export interface ReplayHost {
  readonly backend: RouteBackend;
  readonly state: RouteState;
  /** Whether an add of this route key waits for its answer: that call makes the route. */
  adding(key: string): boolean;
  /** Starts collecting the keys that adds and deletes touch while the replay runs: their answers no longer speak for them. */
  track(): Set<string>;
  untrack(touched: Set<string>): void;
  /** Routes the router holds for this client id that it cannot name, on this session. */
  unknown: number;
  /** This route key is another's on the router: not adopted, not deleted by this node (true: newly known). */
  markForeign(key: string): boolean;
  /** Desired routes another holds on the router: added again once the other's route is gone. */
  holdBack(specs: RouteSpec[]): void;
  /**
   * 'desired' (save), 'replayed' (ReplayReport), 'replay-error' (spec, message), 'unaccounted'
   * (count: routes kept without a record), 'reconcile-failed' (count, message: RouteCleanup refused).
   */
  emit(event: string, ...args: unknown[]): boolean;
}

const keyOf = (r: { appId: string; table: string; prefix: string }): string => routeKey(r.appId, r.table, r.prefix);

/** What a reconcile pass left: whether every call got an answer. */
export interface ReconcileResult {
  /** Some route got no answer (a drop, a deadline, a whole-call status): a retry or the next login makes it. */
  interrupted: boolean;
  /** Nothing was left to delete or assert: no call was made. */
  idle?: boolean;
}

/**
 * After a login: what the router holds of ours against the state (RouteCleanup when it holds
 * routes the record cannot name), then {@link reconcile} whole. Resolves with the pass's result.
 */
export async function replay(host: ReplayHost, info: ReadyInfo): Promise<ReconcileResult> {
  const { backend, state } = host;
  const { desired, acknowledged } = state;
  const once: OpOptions = { once: true };
  let changed = false;
  const holdsNone = info.clientRoutes === undefined || info.clientRoutes === 0;
  let reconcileCount = 0;
  if (holdsNone) {
    for (const spec of acknowledged.list()) if (acknowledged.remove(spec.appId, spec.table, spec.prefix)) changed = true;
    host.unknown = 0;
  } else {
    const excess = (info.clientRoutes ?? 0) - routerKeys(acknowledged, desired);
    host.unknown = Math.max(0, excess);
    if (excess > state.unaccounted && state.recorded && backend.cleanup) reconcileCount = excess;
    else if (excess > state.unaccounted) host.emit('unaccounted', excess);
  }
  const unaccounted = reconcileCount > 0 ? state.unaccounted : host.unknown;
  if (state.unaccounted !== unaccounted) {
    state.unaccounted = unaccounted;
    changed = true;
  }
  // From now on the state is this router's record: what it does not know may be removed later.
  state.recorded = true;
  if (changed) host.emit('desired');
  const touched = host.track();
  const untouched = (spec: RouteSpec): boolean => !touched.has(keyOf(spec));
  let cleaned = 0;
  if (reconcileCount > 0) {
    const reply = await backend.cleanup!(once);
    if (reply.answered && reply.status !== 'failed') {
      // Every route of this client id is gone; the desired ones go back in the next request.
      for (const spec of acknowledged.list()) if (untouched(spec)) acknowledged.remove(spec.appId, spec.table, spec.prefix);
      host.unknown = 0;
      state.unaccounted = 0;
      cleaned = reconcileCount;
      host.emit('desired');
    } else {
      // Refused, or no answer: whether the routes went is not known. The desired ones are asserted
      // all the same (RouteUpdate makes them be, present or not); the next login reconciles again.
      host.emit('reconcile-failed', reconcileCount, reply.message);
    }
  }
  return reconcile(host, { whole: true, holdsNone, cleaned, touched });
}

/** One pass of {@link reconcile}. */
export interface ReconcilePass {
  /** Every desired route asserted (a replay, reported with 'replayed'), or only those not acknowledged (a retry). */
  whole: boolean;
  /** The router held none of this client's routes at the session's login: an "exists" at a whole pass is another's. */
  holdsNone: boolean;
  /** Routes RouteCleanup removed at this login (reported with 'replayed'). */
  cleaned?: number;
  /** The keys touched since the pass began (from host.track(), untracked here); a new set otherwise. */
  touched?: Set<string>;
}

/**
 * Deletes what the router holds for this client and the state no longer wants, then asserts the
 * desired routes: all of them (`whole`), or those the router has not acknowledged (a retry while
 * the session stays up, lib/core/route-client.ts). A retry leaves the routes another holds to
 * their own timer (holdBack), and takes an "exists" for a route this client sent and got no answer
 * for as its own (the unanswered call may have made it). A route the router refuses stops being
 * desired ('replay-error'). Every call is sent once (`once`): what is left unanswered is made by a
 * retry or by the next login.
 */
export async function reconcile(host: ReplayHost, pass: ReconcilePass): Promise<ReconcileResult> {
  const { backend, state } = host;
  const { desired, acknowledged } = state;
  const { whole, holdsNone } = pass;
  const cleaned = pass.cleaned ?? 0;
  const once: OpOptions = { once: true };
  const touched = pass.touched ?? host.track();
  const untouched = (spec: RouteSpec): boolean => !touched.has(keyOf(spec));
  const stale = acknowledged.list().filter((r) => !desired.has(r.appId, r.table, r.prefix) && !host.adding(keyOf(r)));
  // A route whose own add waits in the queue is made by that call, which reports the outcome.
  const specs = desired
    .list()
    .filter((r) => !host.adding(keyOf(r)) && (whole || (!acknowledged.has(r.appId, r.table, r.prefix) && !state.isForeign(keyOf(r)))));
  if (stale.length === 0 && specs.length === 0) {
    host.untrack(touched);
    if (whole && cleaned > 0) host.emit('replayed', { routes: 0, failed: 0, removed: 0, cleaned } satisfies ReplayReport);
    return { interrupted: false, idle: true };
  }
  const removing = stale.length > 0 ? backend.delete(stale, once) : Promise.resolve([] as RouteReply[]);
  const asserting = specs.length > 0 ? backend.assert(specs, once) : Promise.resolve([] as RouteReply[]);
  let removed: RouteReply[];
  let asserted: RouteReply[];
  try {
    [removed, asserted] = await Promise.all([removing, asserting]);
  } finally {
    host.untrack(touched);
  }
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
  const heldBack: RouteSpec[] = [];
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
      host.emit('replay-error', spec, r.message);
    } else if (r.status === 'unchanged' && whole && holdsNone && !acknowledged.has(spec.appId, spec.table, spec.prefix)) {
      // The router held none of ours at the login, yet the route exists and this client has not
      // made it since: another's (session, app, client).
      heldBack.push(spec);
      if (host.markForeign(keyOf(spec))) dirty = true;
    } else {
      if (acknowledged.set(spec)) dirty = true;
      if (!whole && state.clearForeign(keyOf(spec))) dirty = true;
    }
  });
  if (dirty) host.emit('desired');
  // An interrupted pass is made again (whole when it was a replay) by a retry or by the next login.
  if (interrupted) return { interrupted: true };
  if (whole) {
    const report: ReplayReport = { routes: specs.length, failed, removed: removedCount };
    if (cleaned > 0) report.cleaned = cleaned;
    if (heldBack.length > 0) {
      report.held = heldBack.length;
      host.holdBack(heldBack);
    }
    host.emit('replayed', report);
  }
  return { interrupted: false };
}
