/**
 * The desired state of a router's routes as this client made it: every route added and not
 * deleted since, keyed by (app id, table, prefix). Replayed after each reconnect, because the router
 * drops an app's routes when its session ends. Plain JSON, so that a Node-RED context store can
 * keep it across restarts.
 */
import { buildRouteSpecs, RouteSpec } from '../routes/validate';

export function routeKey(appId: string, table: string, prefix: string): string {
  return `${appId}|${table}|${prefix}`;
}

export class DesiredRoutes {
  private readonly routes = new Map<string, RouteSpec>();

  constructor(initial: readonly RouteSpec[] = []) {
    for (const r of initial) this.routes.set(routeKey(r.appId, r.table, r.prefix), r);
  }

  get size(): number {
    return this.routes.size;
  }

  /** True when the set changed. */
  set(spec: RouteSpec): boolean {
    const key = routeKey(spec.appId, spec.table, spec.prefix);
    const old = this.routes.get(key);
    if (old && JSON.stringify(old) === JSON.stringify(spec)) return false;
    this.routes.set(key, { ...spec, nexthops: [...spec.nexthops] });
    return true;
  }

  /** True when the set changed. */
  remove(appId: string, table: string, prefix: string): boolean {
    return this.routes.delete(routeKey(appId, table, prefix));
  }

  has(appId: string, table: string, prefix: string): boolean {
    return this.routes.has(routeKey(appId, table, prefix));
  }

  list(): RouteSpec[] {
    return [...this.routes.values()];
  }

  toJSON(): RouteSpec[] {
    return this.list();
  }

  /**
   * Reads what toJSON wrote (from a context store, possibly written by an older version): every
   * entry is validated again; entries that do not validate are returned apart, never thrown.
   */
  static fromJSON(stored: unknown): { routes: DesiredRoutes; rejected: number } {
    const specs: RouteSpec[] = [];
    let rejected = 0;
    if (Array.isArray(stored)) {
      for (const item of stored) {
        try {
          const r = item as Partial<RouteSpec>;
          const [spec] = buildRouteSpecs(
            { prefixes: r.prefix, nexthops: r.nexthops, preference: r.preference, metric: r.metric, table: r.table, appId: r.appId },
            true,
          );
          specs.push(spec);
        } catch {
          rejected++;
        }
      }
    } else if (stored !== undefined && stored !== null) {
      rejected++;
    }
    return { routes: new DesiredRoutes(specs), rejected };
  }
}
