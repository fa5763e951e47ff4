/**
 * The simulated router's RIB: static routes programmed through the JET route API, in memory.
 *
 * Pure (no I/O): a route is identified by (table, prefix), whichever API installed it, so a Thrift
 * add and a gRPC add of the same prefix collide as on one router. Who owns a route depends on the
 * API (`RibEntry.api`), because the two JET generations scope routes differently:
 * - Thrift (docs/protocol.md §2): the app_id that added it and the session (connection) that added it, so
 *   that a closing session takes its routes with it (purgeSession).
 * - gRPC jnx.jet (§6): the client id. Its routes outlive the session; the gRPC server decides when
 *   they go (purgeClient, after the client's purge time) and a later session of the same client id
 *   finds them again (clientRoutes).
 * Routes of other protocols (sim/other-routes.ts: a static route from the CLI, BGP) sit beside the
 * JET routes in `others`: RouteGet shows them, nothing of JET changes them.
 * Every change of a JET route is announced with a 'change' event. Answers are the err_code table of
 * lib/thrift/protocol.ts (docs/protocol.md §2; the gRPC server maps them to its own sub codes).
 * Prefixes, next hops and tables are checked by sim/route-check.ts (lib/core/route-spec.ts's
 * parsers, the same code as the nodes): bad input is err_code 4 with its message, as a router answers it.
 */
import { EventEmitter } from 'events';
import { DEFAULT_PREFERENCE, defaultTable, Family as AddressFamily, parsePrefix } from '../lib/core/route-spec';
import { checkNexthop, checkPrefix, fromWire, invalid, MAX_I32, Parsed, resolveTable, TABLE_RE } from './route-check';
import { lookupOrder, OtherRoute, OtherRoutes } from './other-routes';
import { ERR, type ErrCode } from '../lib/thrift/protocol';
import { FamilyType } from '../lib/gen/jet/FamilyType';

export type { AddressFamily };
export { checkNexthop, checkPrefix, resolveTable, type Parsed } from './route-check';

/** Structural view of the generated RouteConfig (every field may be missing on the wire). */
export interface RouteConfigLike {
  app_id?: string;
  family_type?: number;
  prefix?: string;
  nexthops?: ReadonlyArray<{ nexthop_address?: { nexthop_ip?: string } }>;
  table_name?: string;
  preference?: ReadonlyArray<number>;
  metric?: ReadonlyArray<number>;
}

/** Which JET API installed a route: it decides who owns the route (see the file comment). */
export type RouteApi = 'thrift' | 'grpc';

/** Who installs a route: the session (connection) and the client id it logged in with. */
export interface RouteOwner {
  sessionId: number;
  clientId: string;
  /** Default 'thrift'. Session ids are per API: a Thrift and a gRPC session may share a number. */
  api?: RouteApi;
}

export interface RibEntry {
  readonly table: string;
  /** Canonical CIDR: dotted quad for IPv4, RFC 5952 for IPv6. */
  readonly prefix: string;
  readonly appId: string;
  readonly family: AddressFamily;
  /** Canonical next-hop addresses, in the order given. */
  readonly nexthops: readonly string[];
  /** First element of the call's preference list (Junos static default 5 when absent). */
  readonly preference: number;
  /** First element of the call's metric list (0 when absent). */
  readonly metric: number;
  readonly clientId: string;
  readonly sessionId: number;
  /** The API that installed it; 'grpc' routes belong to `clientId` and have an empty appId. */
  readonly api: RouteApi;
  readonly installedAt: Date;
}

/** 'modify': a route replaced by its owner (gRPC RouteModify / RouteUpdate); `entry` is the new one. */
export type RibChangeOp = 'add' | 'modify' | 'delete' | 'purge';

export interface RibChange {
  op: RibChangeOp;
  entry: RibEntry;
  /** For 'purge': why (e.g. "session 3 closed"). */
  reason?: string;
}

export interface RibResult {
  errCode: ErrCode;
  message?: string;
  /** The entry added or deleted, on success. */
  entry?: RibEntry;
}

export interface RibListResult {
  errCode: ErrCode;
  message?: string;
  routes: RibEntry[];
}

/**
 * A validated route, what a request of either API becomes before it touches the RIB: canonical
 * prefix and next hops, a table that holds the prefix's family.
 */
