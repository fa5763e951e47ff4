/**
 * The editor's checks of node properties, shared by every dialog. A check returns null when the
 * value is fine, or a message saying what is wrong (in the jet-router catalog, `validation.*`).
 *
 * The verdicts are the runtime's: prefixes, next hops, tables, app ids and whole numbers go through
 * the very functions the nodes run on deploy and on every message (lib/core/route-spec.ts,
 * lib/flow-props.ts), the limits come from lib/threshold/config.ts and lib/core/defaults.ts. What
 * is the editor's own is the wording: which of the runtime's refusals it is (a prefix length out of
 * range, host bits set with the network meant, …) and the dialog's cross-field checks. Written
 * here, and held to the runtime's verdicts by the unit tests: host and topicFilter (their runtime
 * twins need Node.js: net.isIP, Buffer), propertyOrEmpty (Node-RED's own check when the editor has
 * it) and the threshold's numbers (lib/threshold/config.ts reads them all in one function).
 */
import * as ipaddr from 'ipaddr.js';
import { I32_MAX, RouteValidationError, toInteger } from '../lib/flow-props';
import { Family, parseAppId, parseNexthop, parsePrefix as runtimePrefix, parseTable, splitList } from '../lib/core/route-spec';
import { DEFAULT_PORTS, PURGE_TIME_MAX_S, PURGE_TIME_MIN_S, ROUTER_PURGE_TIME_S } from '../lib/core/defaults';
import { MAX_HOLD_DOWN_S, MAX_MAX_KEYS } from '../lib/threshold/config';
import { Translate } from './host';

/** A check: null when `value` is fine, else what is wrong. Some read other properties (`others`). */
export type Check = (value: unknown, ...others: unknown[]) => string | null;

export type PrefixResult = { family: Family; prefix: string; error?: undefined } | { error: string; family?: undefined; prefix?: undefined };
export interface Address {
  family: Family;
  /** Normalized as the runtime sends it (IPv6 in RFC 5952 form). */
  text: string;
}

/**
 * What `fn` returns, or undefined when the runtime refuses the value (a RouteValidationError): its
 * rules are used as they are. Anything else thrown is a bug and goes on.
 */
function accepted<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RouteValidationError) return undefined;
    throw err;
  }
}

function empty(v: unknown): boolean {
  return v === undefined || v === null || String(v).trim() === '';
}

/** The items of a comma / space / semicolon separated list, as the runtime splits it. */
function items(v: unknown): string[] {
  return splitList('items', v === undefined || v === null ? v : String(v));
}

function familyName(f: Family): string {
  return f === 'inet' ? 'IPv4' : 'IPv6';
}

/** An IPv4 or IPv6 address as the runtime reads a next hop (no zone, no prefix length), or null. */
export function parseAddress(s: string): Address | null {
  for (const family of ['inet', 'inet6'] as const) {
    const text = accepted(() => parseNexthop(s, family, ''));
    if (text !== undefined) return { family, text };
  }
  return null;
}

const HOSTNAME = /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

/**
 * A host name (RFC 1123 labels, underscores tolerated) or an IPv4 / IPv6 address (an IPv6 zone
 * allowed), without brackets or port: what the runtime's isValidHost (lib/router/probe.ts) accepts.
 */
export function isHost(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  if (s.indexOf(':') >= 0) return parseAddress(s.replace(/%[A-Za-z0-9_.-]+$/, ''))?.family === 'inet6';
  if (parseAddress(s)) return true;
  if (/^[\d.]+$/.test(s)) return false;
  return HOSTNAME.test(s);
}

/**
 * Everything the editor says about the dialogs' values, in the words of catalog `t`
 * (`jet-router.validation.*`). `propertyExpression` is Node-RED's RED.utils.validatePropertyExpression
 * when there is one.
 */
