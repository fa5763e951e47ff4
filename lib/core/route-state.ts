/**
 * What a router node remembers of its routes, as one plain JSON value for a context store:
 *  - `desired`: the intents (every route added and not deleted since), replayed after each login;
 *  - `acknowledged`: the routes this client added and the router confirmed to it (answered "added",
 *    or "exists" to this client's own add while the router holds routes of this client id it has no
 *    record of: lib/core/route-client.ts). This is what the node owns, and nothing else: a RouteGet
 *    answer names no owner (docs/protocol.md §6). On gRPC the router keeps a client's routes across
 *    sessions (purge timer), so after a login the routes acknowledged and no longer desired are
 *    deleted: a delete that never got its answer must not leave the route on the router;
 *  - `router`: whose routes they are (api, host, port). State saved for another router is not
 *    replayed: a user who moves a node from the lab router to production must not see the lab's
 *    routes appear there;
 *  - `unaccounted` (gRPC): how many routes the router holds for this client id that the node has no
 *    record of and keeps (its record was lost: a restart with the memory context store);
 *  - `foreign`: the route keys this node's add of was answered "exists" for another's route: never
 *    deleted by this node (a Thrift RouteDelete names the app id, and would take another session's);
 *  - `retired` (gRPC): for each earlier identity of the node (another host, port or API), the routes
 *    it had there, to be deleted there (lib/core/retire.ts) and kept as a to-delete list until that
 *    router is reachable. Thrift needs none: the router drops an application's routes with its session.
 * Every earlier format is still read: v1 (a bare array of desired routes, from the Thrift-only
 * versions) and v2 (`{v: 2, router, desired, acknowledged}`).
 */
import { DesiredRoutes, routeKey } from './route-set';
import type { JetApi } from './backend';
import type { RouteSpec } from './route-spec';

export const ROUTE_STATE_VERSION = 3;
/** Earlier identities whose routes wait to be deleted, at most (the oldest list goes first). */
export const MAX_RETIRED = 8;
/** Route keys known to be another's, remembered at most (the oldest go first). */
export const MAX_FOREIGN = 10000;

export interface RouterIdentity {
  api: JetApi;
  host: string;
  port: number;
}

/** The routes a node had on an earlier router identity, to delete there. */
export interface RetiredRoutes {
  router: RouterIdentity;
  routes: DesiredRoutes;
  /** When the node left that identity (ms since the epoch). */
  since: number;
}

interface StoredRetired {
  router: RouterIdentity;
  routes: unknown;
  since: number;
}

export interface StoredRouteState {
  v: number;
  router: RouterIdentity;
  desired: unknown;
  acknowledged: unknown;
  unaccounted?: number;
  retired?: StoredRetired[];
  foreign?: string[];
}

export function sameRouter(a: RouterIdentity, b: RouterIdentity): boolean {
  return a.api === b.api && a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port;
}

export function describeRouter(r: RouterIdentity): string {
  return `${r.api} ${r.host}:${r.port}`;
}

function identityOf(value: unknown): RouterIdentity | null {
  const r = value as Partial<RouterIdentity> | undefined | null;
  return r && (r.api === 'grpc' || r.api === 'thrift') && typeof r.host === 'string' && typeof r.port === 'number' ? { api: r.api, host: r.host, port: r.port } : null;
}

export interface RouteStateParts {
  unaccounted?: number;
  retired?: RetiredRoutes[];
  foreign?: readonly string[];
  /** See {@link RouteState.recorded}; default false (a state made afresh is nobody's record yet). */
  recorded?: boolean;
}

export class RouteState {
  /** The JSON form, kept in step: saving after every change stays O(1). */
  private readonly json: StoredRouteState;
  private unaccountedValue = 0;
  private retiredValue: RetiredRoutes[];
  private readonly foreignKeys: Set<string>;
  /**
   * Whether this state is the node's record of its routes on this router: loaded from the store,
   * or started afresh on purpose (the node was re-pointed). Only then may routes of this client id
   * that it does not know be removed from the router. False when nothing was stored: a first
   * deploy, or a restart with the memory context store, whose routes the router still holds.
   */
  recorded: boolean;

