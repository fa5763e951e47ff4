/**
 * The simulated router's RIB: static routes programmed through the JET route API, in memory.
 *
 * Pure (no I/O): a route is identified by (table, prefix), owned by the app_id that added it and
 * by the session (connection) that added it, so that a closing session takes its routes with it.
 * Every change is announced with a 'change' event. Error codes follow JET-FACTS.md section 2.
 * Prefixes and next hops are parsed by lib/routes/validate.ts (the same code as the nodes); its
 * RouteValidationError becomes err_code 4 with its message, as a router answers bad input.
 */
import { EventEmitter } from 'events';
import { defaultTable, Family as AddressFamily, parseNexthop, parsePrefix, RouteValidationError } from '../lib/routes/validate';

export type { AddressFamily };

/** err_code values of RouteResult / RouteGetReply. */
export const ErrCode = {
  OK: 0,
  FAILURE: 1,
  EXISTS: 2,
  NOT_FOUND: 3,
  INVALID: 4,
  NOT_LOGGED_IN: 5,
} as const;
export type ErrCode = (typeof ErrCode)[keyof typeof ErrCode];

/** FamilyType values on the wire (idl/jet.thrift). */
export const Family = { UNSPEC: 0, INET: 1, INET6: 2 } as const;

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

/** Who installs a route: the session (connection) and the client id it logged in with. */
export interface RouteOwner {
  sessionId: number;
  clientId: string;
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
  readonly installedAt: Date;
}

export type RibChangeOp = 'add' | 'delete' | 'purge';

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

export interface RibOptions {
  /** Clock for installedAt (tests). */
  now?: () => Date;
}

/** Junos's default preference for static routes. */
export const DEFAULT_PREFERENCE = 5;
/** A routing table name the simulated router accepts: optional instance prefix, then inet.N or inet6.N. */
const TABLE_RE = /^(?:[A-Za-z0-9][A-Za-z0-9_-]*\.)?(inet6?)\.\d+$/;
const MAX_I32 = 0x7fffffff;

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const invalid = (message: string): { ok: false; message: string } => ({ ok: false, message });

/**
 * Runs a parser of lib/routes/validate.ts on a wire field: a RouteValidationError (or a field that
 * is not a non-empty string) becomes an invalid result, answered with err_code 4, never a throw.
 */
function fromWire<T>(what: string, value: unknown, parse: (text: string) => T): Parsed<T> {
  if (typeof value !== 'string' || value === '') return invalid(`${what} is missing`);
  try {
    return { ok: true, value: parse(value) };
  } catch (err) {
    if (err instanceof RouteValidationError) return invalid(err.message);
    throw err;
  }
}

/**
 * The table of a route: `table_name`, or the family's default when unset or empty. Stricter than
 * the nodes' validation: the simulated router only knows inet.N / inet6.N tables.
 */
