/**
 * Route request validation: turns what a node's properties and a message give (strings, numbers,
 * arrays, in whatever form the editor, an import or the admin API produced) into normalized route
 * specifications, or a RouteValidationError naming the field and the value. Nothing is sent to a
 * router until every route of a message has passed.
 */
import { RouteValidationError, show, toInteger } from '../flow-props';
import * as ipaddr from 'ipaddr.js';

export type Family = 'inet' | 'inet6';

export interface RouteSpec {
  appId: string;
  /** Normalized CIDR (IPv6 in RFC 5952 form). */
  prefix: string;
  family: Family;
  /** Routing table: the given one, or inet.0 / inet6.0 by family. */
  table: string;
  /** Next-hop addresses, normalized; several make one ECMP route. Empty for deletes. */
  nexthops: string[];
  preference: number;
  metric: number;
}

export interface RouteInput {
  prefixes?: unknown;
  nexthops?: unknown;
  preference?: unknown;
  metric?: unknown;
  table?: unknown;
  appId?: unknown;
}

export { RouteValidationError };

export const DEFAULT_PREFERENCE = 5;
export const DEFAULT_METRIC = 3;
export const DEFAULT_APP_ID = '111:222';
/** Most prefixes one message may carry. */
export const MAX_PREFIXES = 20000;


export function defaultTable(family: Family): string {
  return family === 'inet' ? 'inet.0' : 'inet6.0';
}

/** Splits "a, b c" or ["a", "b,c"] into ["a", "b", "c"]; undefined, null and "" give []. */
export function splitList(field: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const parts: unknown[] = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const part of parts) {
    if (typeof part !== 'string') {
      throw new RouteValidationError(field, part, `expected a string or a list of strings, got ${show(part)}`);
    }
    for (const item of part.split(/[\s,;]+/)) if (item !== '') out.push(item);
  }
  return out;
}


/**
 * An IPv4 address in four-part decimal without leading zeros (what ipaddr.js's
 * isValidFourPartDecimal accepts, and its own toString() gives back), as a 32-bit number; -1
 * for anything else. The common case of every route, so it runs without ipaddr.js's parser
 * objects (several allocations and about 5 µs per prefix; bench/FINDINGS.md).
 */
const FOUR_PART = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;
export function ipv4Value(text: string): number {
  const m = FOUR_PART.exec(text);
  if (!m) return -1;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return -1;
    value = value * 256 + octet;
  }
  return value;
}

function ipv4Text(value: number): string {
  return `${Math.floor(value / 16777216) % 256}.${Math.floor(value / 65536) % 256}.${Math.floor(value / 256) % 256}.${value % 256}`;
}

export function parsePrefix(text: string): { prefix: string; family: Family } {
  const slash = text.indexOf('/');
  if (slash < 0) throw new RouteValidationError('prefixes', text, `"${text}" is not a CIDR prefix (expected e.g. 1.1.1.1/32)`);
  const addrText = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) {
    throw new RouteValidationError('prefixes', text, `"${text}" has no valid prefix length`);
  }
  const len = Number(lenText);
  const v4 = ipv4Value(addrText);
  if (v4 >= 0) {
    if (len > 32) throw new RouteValidationError('prefixes', text, `"${text}": an IPv4 prefix length is 0..32`);
    const hostBits = 2 ** (32 - len);
    const net = v4 - (v4 % hostBits);
    if (net !== v4) {
      throw new RouteValidationError('prefixes', text, `"${text}" has host bits set (did you mean ${ipv4Text(net)}/${len}?)`);
    }
    // Written anew from the number (as ipaddr.js did), not a slice of the message's text: a slice
    // would keep the whole message string alive for as long as the route is desired.
    return { prefix: `${ipv4Text(v4)}/${len}`, family: 'inet' };
  }
  if (ipaddr.IPv6.isValid(addrText) && !addrText.includes('%')) {
    if (len > 128) throw new RouteValidationError('prefixes', text, `"${text}": an IPv6 prefix length is 0..128`);
    const addr = ipaddr.IPv6.parse(addrText);
    const net = ipaddr.IPv6.networkAddressFromCIDR(`${addrText}/${len}`);
    if (net.toRFC5952String() !== addr.toRFC5952String()) {
      throw new RouteValidationError(
        'prefixes',
        text,
        `"${text}" has host bits set (did you mean ${net.toRFC5952String()}/${len}?)`,
      );
    }
    return { prefix: `${addr.toRFC5952String()}/${len}`, family: 'inet6' };
  }
  throw new RouteValidationError('prefixes', text, `"${text}" is not a valid IPv4 or IPv6 prefix`);
}