  constructor(
    readonly router: RouterIdentity,
    readonly desired = new DesiredRoutes(),
    readonly acknowledged = new DesiredRoutes(),
    parts: RouteStateParts = {},
  ) {
    this.json = { v: ROUTE_STATE_VERSION, router, desired: desired.toJSON(), acknowledged: acknowledged.toJSON() };
    this.recorded = parts.recorded ?? false;
    this.retiredValue = [...(parts.retired ?? [])];
    this.foreignKeys = new Set((parts.foreign ?? []).slice(-MAX_FOREIGN));
    this.unaccounted = parts.unaccounted ?? 0;
    this.syncRetired();
    this.syncForeign();
  }

  /** Whether the route key (lib/core/route-set.ts routeKey) is known to be another's on the router. */
  isForeign(key: string): boolean {
    return this.foreignKeys.has(key);
  }

  /** Records a route key as another's (its add was answered "exists"); true when it was not yet. */
  markForeign(key: string): boolean {
    if (this.foreignKeys.has(key)) return false;
    this.foreignKeys.add(key);
    if (this.foreignKeys.size > MAX_FOREIGN) this.foreignKeys.delete(this.foreignKeys.values().next().value as string);
    this.syncForeign();
    return true;
  }

  /** Forgets that a route key is another's (this node's add of it succeeded); true when it was known. */
  clearForeign(key: string): boolean {
    if (!this.foreignKeys.delete(key)) return false;
    this.syncForeign();
    return true;
  }

  /** Rare (an "exists" answer, or an add of such a route): the array is built anew. */
  private syncForeign(): void {
    if (this.foreignKeys.size === 0) delete this.json.foreign;
    else this.json.foreign = [...this.foreignKeys];
  }

  toJSON(): StoredRouteState {
    return this.json;
  }

  /** Routes the router holds for this client id that this node has no record of and keeps (gRPC). */
  get unaccounted(): number {
    return this.unaccountedValue;
  }

  set unaccounted(n: number) {
    this.unaccountedValue = Math.max(0, Math.floor(n) || 0);
    if (this.unaccountedValue > 0) this.json.unaccounted = this.unaccountedValue;
    else delete this.json.unaccounted;
  }

  /** The to-delete lists of earlier identities (see the file comment). */
  get retired(): readonly RetiredRoutes[] {
    return this.retiredValue;
  }

  /** Forgets a to-delete list: its routes are deleted, or no longer this node's to delete. */
  dropRetired(entry: RetiredRoutes): void {
    this.retiredValue = this.retiredValue.filter((e) => e !== entry);
    this.syncRetired();
  }

  private syncRetired(): void {
    if (this.retiredValue.length === 0) delete this.json.retired;
    else this.json.retired = this.retiredValue.map((e) => ({ router: e.router, routes: e.routes.toJSON(), since: e.since }));
  }