export function createChecks(t: Translate, propertyExpression: () => ((s: string) => boolean) | undefined = () => undefined) {
  /**
   * {family, prefix} of a CIDR prefix the runtime takes (host bits zero, normalized as it sends it),
   * or {error}: not a prefix, the length out of range, or host bits set, with the network meant.
   */
  function parsePrefix(s: string): PrefixResult {
    try {
      const p = runtimePrefix(s);
      return { family: p.family, prefix: p.prefix };
    } catch (err) {
      if (!(err instanceof RouteValidationError)) throw err;
    }
    const slash = s.indexOf('/');
    const addrText = s.slice(0, Math.max(slash, 0));
    const addr = slash < 0 ? null : parseAddress(addrText);
    const lenText = s.slice(slash + 1);
    if (!addr || !/^\d{1,3}$/.test(lenText)) return { error: t('jet-router.validation.prefix', { value: s }) };
    const len = Number(lenText);
    const max = addr.family === 'inet' ? 32 : 128;
    if (len > max) return { error: t('jet-router.validation.prefixLength', { value: s, max }) };
    // A valid address and length that the runtime refuses: host bits are set.
    const network =
      addr.family === 'inet' ? ipaddr.IPv4.networkAddressFromCIDR(`${addrText}/${len}`).toString() : ipaddr.IPv6.networkAddressFromCIDR(`${addrText}/${len}`).toRFC5952String();
    return { error: t('jet-router.validation.hostBits', { value: s, network: `${network}/${len}` }) };
  }

  /** The valid prefixes of a list, by family: the last one of each. */
  function prefixFamilies(prefixes: unknown): Partial<Record<Family, string>> {
    const families: Partial<Record<Family, string>> = {};
    for (const p of items(prefixes)) {
      const parsed = parsePrefix(p);
      if (parsed.error === undefined) families[parsed.family] = parsed.prefix;
    }
    return families;
  }

  /** A whole number in min..max (toInteger's reading of flow JSON); empty is fine (the default applies). */
  const intOrEmpty =
    (min: number, max: number): Check =>
    (v) =>
      empty(v) || accepted(() => toInteger('value', typeof v === 'number' ? v : String(v), 0, min, max)) !== undefined ? null : t('jet-router.validation.integer', { min, max });

  const check = {
    host(v: unknown): string | null {
      const s = String(v === undefined || v === null ? '' : v).trim();
      if (s === '') return t('jet-router.validation.required');
      return isHost(s) ? null : t('jet-router.validation.host');
    },
    hostOrEmpty(v: unknown): string | null {
      return empty(v) ? null : check.host(v);
    },
    intOrEmpty,
    /** Preference, metric, indexes: 0..2^31-1 (a Thrift i32). */
    uintOrEmpty: intOrEmpty(0, I32_MAX),
    /** jet-threshold's Max keys. */
    maxKeysOrEmpty: intOrEmpty(1, MAX_MAX_KEYS),
    /** jet-router's purge time (gRPC RoutePurgeTimerAdd): the IDL's range; empty is the router's default. */
    purgeTimeOrEmpty(v: unknown): string | null {
      return intOrEmpty(PURGE_TIME_MIN_S, PURGE_TIME_MAX_S)(v) === null
        ? null
        : t('jet-router.validation.purgeTime', { min: PURGE_TIME_MIN_S, max: PURGE_TIME_MAX_S, default: ROUTER_PURGE_TIME_S });
    },
    numberOrEmpty(v: unknown): string | null {
      return empty(v) || isFinite(Number(String(v).trim())) ? null : t('jet-router.validation.number');
    },
    /** Seconds of hold-down: 0 to one day (the runtime refuses more). */
    holdDownOrEmpty(v: unknown): string | null {
      if (empty(v)) return null;
      const n = Number(String(v).trim());
      return isFinite(n) && n >= 0 && n <= MAX_HOLD_DOWN_S ? null : t('jet-router.validation.holdDown');
    },
    /** CIDR prefixes, comma/space separated, host bits zero, none twice; empty is fine. */
    prefixesOrEmpty(v: unknown): string | null {
      const seen = new Set<string>();
      for (const item of items(v)) {
        const p = parsePrefix(item);
        if (p.error !== undefined) return p.error;
        if (seen.has(p.prefix)) return t('jet-router.validation.duplicate', { value: item });
        seen.add(p.prefix);
      }
      return null;
    },
    /** IP addresses; with prefixes given, of the family of every prefix (one ECMP route per prefix). */
    nexthopsOrEmpty(v: unknown, prefixes?: unknown): string | null {
      const seen = new Set<string>();
      const families = prefixFamilies(prefixes);
      for (const item of items(v)) {
        const a = parseAddress(item);
        if (!a) return t('jet-router.validation.address', { value: item });
        if (seen.has(a.text)) return t('jet-router.validation.duplicate', { value: item });
        seen.add(a.text);
        const other: Family = a.family === 'inet' ? 'inet6' : 'inet';
        const prefix = families[other];
        if (prefix !== undefined) {
          return t('jet-router.validation.family', { value: item, family: familyName(a.family), prefix, prefixFamily: familyName(other) });
        }
      }
      return null;
    },
    addressesOrEmpty(v: unknown): string | null {
      return check.nexthopsOrEmpty(v, '');
    },
    /** A routing table name that can hold the prefixes' family; empty is fine (inet.0 / inet6.0). */
    tableOrEmpty(v: unknown, prefixes?: unknown): string | null {
      if (empty(v)) return null;
      const table = String(v).trim();
      // A name the runtime takes for one family at least (inet.0 holds no IPv6, inet6.0 no IPv4).
      if (accepted(() => parseTable(table, 'inet', '')) === undefined && accepted(() => parseTable(table, 'inet6', '')) === undefined) {
        return t('jet-router.validation.table', { value: table });
      }
      for (const item of items(prefixes)) {
        const p = parsePrefix(item);
        if (p.error === undefined && accepted(() => parseTable(table, p.family, p.prefix)) === undefined) {
          return t('jet-router.validation.tableFamily', { table, family: familyName(p.family), prefix: p.prefix });
        }
      }
      return null;
    },
    appIdOrEmpty(v: unknown): string | null {
      return empty(v) || accepted(() => parseAppId(String(v))) !== undefined ? null : t('jet-router.validation.appId');
    },
    /** An MQTT topic filter: '+' a whole level, '#' a whole level and the last one. */
    topicFilter(v: unknown): string | null {
      const s = String(v === undefined || v === null ? '' : v);
      if (s.trim() === '') return t('jet-router.validation.required');
      const levels = s.split('/');
      for (let i = 0; i < levels.length; i++) {
        if (levels[i].indexOf('#') >= 0 && (levels[i] !== '#' || i !== levels.length - 1)) return t('jet-router.validation.topicHash');
        if (levels[i].indexOf('+') >= 0 && levels[i] !== '+') return t('jet-router.validation.topicPlus');
      }
      return null;
    },
    /** A message property such as payload or payload.rate; empty is fine (the default). */
    propertyOrEmpty(v: unknown): string | null {
      if (empty(v)) return null;
      const s = String(v).trim();
      const valid = propertyExpression();
      const ok = valid ? valid(s) : /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(s);
      return ok ? null : t('jet-router.validation.property');
    },
    /** In sample mode, falling below rising (empty falling: 20 % below rising, always below). */
    fallingBelowRising(falling: unknown, rising?: unknown, mode?: unknown): string | null {
      const bad = check.numberOrEmpty(falling);
      if (bad) return bad;
      if (mode !== 'sample' || empty(falling)) return null;
      const r = empty(rising) ? 1024 : Number(String(rising).trim());
      if (!isFinite(r)) return null;
      return Number(String(falling).trim()) < r ? null : t('jet-router.validation.falling', { falling: String(falling).trim(), rising: r });
    },
    /** The request-response API: gRPC, Thrift, or none (a router saved before gRPC: Thrift). */
    apiOrEmpty(v: unknown): string | null {
      return v === undefined || v === null || v === '' || (typeof v === 'string' && Object.prototype.hasOwnProperty.call(DEFAULT_PORTS, v))
        ? null
        : t('jet-router.validation.api');
    },
  };
  return { check, parsePrefix };
}

export type Checks = ReturnType<typeof createChecks>['check'];
export type CheckName = { [K in keyof Checks]: Checks[K] extends Check ? K : never }[keyof Checks];