export interface RibRoute {
  table: string;
  prefix: string;
  family: AddressFamily;
  nexthops: readonly string[];
  preference: number;
  metric: number;
  /** Thrift app_id; '' for gRPC routes. */
  appId: string;
}

/**
 * How set() treats an existing (table, prefix): 'add' refuses it, 'modify' needs it (of the same
 * owner), 'update' adds or replaces (gRPC RouteAdd / RouteModify / RouteUpdate).
 */
export type SetMode = 'add' | 'modify' | 'update';

export interface RibOptions {
  /** Clock for installedAt (tests). */
  now?: () => Date;
}

interface RouteKey {
  appId: string;
  table: string;
  prefix: string;
  family: AddressFamily;
}

/** Validates what identifies a route (app_id, family_type, prefix, table_name). */
function parseKey(config: RouteConfigLike): Parsed<RouteKey> {
  if (typeof config.app_id !== 'string' || config.app_id.trim() === '') return invalid('app_id is missing');
  const p = fromWire('prefix', config.prefix, parsePrefix);
  if (!p.ok) return p;
  const { family } = p.value;
  const ft = config.family_type ?? FamilyType.af_unspec;
  if (ft !== FamilyType.af_unspec && ft !== FamilyType.af_inet && ft !== FamilyType.af_inet6) return invalid(`unknown family_type ${ft}`);
  if ((ft === FamilyType.af_inet && family !== 'inet') || (ft === FamilyType.af_inet6 && family !== 'inet6')) {
    return invalid(`family_type ${ft === FamilyType.af_inet ? 'af_inet' : 'af_inet6'} does not match prefix ${config.prefix}`);
  }
  const t = resolveTable(config.table_name, family);
  if (!t.ok) return t;
  return { ok: true, value: { appId: config.app_id, table: t.value, prefix: p.value.prefix, family } };
}

/** First element of an i32 list, `fallback` when absent; invalid when negative or not an i32. */
function firstValue(name: string, list: ReadonlyArray<number> | undefined, fallback: number): Parsed<number> {
  if (list === undefined || list === null || list.length === 0) return { ok: true, value: fallback };
  for (const v of list) {
    if (!Number.isInteger(v) || v < 0 || v > MAX_I32) return invalid(`${name} ${v} is out of range`);
  }
  return { ok: true, value: list[0] };
}

const keyOf = (table: string, prefix: string): string => `${table}|${prefix}`;

/** `app X` for a Thrift route, `client X` for a gRPC one: who owns it, for messages and logs. */
export function ownerLabel(e: Pick<RibEntry, 'api' | 'appId' | 'clientId'>): string {
  return e.api === 'grpc' ? `client ${e.clientId}` : `app ${e.appId}`;
}

/** Whether `owner` (installing `appId`) owns `e`: same API, and same client id (gRPC) or app id (Thrift). */
function owns(e: RibEntry, owner: RouteOwner, appId: string): boolean {
  const api = owner.api ?? 'thrift';
  return e.api === api && (api === 'grpc' ? e.clientId === owner.clientId : e.appId === appId);
}

export class Rib extends EventEmitter<{ change: [RibChange] }> {
  private readonly routes = new Map<string, RibEntry>();
  /** Routes of other protocols (a static route from the CLI, BGP): RouteGet shows them, JET never touches them. */
  readonly others = new OtherRoutes();
  private readonly now: () => Date;

  constructor(options: RibOptions = {}) {
    super();
    this.now = options.now ?? (() => new Date());
  }

  /** Number of routes. */
  get size(): number {
    return this.routes.size;
  }

  /** Adds a route: 0, or 2 when (table, prefix) exists (whoever owns it), or 4 on invalid input. */
  add(config: RouteConfigLike, owner: RouteOwner = { sessionId: 0, clientId: '' }): RibResult {
    const k = parseKey(config);
    if (!k.ok) return { errCode: ERR.INVALID, message: k.message };
    const { appId, table, prefix, family } = k.value;
    if (!config.nexthops || config.nexthops.length === 0) return { errCode: ERR.INVALID, message: 'nexthops is empty' };
    const nexthops: string[] = [];
    for (const nh of config.nexthops) {
      const a = checkNexthop(nh?.nexthop_address?.nexthop_ip, family, prefix);
      if (!a.ok) return { errCode: ERR.INVALID, message: a.message };
      nexthops.push(a.value);
    }
    const pref = firstValue('preference', config.preference, DEFAULT_PREFERENCE);
    if (!pref.ok) return { errCode: ERR.INVALID, message: pref.message };
    const metric = firstValue('metric', config.metric, 0);
    if (!metric.ok) return { errCode: ERR.INVALID, message: metric.message };
    return this.set({ table, prefix, family, nexthops, preference: pref.value, metric: metric.value, appId }, owner, 'add');
  }