  /**
   * Reads a stored state for `router`. `rejected` counts entries that no longer validate;
   * `foreign` is set when the state belongs to another router: then none of its intents is taken,
   * and its routes on a gRPC router become that identity's to-delete list (`retiring` of them).
   * A state of the old format (a bare array) has no identity: it was written by a Thrift-only
   * version, so it belongs to `router` when that is a Thrift router, and is foreign otherwise.
   * A to-delete list of `router` itself (the node comes back to it) becomes acknowledged routes:
   * this client's routes there, deleted at the next login unless desired.
   */
  static fromJSON(
    stored: unknown,
    router: RouterIdentity,
    now = Date.now(),
  ): { state: RouteState; rejected: number; foreign?: { router: string; routes: number; retiring: number } } {
    if (stored === undefined || stored === null) return { state: new RouteState(router), rejected: 0 };
    let desiredJson: unknown;
    let ackJson: unknown = undefined;
    let owner: RouterIdentity | null;
    let unaccounted = 0;
    let retiredJson: unknown = undefined;
    let foreignKeys: string[] = [];
    if (Array.isArray(stored)) {
      desiredJson = stored;
      owner = router.api === 'thrift' ? router : null;
    } else if (typeof stored === 'object') {
      const s = stored as Partial<StoredRouteState>;
      desiredJson = s.desired;
      ackJson = s.acknowledged;
      owner = identityOf(s.router);
      unaccounted = typeof s.unaccounted === 'number' ? s.unaccounted : 0;
      retiredJson = s.retired;
      if (Array.isArray(s.foreign)) foreignKeys = s.foreign.filter((k): k is string => typeof k === 'string');
    } else {
      return { state: new RouteState(router), rejected: 1 };
    }
    const desired = DesiredRoutes.fromJSON(desiredJson);
    const acknowledged = DesiredRoutes.fromJSON(ackJson);
    const retired = RouteState.retiredFromJSON(retiredJson);
    let rejected = desired.rejected + acknowledged.rejected + retired.rejected;
    let lists = retired.lists;
    let foreign: { router: string; routes: number; retiring: number } | undefined;
    let mine = acknowledged.routes;
    let wanted = desired.routes;
    if (!owner || !sameRouter(owner, router)) {
      // Another router's state: its intents stay there; its routes there are deleted there.
      const leaving = new DesiredRoutes();
      if (owner?.api === 'grpc') {
        const earlier = lists.find((e) => sameRouter(e.router, owner));
        for (const spec of [...(earlier?.routes.list() ?? []), ...acknowledged.routes.list(), ...desired.routes.list()]) leaving.set(spec);
        if (leaving.size > 0) lists = [...lists.filter((e) => e !== earlier), { router: owner, routes: leaving, since: earlier?.since ?? now }];
      }
      foreign = { router: owner ? describeRouter(owner) : 'a router of an older version of this package', routes: desired.routes.size, retiring: leaving.size };
      mine = new DesiredRoutes();
      wanted = new DesiredRoutes();
      unaccounted = 0;
      foreignKeys = [];
      rejected = 0;
    }
    // Back on an identity it left: what it had there is its own, to delete unless desired.
    for (const entry of lists.filter((e) => sameRouter(e.router, router))) {
      for (const spec of entry.routes.list()) if (!mine.has(spec.appId, spec.table, spec.prefix)) mine.set(spec);
    }
    lists = lists.filter((e) => !sameRouter(e.router, router)).slice(-MAX_RETIRED);
    const state = new RouteState(router, wanted, mine, { unaccounted, retired: lists, foreign: foreignKeys, recorded: true });
    return foreign ? { state, rejected, foreign } : { state, rejected };
  }

  private static retiredFromJSON(value: unknown): { lists: RetiredRoutes[]; rejected: number } {
    const lists: RetiredRoutes[] = [];
    let rejected = 0;
    if (!Array.isArray(value)) return { lists, rejected: value === undefined ? 0 : 1 };
    for (const item of value as Array<Partial<StoredRetired> | null>) {
      const router = identityOf(item?.router);
      if (!router || typeof item?.since !== 'number') {
        rejected++;
        continue;
      }
      const routes = DesiredRoutes.fromJSON(item.routes);
      rejected += routes.rejected;
      if (routes.routes.size > 0) lists.push({ router, routes: routes.routes, since: item.since });
    }
    return { lists, rejected };
  }
}

/** How many routes the router keys apart among `sets` (it keys a route by table and prefix, not by app id). */
export function routerKeys(...sets: DesiredRoutes[]): number {
  const keys = new Set<string>();
  for (const set of sets) for (const spec of set.toJSON() as readonly RouteSpec[]) keys.add(routeKey('', spec.table, spec.prefix));
  return keys.size;
}
