/**
 * The desired state of a router's routes as this client made it: every route added and not
 * deleted since, keyed by (app id, table, prefix). Replayed after each reconnect, because the router
 * drops an app's routes when its session ends. Plain JSON, so that a Node-RED context store can
 * keep it across restarts.
 */
import { buildRouteSpecs, RouteSpec } from './route-spec';

export function routeKey(appId: string, table: string, prefix: string): string {
  return `${appId}|${table}|${prefix}`;
}

/** Field by field (no JSON per call: this runs for every route of every add). */
function sameSpec(a: RouteSpec, b: RouteSpec): boolean {
  if (a.appId !== b.appId || a.prefix !== b.prefix || a.family !== b.family || a.table !== b.table) return false;
  if (a.preference !== b.preference || a.metric !== b.metric || a.nexthops.length !== b.nexthops.length) return false;
  return a.nexthops.every((n, i) => n === b.nexthops[i]);
}

/** One route of the set, chained with the others at the same prefix (other app ids or tables). */
interface Entry {
  spec: RouteSpec;
  /** Its position in the array that is also the JSON. */
  slot: number;
  next: Entry | null;
}

export class DesiredRoutes {
  /**
   * The routes as an array, which is also their JSON form. The jet-router node saves the set to
   * its context after every change: rebuilding the array there each time cost O(routes) and was
   * the largest single allocation per event in the plugin (bench/, BENCHMARKS.md), so toJSON()
   * hands out this array instead, kept in step here.
   */
  private readonly specs: RouteSpec[] = [];
  /**
   * Each prefix's routes: almost always one (one app id, one table), chained when more. Keyed by
   * the prefix string the route already holds, so that a lookup builds no key (a key string per
   * lookup was most of this set's cost per route: bench/FINDINGS.md); the chain also answers
   * which app ids hold a route at a (table, prefix): the router has one route there, whoever's.
   */
  private readonly byPrefix = new Map<string, Entry>();

  constructor(initial: readonly RouteSpec[] = []) {
    for (const r of initial) this.put(r);
  }

  get size(): number {
    return this.specs.length;
  }

  /** True when the set changed. */
  set(spec: RouteSpec): boolean {
    const entry = this.find(spec.appId, spec.table, spec.prefix);
    if (entry && sameSpec(entry.spec, spec)) return false;
    this.put({ ...spec, nexthops: [...spec.nexthops] }, entry);
    return true;
  }

  /** True when the set changed. */
  remove(appId: string, table: string, prefix: string): boolean {
    let prev: Entry | null = null;
    let entry = this.byPrefix.get(prefix) ?? null;
    while (entry && (entry.spec.appId !== appId || entry.spec.table !== table)) {
      prev = entry;
      entry = entry.next;
    }
    if (!entry) return false;
    if (prev) prev.next = entry.next;
    else if (entry.next) this.byPrefix.set(prefix, entry.next);
    else this.byPrefix.delete(prefix);
    const last = this.specs.pop()!;
    if (entry.slot < this.specs.length) {
      // The last route fills the gap (the order of the set carries no meaning).
      this.specs[entry.slot] = last;
      this.find(last.appId, last.table, last.prefix)!.slot = entry.slot;
    }
    return true;
  }

  get(appId: string, table: string, prefix: string): RouteSpec | undefined {
    return this.find(appId, table, prefix)?.spec;
  }

  has(appId: string, table: string, prefix: string): boolean {
    return this.find(appId, table, prefix) !== null;
  }

  /** The app ids that hold a route at (table, prefix), other than `appId`. */
  otherApps(appId: string, table: string, prefix: string): string[] {
    const out: string[] = [];
    for (let e = this.byPrefix.get(prefix) ?? null; e; e = e.next) {
      if (e.spec.table === table && e.spec.appId !== appId && !out.includes(e.spec.appId)) out.push(e.spec.appId);
    }
    return out;
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

  private find(appId: string, table: string, prefix: string): Entry | null {
    for (let e = this.byPrefix.get(prefix) ?? null; e; e = e.next) {
      if (e.spec.appId === appId && e.spec.table === table) return e;
    }
    return null;
  }

  /** Adds a route, or replaces the one with the same key (`entry`, when the caller looked it up already). */
  private put(spec: RouteSpec, entry = this.find(spec.appId, spec.table, spec.prefix)): void {
    if (entry) {
      entry.spec = spec;
      this.specs[entry.slot] = spec;
    } else {
      this.append(spec);
    }
  }

  /** Adds a route that is not in the set: at the end of the array and of its prefix's chain. */
  private append(spec: RouteSpec): void {
    const added: Entry = { spec, slot: this.specs.length, next: null };
    this.specs.push(spec);
    const head = this.byPrefix.get(spec.prefix);
    if (!head) {
      this.byPrefix.set(spec.prefix, added);
      return;
    }
    let tail = head;
    while (tail.next) tail = tail.next;
    tail.next = added;
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
