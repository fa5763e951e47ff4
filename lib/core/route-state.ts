/**
 * What a router node remembers of its routes, as one plain JSON value for a context store:
 *  - `desired`: the intents (every route added and not deleted since), replayed after each login;
 *  - `acknowledged`: the routes the router confirmed to this client (added, or found as ours). On
 *    gRPC the router keeps a client's routes across sessions (purge timer), so after a login the
 *    routes acknowledged and no longer desired are deleted: a delete that never got its answer
 *    must not leave the route on the router;
 *  - `router`: whose routes they are (api, host, port). State saved for another router is not
 *    replayed: a user who moves a node from the lab router to production must not see the lab's
 *    routes appear there.
 * The format before gRPC (an array of desired routes) is still read.
 */
import { DesiredRoutes } from './route-set';
import type { JetApi } from './backend';

export const ROUTE_STATE_VERSION = 2;

export interface RouterIdentity {
  api: JetApi;
  host: string;
  port: number;
}

export interface StoredRouteState {
  v: number;
  router: RouterIdentity;
  desired: unknown;
  acknowledged: unknown;
}

export function sameRouter(a: RouterIdentity, b: RouterIdentity): boolean {
  return a.api === b.api && a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port;
}

export function describeRouter(r: RouterIdentity): string {
  return `${r.api} ${r.host}:${r.port}`;
}

export class RouteState {
  /** The JSON form, kept in step: saving after every change stays O(1). */
  private readonly json: StoredRouteState;

  constructor(
    readonly router: RouterIdentity,
    readonly desired = new DesiredRoutes(),
    readonly acknowledged = new DesiredRoutes(),
  ) {
    this.json = { v: ROUTE_STATE_VERSION, router, desired: desired.toJSON(), acknowledged: acknowledged.toJSON() };
  }

  toJSON(): StoredRouteState {
    return this.json;
  }

  /**
   * Reads a stored state for `router`. `rejected` counts entries that no longer validate;
   * `foreign` is set when the state belongs to another router: then nothing of it is taken.
   * A state of the old format (a bare array) has no identity: it was written by a Thrift-only
   * version, so it belongs to `router` when that is a Thrift router, and is foreign otherwise.
   */
  static fromJSON(stored: unknown, router: RouterIdentity): { state: RouteState; rejected: number; foreign?: { router: string; routes: number } } {
    if (stored === undefined || stored === null) return { state: new RouteState(router), rejected: 0 };
    let desiredJson: unknown;
    let ackJson: unknown = undefined;
    let owner: RouterIdentity | null;
    if (Array.isArray(stored)) {
      desiredJson = stored;
      owner = router.api === 'thrift' ? router : null;
    } else if (typeof stored === 'object') {
      const s = stored as Partial<StoredRouteState>;
      desiredJson = s.desired;
      ackJson = s.acknowledged;
      const r = s.router as Partial<RouterIdentity> | undefined;
      owner =
        r && (r.api === 'grpc' || r.api === 'thrift') && typeof r.host === 'string' && typeof r.port === 'number'
          ? { api: r.api, host: r.host, port: r.port }
          : null;
    } else {
      return { state: new RouteState(router), rejected: 1 };
    }
    const desired = DesiredRoutes.fromJSON(desiredJson);
    if (!owner || !sameRouter(owner, router)) {
      return {
        state: new RouteState(router),
        rejected: 0,
        foreign: { router: owner ? describeRouter(owner) : 'a router of an older version of this package', routes: desired.routes.size },
      };
    }
    const acknowledged = DesiredRoutes.fromJSON(ackJson);
    return { state: new RouteState(router, desired.routes, acknowledged.routes), rejected: desired.rejected + acknowledged.rejected };
  }
}