export function parseNexthop(text: string, family: Family, prefix: string): string {
  if (family === 'inet') {
    const v4 = ipv4Value(text);
    if (v4 >= 0) return ipv4Text(v4);
  }
  if (family === 'inet6' && ipaddr.IPv6.isValid(text) && !text.includes('%') && !text.includes('/')) {
    return ipaddr.IPv6.parse(text).toRFC5952String();
  }
  const other = family === 'inet' ? ipaddr.IPv6.isValid(text) : ipv4Value(text) >= 0;
  if (other) {
    throw new RouteValidationError(
      'nexthops',
      text,
      `next hop ${text} is ${family === 'inet' ? 'IPv6' : 'IPv4'} but prefix ${prefix} is ${family === 'inet' ? 'IPv4' : 'IPv6'}`,
    );
  }
  throw new RouteValidationError('nexthops', text, `"${text}" is not an IP address`);
}

/** An address as text in one form, for comparing addresses a router wrote (IPv6 in RFC 5952 form); anything else as it is. */
export function canonicalAddress(text: string): string {
  return ipaddr.IPv6.isValid(text) && !text.includes('%') ? ipaddr.IPv6.parse(text).toRFC5952String() : text;
}

export function parseTable(value: unknown, family: Family, prefix: string): string {
  if (value === undefined || value === null) return defaultTable(family);
  if (typeof value !== 'string') throw new RouteValidationError('table', value, `expected a table name, got ${show(value)}`);
  const table = value.trim();
  if (table === '') return defaultTable(family);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/.test(table)) {
    throw new RouteValidationError('table', value, `"${value}" is not a routing table name (e.g. inet.0, VRF-A.inet.0)`);
  }
  const v6Table = /(^|\.)inet6\.\d+$/.test(table);
  const v4Table = /(^|\.)inet\.\d+$/.test(table);
  if ((family === 'inet' && v6Table) || (family === 'inet6' && v4Table)) {
    throw new RouteValidationError('table', value, `table ${table} does not hold ${family === 'inet' ? 'IPv4' : 'IPv6'} prefix ${prefix}`);
  }
  return table;
}

export function parseAppId(value: unknown): string {
  if (value === undefined || value === null) return DEFAULT_APP_ID;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new RouteValidationError('appId', value, `expected a string, got ${show(value)}`);
  }
  const appId = String(value).trim();
  if (appId === '') return DEFAULT_APP_ID;
  if (appId.length > 128 || /[\x00-\x1f]/.test(appId)) {
    throw new RouteValidationError('appId', value, 'must be at most 128 printable characters');
  }
  return appId;
}

/**
 * Every route a request asks for, validated and normalized, in the order of the prefixes.
 * `needNexthops`: adds need at least one next hop; deletes ignore next hops.
 */
export function buildRouteSpecs(input: RouteInput, needNexthops: boolean): RouteSpec[] {
  const prefixTexts = splitList('prefixes', input.prefixes);
  if (prefixTexts.length === 0) throw new RouteValidationError('prefixes', input.prefixes, 'no prefix given');
  if (prefixTexts.length > MAX_PREFIXES) {
    throw new RouteValidationError('prefixes', `${prefixTexts.length} prefixes`, `at most ${MAX_PREFIXES} prefixes in one message, got ${prefixTexts.length}`);
  }
  const nexthopTexts = needNexthops ? splitList('nexthops', input.nexthops) : [];
  if (needNexthops && nexthopTexts.length === 0) throw new RouteValidationError('nexthops', input.nexthops, 'no next hop given');
  const preference = toInteger('preference', input.preference, DEFAULT_PREFERENCE);
  const metric = toInteger('metric', input.metric, DEFAULT_METRIC);
  const appId = parseAppId(input.appId);

  const seen = new Set<string>();
  const specs: RouteSpec[] = [];
  const nexthopsByFamily = new Map<Family, string[]>();
  for (const text of prefixTexts) {
    const { prefix, family } = parsePrefix(text);
    const table = parseTable(input.table, family, prefix);
    const key = `${table}|${prefix}`;
    if (seen.has(key)) throw new RouteValidationError('prefixes', text, `${prefix} is given twice`);
    seen.add(key);
    let nexthops = nexthopsByFamily.get(family);
    if (!nexthops) {
      nexthops = nexthopTexts.map((t) => parseNexthop(t, family, prefix));
      const dup = nexthops.find((n, i) => nexthops!.indexOf(n) !== i);
      if (dup) throw new RouteValidationError('nexthops', dup, `next hop ${dup} is given twice`);
      nexthopsByFamily.set(family, nexthops);
    }
    specs.push({ appId, prefix, family, table, nexthops, preference, metric });
  }
  return specs;
}