function resolveTable(tableName: unknown, family: AddressFamily): Parsed<string> {
  if (tableName === undefined || tableName === null || tableName === '') return { ok: true, value: defaultTable(family) };
  if (typeof tableName !== 'string') return invalid('table_name is not a string');
  const m = TABLE_RE.exec(tableName);
  if (!m) return invalid(`table ${JSON.stringify(tableName)} is not an inet.N or inet6.N table`);
  if (m[1] !== family) return invalid(`table ${tableName} cannot hold ${family === 'inet' ? 'IPv4' : 'IPv6'} prefixes`);
  return { ok: true, value: tableName };
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
  const ft = config.family_type ?? Family.UNSPEC;
  if (ft !== Family.UNSPEC && ft !== Family.INET && ft !== Family.INET6) return invalid(`unknown family_type ${ft}`);
  if ((ft === Family.INET && family !== 'inet') || (ft === Family.INET6 && family !== 'inet6')) {
    return invalid(`family_type ${ft === Family.INET ? 'af_inet' : 'af_inet6'} does not match prefix ${config.prefix}`);
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

export class Rib extends EventEmitter<{ change: [RibChange] }> {
  private readonly routes = new Map<string, RibEntry>();
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
    if (!k.ok) return { errCode: ErrCode.INVALID, message: k.message };
    const { appId, table, prefix, family } = k.value;
    if (!config.nexthops || config.nexthops.length === 0) return { errCode: ErrCode.INVALID, message: 'nexthops is empty' };
    const nexthops: string[] = [];
    for (const nh of config.nexthops) {
      const a = fromWire('next-hop address', nh?.nexthop_address?.nexthop_ip, (ip) => parseNexthop(ip, family, prefix));
      if (!a.ok) return { errCode: ErrCode.INVALID, message: a.message };
      nexthops.push(a.value);
    }
    const pref = firstValue('preference', config.preference, DEFAULT_PREFERENCE);
    if (!pref.ok) return { errCode: ErrCode.INVALID, message: pref.message };
    const metric = firstValue('metric', config.metric, 0);
    if (!metric.ok) return { errCode: ErrCode.INVALID, message: metric.message };
    const key = keyOf(table, prefix);
    const existing = this.routes.get(key);
    if (existing) {
      return { errCode: ErrCode.EXISTS, message: `${table} ${prefix} already exists (app ${existing.appId})` };
    }
    const entry: RibEntry = Object.freeze({
      table,
      prefix,
      appId,
      family,
      nexthops: Object.freeze(nexthops),
      preference: pref.value,
      metric: metric.value,
      clientId: owner.clientId,
      sessionId: owner.sessionId,
      installedAt: this.now(),
    });
    this.routes.set(key, entry);
    this.emit('change', { op: 'add', entry });
    return { errCode: ErrCode.OK, entry };
  }

  /** Deletes a route of `app_id`: 0, or 3 when absent or owned by another app, or 4 on invalid input. */
  delete(config: RouteConfigLike): RibResult {
    const k = parseKey(config);
    if (!k.ok) return { errCode: ErrCode.INVALID, message: k.message };
    const { appId, table, prefix } = k.value;
    const key = keyOf(table, prefix);
    const entry = this.routes.get(key);
    if (!entry || entry.appId !== appId) {
      return { errCode: ErrCode.NOT_FOUND, message: `${table} ${prefix} not found for app ${appId}` };
    }
    this.routes.delete(key);
    this.emit('change', { op: 'delete', entry });
    return { errCode: ErrCode.OK, entry };
  }

  /**
   * Routes of `appId` in `table` (default table of the prefix's family when empty); an empty
   * prefix lists all of them (in both default tables when the table is empty too). A prefix
   * that is not installed gives 0 and no routes.
   */
  list(appId: string, table = '', prefix = ''): RibListResult {
    if (typeof appId !== 'string' || appId.trim() === '') {
      return { errCode: ErrCode.INVALID, message: 'app_id is missing', routes: [] };
    }
    if (!prefix) {
      let tables: string[];
      if (!table) {
        tables = [defaultTable('inet'), defaultTable('inet6')];
      } else if (TABLE_RE.test(table)) {
        tables = [table];
      } else {
        return { errCode: ErrCode.INVALID, message: `table ${JSON.stringify(table)} is not an inet.N or inet6.N table`, routes: [] };
      }
      const routes = [...this.routes.values()].filter((e) => e.appId === appId && tables.includes(e.table));
      return { errCode: ErrCode.OK, routes };
    }
    const k = parseKey({ app_id: appId, prefix, table_name: table });
    if (!k.ok) return { errCode: ErrCode.INVALID, message: k.message, routes: [] };
    const entry = this.routes.get(keyOf(k.value.table, k.value.prefix));
    return { errCode: ErrCode.OK, routes: entry && entry.appId === appId ? [entry] : [] };
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

  /** Removes every route of an app (all its sessions); returns them. */
  purgeApp(appId: string, reason = `app ${appId} purged`): RibEntry[] {
    return this.purgeWhere((e) => e.appId === appId, reason);
  }

  /** Removes every route added on one session (connection); returns them. */
  purgeSession(sessionId: number, reason = `session ${sessionId} closed`): RibEntry[] {
    return this.purgeWhere((e) => e.sessionId === sessionId, reason);
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
 * `- inet.0: 1.1.1.1/32 (app 111:222, deleted)`.
 */
export function formatRibChange(change: RibChange): string {
  const e = change.entry;
  if (change.op === 'add') {
    const hops = e.nexthops.map((h) => `to ${h}`).join(', ');
    return `+ ${e.table}: ${e.prefix} *[Static/${e.preference}] metric ${e.metric} > ${hops} (app ${e.appId})`;
  }
  const why = change.op === 'delete' ? 'deleted' : `purged: ${change.reason ?? 'session closed'}`;
  return `- ${e.table}: ${e.prefix} (app ${e.appId}, ${why})`;
}