  /**
   * Installs a validated route for `owner` (see SetMode): 0; 2 when 'add' meets an existing
   * (table, prefix), or 'update' one of another owner; 3 when 'modify' finds none of this owner.
   */
  set(route: RibRoute, owner: RouteOwner, mode: SetMode = 'add'): RibResult {
    const { table, prefix } = route;
    const key = keyOf(table, prefix);
    const existing = this.routes.get(key);
    if (existing && (mode === 'add' || !owns(existing, owner, route.appId))) {
      if (mode === 'modify') return { errCode: ERR.NOT_FOUND, message: `${table} ${prefix} not found for ${ownerLabel(this.label(owner, route.appId))}` };
      return { errCode: ERR.EXISTS, message: `${table} ${prefix} already exists (${ownerLabel(existing)})` };
    }
    if (!existing && mode === 'modify') {
      return { errCode: ERR.NOT_FOUND, message: `${table} ${prefix} not found for ${ownerLabel(this.label(owner, route.appId))}` };
    }
    const entry: RibEntry = Object.freeze({
      table,
      prefix,
      appId: route.appId,
      family: route.family,
      nexthops: Object.freeze([...route.nexthops]),
      preference: route.preference,
      metric: route.metric,
      clientId: owner.clientId,
      sessionId: owner.sessionId,
      api: owner.api ?? 'thrift',
      installedAt: this.now(),
    });
    this.routes.set(key, entry);
    this.emit('change', { op: existing ? 'modify' : 'add', entry });
    return { errCode: ERR.SUCCESS, entry };
  }

  /** Removes the route at (table, prefix) if `owner` owns it (see set()): 0, or 3. */
  remove(table: string, prefix: string, owner: RouteOwner, appId = ''): RibResult {
    const key = keyOf(table, prefix);
    const entry = this.routes.get(key);
    if (!entry || !owns(entry, owner, appId)) {
      return { errCode: ERR.NOT_FOUND, message: `${table} ${prefix} not found for ${ownerLabel(this.label(owner, appId))}` };
    }
    this.routes.delete(key);
    this.emit('change', { op: 'delete', entry });
    return { errCode: ERR.SUCCESS, entry };
  }

  /** The gRPC routes of a client id, in installation order (of one table when given). */
  clientRoutes(clientId: string, table?: string): RibEntry[] {
    return [...this.routes.values()].filter((e) => e.api === 'grpc' && e.clientId === clientId && (table === undefined || e.table === table));
  }

  private label(owner: RouteOwner, appId: string): Pick<RibEntry, 'api' | 'appId' | 'clientId'> {
    return { api: owner.api ?? 'thrift', appId, clientId: owner.clientId };
  }

  /** Deletes a Thrift route of `app_id`: 0, or 3 when absent or owned by another app (or by a gRPC client), or 4 on invalid input. */
  delete(config: RouteConfigLike): RibResult {
    const k = parseKey(config);
    if (!k.ok) return { errCode: ERR.INVALID, message: k.message };
    const { appId, table, prefix } = k.value;
    const key = keyOf(table, prefix);
    const entry = this.routes.get(key);
    if (!entry || entry.api !== 'thrift' || entry.appId !== appId) {
      return { errCode: ERR.NOT_FOUND, message: `${table} ${prefix} not found for app ${appId}` };
    }
    this.routes.delete(key);
    this.emit('change', { op: 'delete', entry });
    return { errCode: ERR.SUCCESS, entry };
  }

