/**
 * The simulated router's reading of `jnx.jet` requests (docs/protocol.md §6): a RouteMatch or
 * RouteEntry checked as a router checks it, into the RIB's terms (sim/rib.ts), or the sub-code and
 * words to answer. Addresses and preferences are read with lib/grpc/convert.ts, the client's own
 * codec; prefixes and next hops are checked by lib/core/route-spec.ts through the RIB, as the Thrift
 * side does.
 */
import type * as grpc from '@grpc/grpc-js';
import * as ipaddr from 'ipaddr.js';
import { preferenceOf, readAddress } from '../../lib/grpc/convert';
import { CLIENT_ID_METADATA, GRPC_MAX_GATEWAYS, GRPC_MIN_PREFERENCE } from '../../lib/grpc/protocol';
import type { RibSubCode } from '../../lib/grpc/codes';
import { ERR } from '../../lib/thrift/protocol';
import { DEFAULT_PREFERENCE } from '../../lib/core/route-spec';
import type { RouteTable__Output } from '../../lib/gen-grpc/jnx/jet/routing/base/RouteTable';
import type { RouteEntry__Output } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteEntry';
import type { RouteMatch__Output } from '../../lib/gen-grpc/jnx/jet/routing/rib/RouteMatch';
import { AddressFamily, checkNexthop, checkPrefix, resolveTable, RibRoute } from '../rib';

/** A conversion's answer: the value, or the sub code and message to answer. */
export type WireResult<T> = { ok: true; value: T } | { ok: false; code: RibSubCode; message: string };

const wireError = (code: RibSubCode, message: string): { ok: false; code: RibSubCode; message: string } => ({ ok: false, code, message });

/** A route table: its name (default: the family's), which must hold `family`; table ids are not supported. */
export function tableFromWire(t: RouteTable__Output | null | undefined, family: AddressFamily): WireResult<string> {
  if (t?.route_table_format === 'id' || (t?.id && !t?.name)) return wireError('TABLE_INVALID', 'table ids are not supported by the simulator: give the table name');
  const r = resolveTable(t?.name?.name ?? '', family);
  return r.ok ? r : wireError('TABLE_INVALID', r.message);
}

export interface WireKey {
  table: string;
  /** Canonical CIDR. */
  prefix: string;
  family: AddressFamily;
}

/** What a RouteMatch names: (table, prefix), checked by lib/core/route-spec.ts as the Thrift side does. */
export function matchFromWire(m: RouteMatch__Output | null | undefined): WireResult<WireKey> {
  if (!m?.dest_prefix) return wireError('PREFIX_INVALID', 'dest_prefix is missing');
  const a = readAddress(m.dest_prefix);
  if (!a.ok) return wireError('PREFIX_INVALID', `dest_prefix: ${a.message}`);
  const len = m.dest_prefix_len ?? 0;
  if (len > (a.family === 'inet' ? 32 : 128)) return wireError('PREFIX_LEN_TOO_LONG', `prefix length ${len} is too long for ${a.family}`);
  const p = checkPrefix(`${a.text}/${len}`);
  if (!p.ok) return wireError('PREFIX_INVALID', p.message);
  if (p.value.family !== a.family) return wireError('PREFIX_INVALID', `${a.text} is not an ${a.family} address`);
  const t = tableFromWire(m.table, a.family);
  if (!t.ok) return t;
  return { ok: true, value: { table: t.value, prefix: p.value.prefix, family: a.family } };
}

/** preferences[0] of a preferences map, raised to the lowest a JET route may have; undefined when absent. */
export function wirePreference(map: Parameters<typeof preferenceOf>[0]): number | undefined {
  const v = preferenceOf(map);
  return v === undefined ? undefined : Math.max(GRPC_MIN_PREFERENCE, v);
}

/**
 * A RouteEntry as a RIB route: gateways (1 to 64, several = ECMP) of the prefix's family,
 * preferences[0] as the preference (raised to 5; `defaultPreference` when absent), metric 0
 * (the API has none).
 */
export function entryFromWire(e: RouteEntry__Output, defaultPreference = DEFAULT_PREFERENCE): WireResult<RibRoute> {
  const k = matchFromWire(e.key);
  if (!k.ok) return k;
  const { table, prefix, family } = k.value;
  const gateways = e.nexthop?.gateways ?? [];
  if (gateways.length === 0) return wireError('NEXTHOP_INVALID', `${prefix}: no gateways`);
  if (gateways.length > GRPC_MAX_GATEWAYS) return wireError('NEXTHOP_LIMIT_EXCEED', `${prefix}: ${gateways.length} gateways (at most ${GRPC_MAX_GATEWAYS})`);
  const nexthops: string[] = [];
  for (const g of gateways) {
    const a = readAddress(g.gateway_address);
    if (!a.ok) return wireError('GATEWAY_INVALID', `${prefix}: gateway_address: ${a.message}`);
    const n = checkNexthop(a.text, family, prefix);
    if (!n.ok) return wireError('GATEWAY_INVALID', n.message);
    if (a.family !== family) return wireError('GATEWAY_INVALID', `${prefix}: gateway ${a.text} is not an ${family} address`);
    nexthops.push(n.value);
  }
  const preference = wirePreference(e.attributes?.preferences) ?? defaultPreference;
  return { ok: true, value: { table, prefix, family, nexthops, preference, metric: 0, appId: '' } };
}

/** Whether CIDR `inner` lies within CIDR `outer` (same family; inner at least as long). */
export function prefixWithin(inner: string, outer: string): boolean {
  const [ia, il] = ipaddr.parseCIDR(inner);
  const [oa, ol] = ipaddr.parseCIDR(outer);
  return ia.kind() === oa.kind() && il >= ol && ia.match(oa, ol);
}

/** The RIB's answer (err_code, lib/thrift/protocol.ts) as a sub code. */
export function subCodeOf(errCode: number): RibSubCode {
  if (errCode === ERR.SUCCESS) return 'SUCCESS';
  if (errCode === ERR.EXISTS) return 'ROUTE_EXISTS';
  if (errCode === ERR.NOT_FOUND) return 'ROUTE_NOT_FOUND';
  return 'INTERNAL_ERROR';
}

/** RouteMatchType as its name (enums arrive as names; numbers accepted too). */
export function matchTypeName(t: unknown): string {
  if (typeof t === 'number') return ['BEST', 'EXACT', 'EXACT_OR_LONGER'][t] ?? String(t);
  return String(t ?? 'BEST');
}

/** The `client-id` metadata of a call ('' when none). */
export function clientIdOf(metadata: grpc.Metadata): string {
  const v = metadata.get(CLIENT_ID_METADATA)[0];
  return typeof v === 'string' ? v : v ? v.toString('utf8') : '';
}
