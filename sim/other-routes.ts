/**
 * Routes of other protocols in the simulated router's routing table: a static route from the CLI, a
 * BGP route, a direct route. JET never programs, deletes or purges them, and they never collide
 * with a JET route (another protocol at the same prefix is another route; the router makes the one
 * of lowest preference active). But RouteGet is a lookup in the routing table (docs/protocol.md §6):
 * it returns them with the JET routes at the prefix, and names no owner. So a client that takes
 * what RouteGet shows for its own, or reads the first route of the answer, is caught.
 *
 * Set with `--other-route`, `POST /rib/others` or `sim.rib.others.add()`.
 */
import type { Family as AddressFamily } from '../lib/core/route-spec';
import { checkNexthop, checkPrefix, invalid, MAX_I32, Parsed, resolveTable } from './route-check';

export const OTHER_PROTOCOLS = ['static', 'bgp', 'ospf', 'isis', 'direct', 'local'] as const;
export type OtherProtocol = (typeof OTHER_PROTOCOLS)[number];

/** Junos's default preference of each protocol. */
export const PROTOCOL_PREFERENCE: Readonly<Record<OtherProtocol, number>> = { direct: 0, local: 0, static: 5, ospf: 10, isis: 15, bgp: 170 };

export interface OtherRoute {
  readonly table: string;
  readonly prefix: string;
  readonly family: AddressFamily;
  /** Canonical next-hop addresses (none for a direct or local route). */
  readonly nexthops: readonly string[];
  readonly preference: number;
  readonly protocol: OtherProtocol;
}

/** An other-protocol route as given (CLI, HTTP, tests): the protocol defaults to static, its preference to the protocol's. */
export interface OtherRouteInput {
  prefix: string;
  nexthops?: string | readonly string[];
  preference?: number;
  protocol?: string;
  table?: string;
}

const keyOf = (table: string, prefix: string): string => `${table}|${prefix}`;

/** A route as `show route` prints it: `inet.0: 1.1.1.1/32 [Static/5] > to 10.9.9.9`. */
export function formatOtherRoute(r: OtherRoute): string {
  const name = r.protocol.charAt(0).toUpperCase() + r.protocol.slice(1);
  const hops = r.nexthops.length > 0 ? ` > ${r.nexthops.map((h) => `to ${h}`).join(', ')}` : '';
  return `${r.table}: ${r.prefix} [${name}/${r.preference}]${hops}`;
}

export class OtherRoutes {
  /** By (table, prefix); at most one route per protocol there. */
  private readonly routes = new Map<string, OtherRoute[]>();

  get size(): number {
    let n = 0;
    for (const list of this.routes.values()) n += list.length;
    return n;
  }

  /** Adds a route (replacing the same protocol's at that prefix), or says why it is invalid. */
  add(input: OtherRouteInput): Parsed<OtherRoute> {
    const p = checkPrefix(input.prefix);
    if (!p.ok) return p;
    const { prefix, family } = p.value;
    const protocol = (input.protocol ?? 'static').toLowerCase() as OtherProtocol;
    if (!OTHER_PROTOCOLS.includes(protocol)) return invalid(`protocol ${JSON.stringify(input.protocol)} is none of ${OTHER_PROTOCOLS.join(', ')}`);
    const t = resolveTable(input.table, family);
    if (!t.ok) return t;
    const given = input.nexthops === undefined ? [] : typeof input.nexthops === 'string' ? input.nexthops.split(/[\s,]+/).filter((x) => x !== '') : [...input.nexthops];
    const nexthops: string[] = [];
    for (const nh of given) {
      const a = checkNexthop(nh, family, prefix);
      if (!a.ok) return a;
      nexthops.push(a.value);
    }
    if (nexthops.length === 0 && protocol !== 'direct' && protocol !== 'local') return invalid(`a ${protocol} route needs a next hop`);
    const preference = input.preference ?? PROTOCOL_PREFERENCE[protocol];
    if (!Number.isInteger(preference) || preference < 0 || preference > MAX_I32) return invalid(`preference ${preference} is out of range`);
    const route: OtherRoute = Object.freeze({ table: t.value, prefix, family, nexthops: Object.freeze(nexthops), preference, protocol });
    const key = keyOf(route.table, prefix);
    this.routes.set(key, [...(this.routes.get(key) ?? []).filter((r) => r.protocol !== protocol), route]);
    return { ok: true, value: route };
  }

  /** Removes the routes at (table, prefix), of one protocol when given; returns them. */
  remove(table: string, prefix: string, protocol?: string): OtherRoute[] {
    const p = checkPrefix(prefix);
    if (!p.ok) return [];
    const key = keyOf(table, p.value.prefix);
    const list = this.routes.get(key) ?? [];
    const gone = list.filter((r) => protocol === undefined || r.protocol === protocol);
    const left = list.filter((r) => !gone.includes(r));
    if (left.length > 0) this.routes.set(key, left);
    else this.routes.delete(key);
    return gone;
  }

  /** The routes at (table, prefix); the prefix is canonicalised first. */
  at(table: string, prefix: string): OtherRoute[] {
    const p = checkPrefix(prefix);
    return p.ok ? [...(this.routes.get(keyOf(table, p.value.prefix)) ?? [])] : [];
  }

  /** Every route (of one table when given). */
  list(table?: string): OtherRoute[] {
    const all = [...this.routes.values()].flat();
    return table === undefined ? all : all.filter((r) => r.table === table);
  }

  clear(): void {
    this.routes.clear();
  }
}

/**
 * A lookup's answer: JET routes and other protocols' routes together, grouped by prefix in the
 * order they first appear, and at each prefix by preference, another protocol's route first when
 * the preferences tie (a router's order there is not documented: the simulator puts the route a
 * client must not take for its own first).
 */
export function lookupOrder<J extends { table: string; prefix: string; preference: number }>(jet: readonly J[], others: readonly OtherRoute[]): Array<J | OtherRoute> {
  if (others.length === 0) return [...jet];
  const groups = new Map<string, Array<J | OtherRoute>>();
  for (const r of [...jet, ...others]) {
    const key = keyOf(r.table, r.prefix);
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  const isOther = (r: J | OtherRoute): boolean => 'protocol' in r;
  const out: Array<J | OtherRoute> = [];
  for (const list of groups.values()) out.push(...list.sort((a, b) => a.preference - b.preference || Number(isOther(b)) - Number(isOther(a))));
  return out;
}