  /**
   * Routes of `appId` in `table` (default table of the prefix's family when empty); an empty
   * prefix lists all of them (in both default tables when the table is empty too). A prefix
   * that is not installed gives 0 and no routes.
   */
  list(appId: string, table = '', prefix = ''): RibListResult {
    if (typeof appId !== 'string' || appId.trim() === '') {
      return { errCode: ERR.INVALID, message: 'app_id is missing', routes: [] };
    }
    if (!prefix) {
      let tables: string[];
      if (!table) {
        tables = [defaultTable('inet'), defaultTable('inet6')];
      } else if (TABLE_RE.test(table)) {
        tables = [table];
      } else {
        return { errCode: ERR.INVALID, message: `table ${JSON.stringify(table)} is not an inet.N or inet6.N table`, routes: [] };
      }
      const routes = [...this.routes.values()].filter((e) => e.api === 'thrift' && e.appId === appId && tables.includes(e.table));
      return { errCode: ERR.SUCCESS, routes };
    }
    const k = parseKey({ app_id: appId, prefix, table_name: table });
    if (!k.ok) return { errCode: ERR.INVALID, message: k.message, routes: [] };
    const entry = this.routes.get(keyOf(k.value.table, k.value.prefix));
    return { errCode: ERR.SUCCESS, routes: entry && entry.api === 'thrift' && entry.appId === appId ? [entry] : [] };
  }

  /**
   * Thrift RouteGet: the routes of `appId` as {@link list} gives them and, for one prefix, the
   * routes of other protocols there too (a lookup in the routing table), in lookup order.
   */
  lookup(appId: string, table = '', prefix = ''): { errCode: ErrCode; message?: string; routes: Array<RibEntry | OtherRoute> } {
    const r = this.list(appId, table, prefix);
    if (r.errCode !== ERR.SUCCESS || !prefix) return r;
    const p = checkPrefix(prefix);
    const t = p.ok ? resolveTable(table, p.value.family) : p;
    if (!p.ok || !t.ok) return r;
    return { errCode: r.errCode, routes: lookupOrder(r.routes, this.others.at(t.value, p.value.prefix)) };
  }

  /** The route at (table, prefix) whoever owns it; the prefix is canonicalised first. */
  get(table: string, prefix: string): RibEntry | undefined {
    const p = fromWire('prefix', prefix, parsePrefix);
    return p.ok ? this.routes.get(keyOf(table, p.value.prefix)) : undefined;
  }

  /** Every route (of one table when given), in installation order. */
  entries(table?: string): RibEntry[] {
    const all = [...this.routes.values()];
    return table === undefined ? all : all.filter((e) => e.table === table);
  }

  /** Removes every Thrift route of an app (all its sessions); returns them. */
  purgeApp(appId: string, reason = `app ${appId} purged`): RibEntry[] {
    return this.purgeWhere((e) => e.api === 'thrift' && e.appId === appId, reason);
  }

  /** Removes every Thrift route added on one session (connection); returns them. */
  purgeSession(sessionId: number, reason = `session ${sessionId} closed`): RibEntry[] {
    return this.purgeWhere((e) => e.api === 'thrift' && e.sessionId === sessionId, reason);
  }

  /** Removes every gRPC route of a client id (RouteCleanup, or its purge time ran out); returns them. */
  purgeClient(clientId: string, reason = `client ${clientId} purged`): RibEntry[] {
    return this.purgeWhere((e) => e.api === 'grpc' && e.clientId === clientId, reason);
  }

  private purgeWhere(match: (e: RibEntry) => boolean, reason: string): RibEntry[] {
    const purged: RibEntry[] = [];
    for (const [key, entry] of this.routes) {
      if (!match(entry)) continue;
      this.routes.delete(key);
      purged.push(entry);
    }
    for (const entry of purged) this.emit('change', { op: 'purge', entry, reason });
    return purged;
  }
}

/**
 * One `show route`-like line for a RIB change:
 * `+ inet.0: 1.1.1.1/32 *[Static/5] metric 3 > to 10.1.1.2 (app 111:222)`,
 * `~ inet.0: 1.1.1.1/32 *[Static/5] metric 0 > to 10.1.1.3 (client c1)` (replaced),
 * `- inet.0: 1.1.1.1/32 (app 111:222, deleted)`.
 */
export function formatRibChange(change: RibChange): string {
  const e = change.entry;
  if (change.op === 'add' || change.op === 'modify') {
    const hops = e.nexthops.map((h) => `to ${h}`).join(', ');
    return `${change.op === 'add' ? '+' : '~'} ${e.table}: ${e.prefix} *[Static/${e.preference}] metric ${e.metric} > ${hops} (${ownerLabel(e)})`;
  }
  const why = change.op === 'delete' ? 'deleted' : `purged: ${change.reason ?? 'session closed'}`;
  return `- ${e.table}: ${e.prefix} (${ownerLabel(e)}, ${why})`;
}
