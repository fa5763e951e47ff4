/**
 * Routes and addresses on the `jnx.jet` wire (docs/protocol.md §6), both ways: a route as a
 * RouteMatch / RouteEntry (key, table by name, gateways, preferences) and back, and the address codec
 * (`common.IpAddress` in its string or bytes form inside a `routing.base.NetworkAddress`). The gRPC
 * backend writes requests and reads RouteGet answers with it; the simulator's gRPC server reads the
 * requests and writes the answers with the same code.
 */
import * as net from 'net';
import * as ipaddr from 'ipaddr.js';
import type { Family } from '../core/route-spec';
import type { InstalledRoute } from '../core/backend';
import type { IpAddress } from '../gen-grpc/jnx/jet/common/IpAddress';
import type { NetworkAddress, NetworkAddress__Output } from '../gen-grpc/jnx/jet/routing/base/NetworkAddress';
import type { RouteEntry, RouteEntry__Output } from '../gen-grpc/jnx/jet/routing/rib/RouteEntry';
import type { RouteMatch } from '../gen-grpc/jnx/jet/routing/rib/RouteMatch';

/** What identifies a route on the wire: a RouteSpec and a simulated RIB entry alike. */
export interface WireKey {
  /** CIDR; a bare address is a host route. */
  prefix: string;
  family: Family;
  table: string;
}

/** What a RouteEntry carries of a route. There is no metric: the API has none. */
export interface WireRoute extends WireKey {
  /** Next-hop addresses; several make one ECMP route. */
  nexthops: readonly string[];
  preference: number;
}

/** The preferences map of RouteAttributes (and RouteInitialize's default_preferences): index → UInt32Value. */
type PreferenceMap = { [index: number]: { value?: number } | null } | null | undefined;

/** The family of an address by its own form. */
export function familyOf(ip: string): Family {
  return net.isIPv6(ip) ? 'inet6' : 'inet';
}

/** An address as a `common.IpAddress`: its text (`addr_string`), or its 4 or 16 bytes (`addr_bytes`). */
export function ipAddress(ip: string, bytes = false): IpAddress {
  return bytes ? { addr_bytes: Buffer.from(ipaddr.parse(ip).toByteArray()) } : { addr_string: ip };
}

/** An address as a `routing.base.NetworkAddress`, inet or inet6 (by default by its own family). */
export function networkAddress(ip: string, family: Family = familyOf(ip), bytes = false): NetworkAddress {
  return family === 'inet6' ? { inet6: ipAddress(ip, bytes) } : { inet: ipAddress(ip, bytes) };
}

/** An address read from the wire, or why it cannot be read. */
export type ReadAddress = { ok: true; text: string; family: Family } | { ok: false; message: string };

/**
 * The text and family of a NetworkAddress: `inet` or `inet6`, holding `addr_string` or `addr_bytes`
 * (4 or 16 bytes). The text is not checked beyond the bytes' length.
 */
export function readAddress(address: NetworkAddress__Output | null | undefined): ReadAddress {
  const family: Family | undefined = address?.inet ? 'inet' : address?.inet6 ? 'inet6' : undefined;
  if (!address || !family) return { ok: false, message: address?.mpls ? 'MPLS addresses are not supported' : 'address is missing' };
  const ip = (family === 'inet' ? address.inet : address.inet6) as IpAddress;
  const bytes = ip.addr_bytes;
  if (ip.addr_format === 'addr_bytes' || (bytes !== undefined && bytes.length > 0 && !ip.addr_string)) {
    const b = Buffer.from((bytes ?? Buffer.alloc(0)) as Uint8Array);
    if (b.length !== 4 && b.length !== 16) return { ok: false, message: `addr_bytes of ${b.length} bytes (expected 4 or 16)` };
    return { ok: true, text: ipaddr.fromByteArray([...b]).toString(), family };
  }
  if (!ip.addr_string) return { ok: false, message: 'address is empty' };
  return { ok: true, text: ip.addr_string, family };
}

/** The text of a NetworkAddress; '' when it holds none that can be read. */
export function addressText(address: NetworkAddress__Output | null | undefined): string {
  const a = readAddress(address);
  return a.ok ? a.text : '';
}

/** A preferences map holding `preference` at index 0. */
export function preferenceMap(preference: number): { [index: number]: { value: number } } {
  return { 0: { value: preference } };
}

/** Index 0 of a preferences map (the route's preference); undefined when absent. */
export function preferenceOf(map: PreferenceMap): number | undefined {
  const v = map?.[0]?.value;
  return typeof v === 'number' ? v : undefined;
}

/** The RouteMatch (key) of a route: prefix address and length, table by name. */
export function toRouteMatch(key: WireKey, bytes = false): RouteMatch {
  const slash = key.prefix.lastIndexOf('/');
  const addr = slash < 0 ? key.prefix : key.prefix.slice(0, slash);
  const len = slash < 0 ? (key.family === 'inet6' ? 128 : 32) : Number(key.prefix.slice(slash + 1));
  return {
    dest_prefix: networkAddress(addr, key.family, bytes),
    dest_prefix_len: len,
    table: { name: { name: key.table } },
  };
}

/** The RouteEntry of a route: key, one gateway per next hop (several: ECMP), preference. No metric: the API has none. */
export function toRouteEntry(route: WireRoute, bytes = false): RouteEntry {
  return {
    key: toRouteMatch(route, bytes),
    nexthop: { gateways: route.nexthops.map((ip) => ({ gateway_address: networkAddress(ip, familyOf(ip), bytes) })) },
    attributes: { preferences: preferenceMap(route.preference) },
  };
}

/** A RouteGet answer's route, as the route client reads it (`table` when the answer names none). */
export function installedOf(entry: RouteEntry__Output, table: string): InstalledRoute {
  const key = entry.key;
  const preference = preferenceOf(entry.attributes?.preferences);
  return {
    prefix: `${addressText(key?.dest_prefix)}/${key?.dest_prefix_len ?? 0}`,
    table: key?.table?.name?.name || table,
    nexthops: (entry.nexthop?.gateways ?? []).map((g) => addressText(g.gateway_address)).filter((ip) => ip !== ''),
    preference: preference === undefined ? [] : [preference],
    metric: [],
  };
}
