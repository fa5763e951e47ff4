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

/** Field by field (no JSON per call: this runs for every route of every add). */
function sameSpec(a: RouteSpec, b: RouteSpec): boolean {
  if (a.appId !== b.appId || a.prefix !== b.prefix || a.family !== b.family || a.table !== b.table) return false;
  if (a.preference !== b.preference || a.metric !== b.metric || a.nexthops.length !== b.nexthops.length) return false;
  return a.nexthops.every((n, i) => n === b.nexthops[i]);
}

function placeKey(table: string, prefix: string): string {
  return `${table}|${prefix}`;
}

export class DesiredRoutes {
  /**
   * The routes as an array, which is also their JSON form, and each key's position in it. The
   * jet-router node saves the set to its context after every change: rebuilding the array there
   * each time cost O(routes) and was the largest single allocation per event in the plugin
   * (bench/, BENCHMARKS.md), so toJSON() hands out this array instead, kept in step here.
   */
  private readonly specs: RouteSpec[] = [];
  private readonly slots = new Map<string, number>();
  /** The app ids with a route at each (table, prefix): the router has one route there, whoever's. */
  private readonly places = new Map<string, Set<string>>();

  constructor(initial: readonly RouteSpec[] = []) {
    for (const r of initial) this.put(routeKey(r.appId, r.table, r.prefix), r);
  }

  get size(): number {
    return this.specs.length;
  }

  /** True when the set changed. */
  set(spec: RouteSpec): boolean {
    const key = routeKey(spec.appId, spec.table, spec.prefix);
    const slot = this.slots.get(key);
    if (slot !== undefined && sameSpec(this.specs[slot], spec)) return false;
    this.put(key, { ...spec, nexthops: [...spec.nexthops] });
    return true;
  }

  /** True when the set changed. */
  remove(appId: string, table: string, prefix: string): boolean {
    const key = routeKey(appId, table, prefix);
    const slot = this.slots.get(key);
    if (slot === undefined) return false;
    this.slots.delete(key);
    const place = placeKey(table, prefix);
    const apps = this.places.get(place);
    apps?.delete(appId);
    if (apps && apps.size === 0) this.places.delete(place);
    const last = this.specs.pop()!;
    if (slot < this.specs.length) {
      // The last route fills the gap (the order of the set carries no meaning).
      this.specs[slot] = last;
      this.slots.set(routeKey(last.appId, last.table, last.prefix), slot);
    }
    return true;
  }

  get(appId: string, table: string, prefix: string): RouteSpec | undefined {
    const slot = this.slots.get(routeKey(appId, table, prefix));
    return slot === undefined ? undefined : this.specs[slot];
  }

  has(appId: string, table: string, prefix: string): boolean {
    return this.slots.has(routeKey(appId, table, prefix));
  }

  /** The app ids that hold a route at (table, prefix), other than `appId`. */
  otherApps(appId: string, table: string, prefix: string): string[] {
    const apps = this.places.get(placeKey(table, prefix));
    return apps ? [...apps].filter((a) => a !== appId) : [];
  }

  /** A copy of the routes. */
  list(): RouteSpec[] {
    return this.specs.slice();
  }

  /**
   * The routes as plain JSON, for a context store: not a copy but the set's own array, kept
   * current as routes are set and removed (O(1), so it can be saved after every change). Read-only.
   */
  toJSON(): RouteSpec[] {
    return this.specs;
  }

  private put(key: string, spec: RouteSpec): void {
    const slot = this.slots.get(key);
    if (slot !== undefined) {
      this.specs[slot] = spec;
    } else {
      this.slots.set(key, this.specs.length);
      this.specs.push(spec);
      const place = placeKey(spec.table, spec.prefix);
      const apps = this.places.get(place);
      if (apps) apps.add(spec.appId);
      else this.places.set(place, new Set([spec.appId]));
    }
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
