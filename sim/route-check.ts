/**
 * The simulated router's checks of a route's fields as they come off the wire (prefix, next hop,
 * table), shared by its JET routes (sim/rib.ts) and the routes of other protocols (sim/other-routes.ts).
 * Prefixes and next hops are parsed by lib/core/route-spec.ts (the same code as the nodes); its
 * RouteValidationError becomes an invalid result with its message, as a router answers bad input.
 */
import { defaultTable, Family as AddressFamily, parseNexthop, parsePrefix, RouteValidationError } from '../lib/core/route-spec';

/** A routing table name the simulated router accepts: optional instance prefix, then inet.N or inet6.N. */
export const TABLE_RE = /^(?:[A-Za-z0-9][A-Za-z0-9_-]*\.)?(inet6?)\.\d+$/;
export const MAX_I32 = 0x7fffffff;

/** A parser's answer: the value, or why the input is invalid (never a throw). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export const invalid = (message: string): { ok: false; message: string } => ({ ok: false, message });

/**
 * Runs a parser of lib/core/route-spec.ts on a wire field: a RouteValidationError (or a field that
 * is not a non-empty string) becomes an invalid result, answered with err_code 4, never a throw.
 */
export function fromWire<T>(what: string, value: unknown, parse: (text: string) => T): Parsed<T> {
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
export function resolveTable(tableName: unknown, family: AddressFamily): Parsed<string> {
  if (tableName === undefined || tableName === null || tableName === '') return { ok: true, value: defaultTable(family) };
  if (typeof tableName !== 'string') return invalid('table_name is not a string');
  const m = TABLE_RE.exec(tableName);
  if (!m) return invalid(`table ${JSON.stringify(tableName)} is not an inet.N or inet6.N table`);
  if (m[1] !== family) return invalid(`table ${tableName} cannot hold ${family === 'inet' ? 'IPv4' : 'IPv6'} prefixes`);
  return { ok: true, value: tableName };
}

/** A prefix (CIDR text) checked and canonicalised by lib/core/route-spec.ts. */
export function checkPrefix(text: unknown): Parsed<{ prefix: string; family: AddressFamily }> {
  return fromWire('prefix', text, parsePrefix);
}

/** A next-hop address of `prefix`'s family, canonicalised. */
export function checkNexthop(text: unknown, family: AddressFamily, prefix: string): Parsed<string> {
  return fromWire('next-hop address', text, (ip) => parseNexthop(ip, family, prefix));
}
