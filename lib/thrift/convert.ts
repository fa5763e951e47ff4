/**
 * Routes on the Thrift JET wire (docs/protocol.md §2): a route as a RouteConfig (field ids in the
 * original app's order, pinned by test/unit/thrift/routeconfig.test.ts) and a RouteGet answer's
 * RouteConfig as an installed route. The Thrift backend writes requests with it; the simulator's
 * Thrift server writes its RouteGet answers with the same code.
 */
import type { Family, RouteSpec } from '../core/route-spec';
import type { InstalledRoute } from '../core/backend';
import { FamilyType } from '../gen/jet/FamilyType';
import { GatewayAddress } from '../gen/jet/GatewayAddress';
import { NexthopInfo } from '../gen/jet/NexthopInfo';
import { RouteConfig } from '../gen/jet/RouteConfig';

/** What a RouteConfig carries of a route: a RouteSpec and a simulated RIB entry alike. */
export interface ConfigRoute {
  appId: string;
  family: Family;
  prefix: string;
  table: string;
  nexthops: readonly string[];
  preference: number;
  metric: number;
}

/** The RouteConfig of a route, with the fields both sides fill: one-element preference and metric lists. */
export function routeConfigOf(route: ConfigRoute): RouteConfig {
  return new RouteConfig({
    app_id: route.appId,
    family_type: route.family === 'inet' ? FamilyType.af_inet : FamilyType.af_inet6,
    prefix: route.prefix,
    table_name: route.table,
    nexthops: route.nexthops.map((ip) => new NexthopInfo({ nexthop_address: new GatewayAddress({ nexthop_ip: ip }) })),
    preference: [route.preference],
    metric: [route.metric],
  });
}

/** The RouteConfig of a RouteAdd / RouteDelete request. */
export function toRouteConfig(spec: RouteSpec): RouteConfig {
  const config = routeConfigOf(spec);
  // The original app passes 0 in this field, whatever it means: so do we.
  config.unknown_10 = 0;
  return config;
}

/** A RouteGet answer's route, as the route client reads it (`table` when the answer names none). */
export function installedOf(config: RouteConfig, table: string): InstalledRoute {
  return {
    prefix: config.prefix ?? '',
    table: config.table_name || table,
    nexthops: (config.nexthops ?? []).map((n) => n.nexthop_address?.nexthop_ip ?? '').filter((ip) => ip !== ''),
    preference: config.preference ?? [],
    metric: config.metric ?? [],
  };
}
