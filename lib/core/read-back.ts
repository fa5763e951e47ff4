/**
 * Add with verify (jet-route-add's `verify`), apart from the route client: reading a route back and
 * finding this client's among whatever the router has at the prefix.
 */
import type { InstalledRoute, RouteBackend } from './backend';
import type { DesiredRoutes } from './route-set';
import { canonicalAddress, RouteSpec } from './route-spec';

/** What the read back fills in of a route's outcome. */
export interface ReadBackOutcome {
  /** The next hops of this client's route as the router reports it; [] when none is this client's. */
  installed?: string[];
  message: string;
}

/**
 * Add with verify: RouteGet returns every route at the prefix, whoever's (another protocol's, a
 * static route from the CLI); the one whose next hops and preference are this client's
 * acknowledged route is reported (`installed`), or the outcome says none is.
 */
export async function readBack(backend: RouteBackend, acknowledged: DesiredRoutes, spec: RouteSpec, outcome: ReadBackOutcome): Promise<void> {
  const where = `${spec.table} ${spec.prefix}`;
  const mine = acknowledged.get(spec.appId, spec.table, spec.prefix);
  if (!mine) {
    outcome.installed = [];
    outcome.message += `; read back: none of the routes at ${where} is this client's`;
    return;
  }
  let routes: InstalledRoute[];
  try {
    routes = await backend.get(spec.appId, spec.table, spec.prefix);
  } catch (err) {
    outcome.message += ` (read back failed: ${(err as Error).message})`;
    return;
  }
  const wanted = new Set(mine.nexthops.map(canonicalAddress));
  const match = routes.find(
    (r) =>
      r.nexthops.length === wanted.size &&
      r.nexthops.every((n) => wanted.has(canonicalAddress(n))) &&
      (r.preference.length === 0 || r.preference[0] === mine.preference),
  );
  outcome.installed = match ? match.nexthops : [];
  if (!match) {
    outcome.message +=
      routes.length === 0
        ? `; read back: no route at ${where}`
        : `; read back: ${routes.length} route(s) at ${where}, none with this client's next hops ${mine.nexthops.join(', ')} and preference ${mine.preference}`;
  }
}
